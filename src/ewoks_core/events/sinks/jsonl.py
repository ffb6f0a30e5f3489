"""JSON lines sink: one JSON object per event and line, safe for many writers.

Each batch of whole lines is appended with one os.write() on an O_APPEND file
descriptor while holding an exclusive flock (where available), so threads and
processes writing the same file never interleave or lose lines.
"""

from __future__ import annotations

import json
import logging
import mmap
import os
from typing import Any, Dict, Iterator, List, Optional, Tuple

from ...errors import EwoksError
from ..record import EVENT_FIELDS, SHORT_RECORD, Event, JobInfo, record_event, second_format
from ._buffered import BufferedSink

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

logger = logging.getLogger("ewoks_core.events")

_ENCODER = json.JSONEncoder(default=str, ensure_ascii=True)
_OPEN_FLAGS = os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)


def event_dict(event: Any) -> Dict[str, Any]:
    """The EVENT_FIELDS of an Event, record (see events/record.py) or dict as a dict, without copying values.

    For an Event this is its `__dict__` (fields in declaration order): do not modify it."""
    if type(event) is Event:
        return vars(event)
    if type(event) is tuple:
        return vars(record_event(event))
    if isinstance(event, dict):
        return {k: event.get(k) for k in EVENT_FIELDS}
    return {k: getattr(event, k, None) for k in EVENT_FIELDS}


def encode(data: Any) -> str:
    """JSON text of an event dict (or value); what JSON cannot encode becomes strings."""
    try:
        return _ENCODER.encode(data)
    except (TypeError, ValueError, OverflowError):  # circular references, keys that are not strings
        if isinstance(data, dict):
            return _ENCODER.encode({str(k): v if isinstance(v, (str, int, float, bool, type(None))) else _str(v)
                                    for k, v in data.items()})
        return _ENCODER.encode(_str(data))


def encode_event(event: Any) -> str:
    """The JSON line of an event: `encode(event_dict(event))`, faster for the common node and job
    events (the fields that are the same for every event of a job are encoded once)."""
    if type(event) is tuple:
        event = record_event(event)
    if type(event) is Event:
        line = _fast_line(vars(event))
        if line is not None:
            return line
    return encode(event_dict(event))


_ESC = json.encoder.encode_basestring_ascii
_STR_OR_NONE = (str, type(None))
_TAIL = ("error_message", "error_traceback", "progress", "task_uri", "input_uris", "output_uris")
_ORDER = ("context", "type", "job_id", "engine", "workflow_id", "node_id", "task_id", "time", "error") + _TAIL + (
    "host_name", "process_id", "user_name")
_JOB_PARTS: Dict[tuple, Tuple[str, str]] = {}  # job constants -> (middle, end) of the line


def _job_parts(key: tuple) -> Optional[Tuple[str, str]]:
    parts = _JOB_PARTS.get(key)
    if parts is None:
        job_id, engine, workflow_id, host, pid, user = key
        if not all(type(v) in _STR_OR_NONE for v in (job_id, engine, workflow_id, host, user)) or type(pid) is not int:
            return None
        middle = f', "job_id": {encode(job_id)}, "engine": {encode(engine)}, "workflow_id": {encode(workflow_id)}'
        end = "".join(f', "{name}": null' for name in _TAIL)
        end += f', "host_name": {encode(host)}, "process_id": {pid}, "user_name": {encode(user)}}}'
        if len(_JOB_PARTS) > 64:
            _JOB_PARTS.clear()
        parts = _JOB_PARTS[key] = (middle, end)
    return parts


def _fast_line(d: Dict[str, Any]) -> Optional[str]:
    """The line of an event dict in Event field order with plain values, else None."""
    if len(d) != len(_ORDER) or d.get("error_message") is not None or d.get("error_traceback") is not None or \
            d.get("progress") is not None or d.get("task_uri") is not None or d.get("input_uris") is not None or \
            d.get("output_uris") is not None:
        return None
    try:
        parts = _job_parts((d["job_id"], d["engine"], d["workflow_id"], d["host_name"], d["process_id"],
                            d["user_name"]))
        context, kind, node_id, task_id, time, error = (d["context"], d["type"], d["node_id"], d["task_id"],
                                                        d["time"], d["error"])
    except (KeyError, TypeError):  # missing fields, unhashable values
        return None
    if parts is None or type(context) is not str or type(kind) is not str or type(time) is not str or \
            type(node_id) not in _STR_OR_NONE or type(task_id) not in _STR_OR_NONE or \
            not (error is None or error is True or error is False) or list(d) != list(_ORDER):
        return None
    return (f'{{"context": {_ESC(context)}, "type": {_ESC(kind)}{parts[0]}, "node_id": '
            f'{"null" if node_id is None else _ESC(node_id)}, "task_id": {"null" if task_id is None else _ESC(task_id)}'
            f', "time": {_ESC(time)}, "error": {"null" if error is None else "true" if error else "false"}{parts[1]}')


