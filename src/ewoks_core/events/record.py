"""The event record: one type for every engine, with ewoks' field names."""

from __future__ import annotations

import getpass
import os
import time as _time
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

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

# the formatted current second (with zone) is reused within that second: [second, format with %06d]
_SECOND: List[Any] = [-1, ""]


def now_iso() -> str:
    """The current time, ISO 8601 with microseconds and the local zone offset (fast: events are hot)."""
    t = _time.time()
    sec = int(t)
    if sec != _SECOND[0]:
        local = datetime.fromtimestamp(sec, timezone.utc).astimezone()
        stamp = local.isoformat()  # 'YYYY-MM-DDTHH:MM:SS+HH:MM'
        _SECOND[0], _SECOND[1] = sec, stamp[:19] + ".%06d" + stamp[19:]
    fmt: str = _SECOND[1]
    return fmt % ((t - sec) * 1e6)  # %06d truncates the float


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
