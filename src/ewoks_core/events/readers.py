"""Read events back from any sink: filter them, list jobs, follow a running job.

A *source* is a path (".jsonl"/".json"/".ndjson" JSON lines, ".db"/".sqlite"/
".sqlite3" or a "file:" URI for SQLite; other names are recognised by content),
a "redis://" URL, a sink instance (flushed before reading) or an execinfo
handler dict {"class": ..., "arguments": [...]}.
"""

from __future__ import annotations

import os
import time
from datetime import datetime
from typing import Any, Dict, Iterable, Iterator, List, Optional, Set, Tuple, Union

from ..errors import EwoksError
from ..userfiles import check_input_file
from .record import Event
from .sinks.base import EventSink

Source = Union[str, "os.PathLike[str]", EventSink, Dict[str, Any]]
TimeLike = Union[datetime, str]
_JSONL_EXT = (".jsonl", ".json", ".ndjson", ".jsonlines")
_SQLITE_EXT = (".db", ".sqlite", ".sqlite3")
_REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def read_events(source: Source, *, job_id: Any = None, node_id: Any = None, type: Any = None, context: Any = None,
                since: Optional[TimeLike] = None, until: Optional[TimeLike] = None) -> Iterator[Event]:
    """Events of `source` in write order. Filters take a value or a collection of values;
    times are kept when `since <= time < until` (datetime or ISO 8601 string; naive = local)."""
    filters = {name: values for name, values in (("job_id", _values(job_id)), ("node_id", _values(node_id, True)),
                                                 ("type", _values(type)), ("context", _values(context)))
               if values is not None}
    start, stop = _time_arg(since, "since"), _time_arg(until, "until")
    reader, sink = _open(source, must_exist=True)  # errors now, not at the first next()
    return _read(reader, sink, filters, start, stop)


def _read(reader: Any, sink: Optional[EventSink], filters: Dict[str, Set[str]], start: Optional[datetime],
          stop: Optional[datetime]) -> Iterator[Event]:
    try:
        if sink is not None:
            sink.flush()
        for data in reader.dicts(filters):
            if _matches(data, filters, start, stop):
                yield Event.from_dict(data)
    finally:
        reader.close()


def list_jobs(source: Source) -> List[Dict[str, Any]]:
    """One dict per job, oldest first: job_id, workflow_id, status ('running'|'success'|
    'failed'), start_time, end_time (ISO strings or None) and n_events."""
    reader, sink = _open(source, must_exist=True)
    try:
        if sink is not None:
            sink.flush()
        jobs = reader.jobs() if hasattr(reader, "jobs") else aggregate_jobs(reader.dicts({}))
    finally:
        reader.close()
    return sorted(jobs, key=lambda job: _sort_key(job.get("start_time")))


def follow_events(source: Source, *, job_id: Any = None, poll_interval: float = 0.2,
                  timeout: Optional[float] = None) -> Iterator[Event]:
    """Events of one job (or, with job_id None, of every job: files only), past and future, as
    they arrive. Stops after the job's end event (context 'job', type 'end'), or, without raising,
    after `timeout` seconds (every job: only then, or when the caller stops iterating).
    Sleeps `poll_interval` between reads (Redis: wakes up as soon as events are published)."""
    reader, sink = _open(source, must_exist=False)
    if job_id is None and getattr(reader, "follows_one_job_only", False):
        reader.close()
        raise EwoksError("following every job needs an event file (.jsonl/.db); Redis is followed per job",
                         field="job_id", hint="Give the job id (--job ID).")
    return _follow(reader, sink, None if job_id is None else str(job_id), max(poll_interval, 0.01),
                   None if timeout is None else time.monotonic() + timeout)


def _follow(reader: Any, sink: Optional[EventSink], job_id: Optional[str], poll_interval: float,
            deadline: Optional[float]) -> Iterator[Event]:
    cursor: Any = None
    try:
        while True:
            if sink is not None:
                sink.flush()
            dicts, cursor = reader.new_events(job_id, cursor)
            for data in dicts:
                yield Event.from_dict(data)
                if job_id is not None and data.get("context") == "job" and data.get("type") == "end":
                    return
            wait = poll_interval
            if deadline is not None:
                wait = min(wait, deadline - time.monotonic())
                if wait <= 0:
                    return
            if hasattr(reader, "wait"):
                reader.wait(wait)
            else:
                time.sleep(wait)
    finally:
        reader.close()


# ---- filtering


def _values(value: Any, tuple_is_id: bool = False) -> Optional[Set[str]]:
    """None or the set of accepted values as strings (a tuple node id is rendered 'a/b')."""
    if value is None:
        return None
    if isinstance(value, (str, bytes, int, float)) or (tuple_is_id and isinstance(value, tuple)) \
            or not isinstance(value, Iterable):
        value = [value]
    return {"/".join(map(str, v)) if isinstance(v, tuple) else str(v) for v in value}