_JSON_FLAG = {None: "null", True: "true", False: "false"}


def _record_templates(job: JobInfo) -> Optional[Tuple[Dict[Tuple[str, str], str], str]]:
    """({(context, type): line head up to "node_id": }, line end after the error field) of a job's
    short records; None when its shared fields are not plain text (the generic encoder writes them)."""
    cached = job.cache.get("jsonl", False)
    if cached is False:
        parts = _job_parts((job.job_id, job.engine, job.workflow_id, job.host_name, job.process_id,
                            job.user_name))
        cached = job.cache["jsonl"] = None if parts is None else ({}, parts[1] + "\n")
    return cached


def _head(heads: Dict[Tuple[str, str], str], job: JobInfo, context: str, kind: str) -> str:
    key = (context, kind)
    head = heads.get(key)
    if head is None:
        middle = _job_parts((job.job_id, job.engine, job.workflow_id, job.host_name, job.process_id,
                             job.user_name))
        assert middle is not None
        head = heads[key] = f'{{"context": {_ESC(context)}, "type": {_ESC(kind)}{middle[0]}, "node_id": '
    return head


def encode_lines(events: List[Any]) -> str:
    """The JSON lines (each ended by a newline) of a batch of records, Event objects or dicts: short records
    (most node, workflow and job events) fill templates holding the fields every event of their job
    shares, encoded once per job and (context, type); the rest goes through `encode_event`."""
    try:
        return _encode_lines(events)
    except (TypeError, KeyError, AttributeError):  # values of unexpected types: the generic encoder judges
        return "".join([encode_event(e) + "\n" for e in events])


def _encode_lines(events: List[Any]) -> str:
    lines: List[str] = []
    append = lines.append
    job: Any = None
    heads: Optional[Dict[Tuple[str, str], str]] = None  # None: this job's lines are encoded generically
    tail = ""
    esc, flag = _ESC, _JSON_FLAG
    second, second_text = -1, ""  # format_time() inlined: the text of the current second
    for event in events:
        if type(event) is not tuple or len(event) != SHORT_RECORD:
            append(encode_event(event) + "\n")
            continue
        this_job, context, kind, node_id, task_id, time, error = event
        if this_job is not job:
            job, templates = this_job, _record_templates(this_job)
            heads, tail = templates if templates is not None else (None, "")
        if heads is None:
            append(encode_event(event) + "\n")
            continue
        head = heads.get((context, kind)) or _head(heads, this_job, context, kind)
        sec = int(time)
        if sec != second:
            second, second_text = sec, second_format(sec)
        # the time text has no character JSON escapes
        append(f'{head}{"null" if node_id is None else esc(node_id)}, "task_id": '
               f'{"null" if task_id is None else esc(task_id)}, "time": "{second_text % ((time - sec) * 1e6)}", '
               f'"error": {flag[error]}{tail}')
    return "".join(lines)


def _str(value: Any) -> str:
    try:
        return str(value)
    except Exception:
        return f"<unprintable {type(value).__name__}>"


def file_id(path: Optional[str], fd: Optional[int] = None) -> Any:
    """(device, inode) of an open descriptor or of a path; None if missing."""
    try:
        st = os.fstat(fd) if fd is not None else os.stat(path) if path else None
    except OSError:
        return None
    return st and (st.st_dev, st.st_ino)


class JsonLinesSink(BufferedSink):
    """Appends events to a JSON lines file (created with its directory if missing)."""

    offloadable = True

    def __init__(self, path: str) -> None:
        self.path = os.fspath(path)
        self._fd: Optional[int] = None
        super().__init__(path=self.path)

    def _write(self, events: List[Any]) -> None:
        data = encode_lines(events).encode()
        if self._fd is not None and file_id(self.path) != file_id(self.path, self._fd):
            self._release()  # deleted, moved or rotated: write to the file at `path`
        self._open()
        assert self._fd is not None
        append(self._fd, data)

    def _open(self) -> None:
        if self._fd is None:
            directory = os.path.dirname(os.path.abspath(self.path))
            os.makedirs(directory, exist_ok=True)
            try:  # read access lets append() repair a line cut by a full disk
                self._fd = os.open(self.path, _OPEN_FLAGS | os.O_RDWR, 0o666)
            except PermissionError:
                self._fd = os.open(self.path, _OPEN_FLAGS | os.O_WRONLY, 0o666)

    def has_job(self, job_id: str) -> Optional[bool]:
        """Whether a line of the file has this job id (one fast byte search, no JSON parsing)."""
        return file_has_job(self.path, job_id)

    def _release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)

    def _forget(self) -> None:
        # a new open file description: flock must not be shared with the parent
        if self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                os.close(fd)
            except OSError:
                pass


