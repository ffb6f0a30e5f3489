"""The event record: one type for every engine, with ewoks' field names.

Emitters do not build an `Event` per event: they hand sinks a *record*, a plain tuple

    (job, context, type, node_id, task_id, time, error)                      # short
    (job, context, type, node_id, task_id, time, error, error_message,
     error_traceback, progress, task_uri, input_uris, output_uris)           # long

where `job` is the `JobInfo` holding the fields every event of the job shares and `time` is
`time.time()` (formatted by `format_time` when written). Sinks that
write records in bulk (files, databases) take them as they are (`EventSink.takes_records`);
`record_event()` builds the `Event` that other sinks, relays and readers see.
"""

from __future__ import annotations

import getpass
import os
import time as _time
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
from typing import Any, Dict, Optional, Tuple

EVENT_FIELDS = (
    "host_name", "process_id", "user_name", "job_id", "engine", "context", "workflow_id", "node_id",
    "task_id", "type", "time", "error", "error_message", "error_traceback", "progress", "task_uri",
    "input_uris", "output_uris",
)
CONTEXTS = ("job", "workflow", "node")
TYPES = ("start", "end", "progress")


@dataclass
class Event:
    """One event. `time` is ISO 8601 with time zone; `node_id` is a string ('a/b' for flattened ids)."""

    context: str
    type: str
    job_id: Optional[str] = None
    engine: Optional[str] = None
    workflow_id: Optional[str] = None
    node_id: Optional[str] = None
    task_id: Optional[str] = None
    time: str = field(default_factory=lambda: now_iso())
    error: Optional[bool] = None
    error_message: Optional[str] = None
    error_traceback: Optional[str] = None
    progress: Optional[float] = None
    task_uri: Optional[str] = None
    input_uris: Optional[Dict[str, Any]] = None
    output_uris: Optional[Dict[str, Any]] = None
    host_name: str = field(default_factory=lambda: _HOST)
    process_id: int = field(default_factory=os.getpid)
    user_name: str = field(default_factory=lambda: _USER)

    def to_dict(self) -> Dict[str, Any]:
        """Plain dict in EVENT_FIELDS order."""
        d = asdict(self)
        return {k: d[k] for k in EVENT_FIELDS}

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "Event":
        """Rebuild an event from a dict as it was read: unknown keys ignored, missing fields None
        (not this process's host, pid or time)."""
        values: Dict[str, Any] = {name: data.get(name) for name in _FIELD_NAMES}
        return cls(**values)

    @property
    def datetime(self) -> datetime:
        return datetime.fromisoformat(self.time)


_FIELD_NAMES = tuple(f.name for f in fields(Event))

def second_format(sec: int) -> str:
    """The text of a second (ISO 8601, local zone offset) with a %06d placeholder for the microseconds."""
    stamp = datetime.fromtimestamp(sec, timezone.utc).astimezone().isoformat()  # 'YYYY-MM-DDTHH:MM:SS+HH:MM'
    return stamp[:19] + ".%06d" + stamp[19:]


# the format of the last second formatted, reused within that second (one tuple: threads share it)
_LAST: Tuple[int, str] = (-1, "")


def format_time(t: float) -> str:
    """ISO 8601 text of a `time.time()` value, with microseconds and the local zone offset."""
    global _LAST
    sec = int(t)
    last = _LAST
    if sec != last[0]:
        last = _LAST = (sec, second_format(sec))
    return last[1] % ((t - sec) * 1e6)  # %06d truncates the float


def now_iso() -> str:
    """The current time, ISO 8601 with microseconds and the local zone offset."""
    return format_time(_time.time())


class SecondFormat:
    """Formats many times (of a batch) as `format_time` does, each second's text computed once."""

    __slots__ = ("sec", "fmt")

    def __init__(self) -> None:
        self.sec, self.fmt = -1, ""

    def __call__(self, t: float) -> str:
        sec = int(t)
        if sec != self.sec:
            self.sec, self.fmt = sec, second_format(sec)
        return self.fmt % ((t - sec) * 1e6)


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return str(os.getuid()) if hasattr(os, "getuid") else "unknown"


def _host_name() -> str:
    if hasattr(os, "uname"):
        return os.uname().nodename  # what socket.gethostname() returns on POSIX, without importing socket
    import socket

    return socket.gethostname()


_HOST: str = _host_name()
_USER: str = _user()


class JobInfo:
    """The fields every event of one job emitted by this process shares, and what sinks derive from
    them once per job (`cache`: pre-encoded JSON, SQL parameters), keyed by the sink's name."""

    __slots__ = ("job_id", "engine", "workflow_id", "host_name", "process_id", "user_name", "cache")

    def __init__(self, job_id: Optional[str], engine: Optional[str], workflow_id: Optional[str],
                 host_name: str = _HOST, process_id: Optional[int] = None, user_name: str = _USER) -> None:
        self.job_id = job_id
        self.engine = engine
        self.workflow_id = workflow_id
        self.host_name = host_name
        self.process_id = os.getpid() if process_id is None else process_id
        self.user_name = user_name
        self.cache: Dict[str, Any] = {}

    def __reduce__(self) -> Tuple[Any, ...]:
        # sent to the event writer process (sinks/offload.py) without the cache, rebuilt there once per job
        return (job_info, (self.job_id, self.engine, self.workflow_id, self.host_name, self.process_id,
                           self.user_name))


_REBUILT: Dict[Tuple[Any, ...], JobInfo] = {}


def job_info(*fields: Any) -> JobInfo:
    """The JobInfo of these fields, one object per job in a process that receives records of others
    (so that what sinks cache per job is computed once)."""
    job = _REBUILT.get(fields)
    if job is None:
        if len(_REBUILT) >= 256:
            _REBUILT.clear()
        job = _REBUILT[fields] = JobInfo(*fields)
    return job


Record = Tuple[Any, ...]  # see the module docstring
SHORT_RECORD = 7  # length of a record without error message, progress, task URI and input/output URIs
_LONG_NAMES = ("error_message", "error_traceback", "progress", "task_uri", "input_uris", "output_uris")
_NO_TAIL = (None,) * len(_LONG_NAMES)


def record_kind(record: Record) -> Tuple[str, str]:
    """(context, type) of a record."""
    return record[1], record[2]


def record_event(record: Record) -> Event:
    """The Event of a record (its fields in declaration order, as the dataclass builds them)."""
    job, context, kind, node_id, task_id, time, error = record[:SHORT_RECORD]
    tail = record[SHORT_RECORD:] or _NO_TAIL
    fields = {"context": context, "type": kind, "job_id": job.job_id, "engine": job.engine,
              "workflow_id": job.workflow_id, "node_id": node_id, "task_id": task_id, "time": format_time(time),
              "error": error}
    fields.update(zip(_LONG_NAMES, tail, strict=True))
    fields["host_name"] = job.host_name
    fields["process_id"] = job.process_id
    fields["user_name"] = job.user_name
    event = Event.__new__(Event)
    event.__dict__ = fields
    return event