def parse_time(value: TimeLike) -> datetime:
    """Aware datetime from a datetime or ISO 8601 string (naive values are local time)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    if value.tzinfo is None:
        value = value.astimezone()
    return value


def _time_arg(value: Optional[TimeLike], name: str) -> Optional[datetime]:
    if value is None:
        return None
    try:
        return parse_time(value)
    except (TypeError, ValueError) as e:
        raise EwoksError(f"{name}={value!r} is not a datetime or an ISO 8601 time",
                         hint="For example '2024-05-01T12:00:00' or '2024-05-01T12:00:00+02:00'.") from e


def _sort_key(value: Any) -> Tuple[int, float]:
    try:
        return (0, parse_time(value).timestamp())
    except (TypeError, ValueError, AttributeError):
        return (1, 0.0)


def _matches(data: Dict[str, Any], filters: Dict[str, Set[str]], start: Optional[datetime],
             stop: Optional[datetime]) -> bool:
    for name, values in filters.items():
        if str(data.get(name)) not in values:
            return False
    if start is None and stop is None:
        return True
    stamp = data.get("time")
    if stamp is None:
        return False
    try:
        when = parse_time(stamp)
    except (TypeError, ValueError, AttributeError):
        return False
    return (start is None or when >= start) and (stop is None or when < stop)


def aggregate_jobs(dicts: Iterable[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Job summaries (see list_jobs) computed from event dicts."""
    jobs: Dict[Any, Dict[str, Any]] = {}
    for data in dicts:
        key = data.get("job_id")
        if not isinstance(key, (str, int, float, type(None))):  # read from a file: any JSON value
            key = repr(key)
        job = jobs.get(key)
        if job is None:
            job = jobs[key] = {"job_id": data.get("job_id"), "workflow_id": None, "status": "running",
                                              "start_time": None, "end_time": None, "n_events": 0,
                                              "_first": data.get("time")}
        job["n_events"] += 1
        if job["workflow_id"] is None and data.get("workflow_id") is not None:
            job["workflow_id"] = data["workflow_id"]
        if data.get("context") == "job":
            if data.get("type") == "start":
                job["start_time"] = data.get("time")
            elif data.get("type") == "end":
                job["end_time"] = data.get("time")
                job["status"] = "failed" if data.get("error") else "success"
    for job in jobs.values():
        first = job.pop("_first")
        job["start_time"] = job["start_time"] or first
    return list(jobs.values())


# ---- readers of each kind of source


class _MemoryReader:
    def __init__(self, sink: Any) -> None:
        self.sink = sink

    def dicts(self, filters: Dict[str, Set[str]]) -> Iterator[Dict[str, Any]]:
        return iter(self.sink.dicts())

    def new_events(self, job_id: str, cursor: Optional[int]) -> Tuple[List[Dict[str, Any]], int]:
        dicts = self.sink.dicts()
        return [d for d in dicts[cursor or 0:] if job_id is None or str(d.get("job_id")) == job_id], len(dicts)

    def close(self) -> None:
        pass


def _open(source: Source, must_exist: bool) -> Any:
    """(reader, sink to flush before each read or None)."""
    if isinstance(source, dict):
        from .emitter import make_sink

        source = make_sink(source)
    if isinstance(source, EventSink):
        return _sink_reader(source), source
    if not isinstance(source, (str, os.PathLike)):
        raise EwoksError(f"cannot read events from {source!r}",
                         hint="Give a .jsonl or .db/.sqlite path, a redis:// URL or a sink.")
    text = os.fspath(source)
    if text.startswith(_REDIS_SCHEMES):
        from .sinks.redis import RedisReader

        return RedisReader(text), None
    from .sinks.jsonl import JsonLinesReader
    from .sinks.sqlite import sqlite_path
    from .sinks.sqlite_reader import SqliteReader

    path = sqlite_path(text) if text.startswith("file:") else text
    exists = path is None or os.path.exists(path)
    if path is not None and not exists and os.path.lexists(path):
        check_input_file(path, "an event file")  # a broken or looping link: says why
    if must_exist and not exists:
        raise EwoksError("event file not found", source=path)
    if path is not None and exists:  # a folder, a FIFO, /proc/...: refused before anything reads it
        check_input_file(path, "an event file")
    if text.startswith("file:"):
        return SqliteReader(text), None
    lower = text.lower()
    if lower.endswith(_JSONL_EXT):
        return JsonLinesReader(text), None
    if lower.endswith(_SQLITE_EXT):
        return SqliteReader(text), None
    if exists and not os.path.isdir(text):
        with open(text, "rb") as f:
            head = f.read(16)
        if head.startswith(b"SQLite format 3"):
            return SqliteReader(text), None
        if head.lstrip()[:1] in (b"{", b""):
            return JsonLinesReader(text), None
    raise EwoksError("unknown event file format", source=text,
                     hint="Use a JSON lines file (.jsonl), an SQLite database (.db/.sqlite) or a redis:// URL.")


def _sink_reader(sink: EventSink) -> Any:
    from .sinks.jsonl import JsonLinesReader, JsonLinesSink
    from .sinks.memory import MemorySink
    from .sinks.sqlite import SqliteSink
    from .sinks.sqlite_reader import SqliteReader

    if isinstance(sink, MemorySink):
        return _MemoryReader(sink)
    if isinstance(sink, JsonLinesSink):
        return JsonLinesReader(sink.path)
    if isinstance(sink, SqliteSink):
        return SqliteReader(sink.uri)
    if type(sink).__name__ == "RedisSink":
        from .sinks.redis import RedisReader

        return RedisReader(sink.url, sink.keys.prefix)  # type: ignore[attr-defined]
    raise EwoksError(f"cannot read events back from a {type(sink).__name__}")