def file_has_job(path: str, job_id: str) -> bool:
    """Whether the JSON lines file at `path` holds an event of `job_id` (False when it does not exist)."""
    value = json.dumps(str(job_id)).encode()
    patterns = (b'"job_id": ' + value, b'"job_id":' + value)
    try:
        with open(path, "rb") as f:
            if os.fstat(f.fileno()).st_size == 0:
                return False
            with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
                return any(data.find(pattern) >= 0 for pattern in patterns)
    except FileNotFoundError:
        return False


def _ends_line(fd: int) -> bool:
    """Whether the file ends with a newline (or is empty, or cannot be read)."""
    try:
        size = os.fstat(fd).st_size
        return size == 0 or os.pread(fd, 1, size - 1) in (b"\n", b"")
    except OSError:
        return True


def append(fd: int, data: bytes) -> None:
    """Append whole lines to an O_APPEND descriptor under an exclusive flock. A last line cut by an
    earlier failed write (a full disk) is ended first, so that it does not swallow the next event."""
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        if not _ends_line(fd):
            data = b"\n" + data
        view = memoryview(data)
        while view:  # one write unless the kernel writes partially (signals, quotas)
            view = view[os.write(fd, view):]
    finally:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)


class _Skipped:
    """Lines of a JSON lines file that are not event objects: counted, reported in one warning."""

    def __init__(self, path: str) -> None:
        self.path, self.count, self.first = path, 0, ""

    def add(self, lineno: int, reason: str) -> None:
        self.count += 1
        if not self.first:
            self.first = f"line {lineno}: {reason}" if lineno else reason

    def report(self) -> None:
        if self.count:
            logger.warning("%s: skipped %d line(s) that are not JSON event objects (first: %s)", self.path,
                           self.count, self.first)


def _parse(line: bytes, lineno: int, skipped: _Skipped) -> Optional[Dict[str, Any]]:
    if not line.strip():
        return None
    try:
        data = json.loads(line)
    except (ValueError, RecursionError) as e:
        skipped.add(lineno, f"not JSON ({type(e).__name__}: {str(e)[:80]})")
        return None
    if not isinstance(data, dict) or not _EVENT_KEYS.intersection(data):
        skipped.add(lineno, "not an event object")
        return None
    return data


_EVENT_KEYS = frozenset(("context", "type", "job_id", "time"))


def iter_dicts(path: str) -> Iterator[Dict[str, Any]]:
    """Event dicts of a JSON lines file, in file order (a last incomplete line is skipped; other lines
    that are not events are skipped with one warning). A file without any event line is an EwoksError."""
    skipped, found = _Skipped(path), 0
    with open(path, "rb") as f:
        for lineno, line in enumerate(f, 1):
            if not line.endswith(b"\n"):
                break  # being written
            data = _parse(line, lineno, skipped)
            if data is not None:
                found += 1
                yield data
    if skipped.count and not found:
        raise EwoksError(f"not a JSON lines event file: none of its lines is an event ({skipped.first})",
                         source=path, hint="Give a file written by a jsonl event handler, or a .db file.")
    skipped.report()


def read_new(path: str, offset: int) -> Tuple[List[Dict[str, Any]], int]:
    """Event dicts of the complete lines after byte `offset`, and the new offset."""
    try:
        with open(path, "rb") as f:
            if os.fstat(f.fileno()).st_size < offset:
                offset = 0  # truncated or replaced
            f.seek(offset)
            chunk = f.read()
    except FileNotFoundError:
        return [], 0
    end = chunk.rfind(b"\n") + 1
    skipped = _Skipped(path)
    dicts = [d for d in (_parse(line, 0, skipped) for line in chunk[:end].splitlines()) if d is not None]
    skipped.report()
    return dicts, offset + end


class JsonLinesReader:
    """Reads a JSON lines event file (used by ewoks_core.events.readers)."""

    def __init__(self, path: str) -> None:
        self.path = path

    def dicts(self, filters: Dict[str, Any]) -> Iterator[Dict[str, Any]]:
        """All event dicts (filtering is left to the caller)."""
        return iter_dicts(self.path)

    def new_events(self, job_id: str, cursor: Optional[int]) -> Tuple[List[Dict[str, Any]], int]:
        """The job's events written after `cursor` (a byte offset) and the next cursor."""
        dicts, offset = read_new(self.path, cursor or 0)
        return [d for d in dicts if job_id is None or str(d.get("job_id")) == job_id], offset

    def close(self) -> None:
        pass
