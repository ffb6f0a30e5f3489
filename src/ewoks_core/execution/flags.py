"""A job's stop flags, one mechanism for threads, local worker processes and distributed workers.

`halt`: start no new run (a run a worker picks up after it is dropped: it never started).
`cancel`: halt, and running tasks read `self.cancelled` as True.

- threads of this process read threading.Events (`JobFlags.halt_event`, the job's cancel event);
- local worker processes (process pools) read marker files in a per-job folder (one stat per
  check, any start method, no server); the start marks of the job's runs live there too;
- distributed workers, which may not share the file system, get a message: the engine runs
  `raise_flags(token, cancel)` on every worker (e.g. `Client.run`), which sets the flags kept
  under the job's token in that worker process.

The worker side is one picklable object, `WorkerFlags`, whichever way the flags travel.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections import OrderedDict
from typing import Any, Optional, Tuple

from .startmarks import StartMarks

HALT, CANCEL = "halt", "cancel"


class JobFlags:
    """The parent side of one job's flags. `files`: for local worker processes (a per-job folder,
    with the runs' start marks); `message`: for workers that get `raise_flags(token, ...)`."""

    def __init__(self, cancel_event: Any, *, files: bool = False, message: bool = False) -> None:
        self.cancel_event = cancel_event
        self.halt_event = threading.Event()
        self.directory: Optional[str] = None
        if files:
            import tempfile  # worker processes only: not at every start

            self.directory = tempfile.mkdtemp(prefix="ewoks-job-")
        self.token: Optional[str] = os.urandom(16).hex() if message else None  # random, as uuid4().hex
        self.marks: Optional[StartMarks] = StartMarks(self.directory) if self.directory else None

    def worker(self) -> "WorkerFlags":
        """What a worker process gets (picklable)."""
        return WorkerFlags(self.directory, self.token)

    def raise_flags(self, cancel: bool) -> None:
        """Halt the job (nothing new starts); with `cancel`, running tasks are told too."""
        self.halt_event.set()
        _touch(self.directory, HALT)
        if cancel:
            self.cancel_event.set()
            _touch(self.directory, CANCEL)

    def close(self) -> None:
        """Remove the folder (once the workers have ended)."""
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None


class WorkerFlags:
    """The worker side: reads the flags from the job's folder or from the messages of its token."""

    __slots__ = ("directory", "token")

    def __init__(self, directory: Optional[str], token: Optional[str]) -> None:
        self.directory = directory
        self.token = token

    @property
    def local(self) -> bool:
        """True in worker processes of this machine's pools (they share the caller's file system)."""
        return self.directory is not None

    def halted(self) -> bool:
        """No new run may start."""
        return self._is_set(0, HALT)

    def cancelled(self) -> bool:
        """Running tasks should stop."""
        return self._is_set(1, CANCEL)

    def _is_set(self, index: int, name: str) -> bool:
        if self.directory is not None:
            return os.path.exists(os.path.join(self.directory, name))
        if self.token is not None:
            return _messaged(self.token)[index].is_set()
        return False


class WorkerCancel:
    """What a task in a worker process reads as `self.cancelled`: the job's flag, or a Ctrl-C that
    reached this worker (`set()`, called from its SIGINT handler: only a plain attribute is set)."""

    __slots__ = ("flags", "interrupted")

    def __init__(self, flags: WorkerFlags) -> None:
        self.flags = flags
        self.interrupted = False

    def is_set(self) -> bool:
        return self.interrupted or self.flags.cancelled()

    def set(self) -> None:
        self.interrupted = True


class CancelFlag:
    """The job's cancel event when the caller gave one of their own (engine option `cancel_event`):
    set when either is; `set()` sets only the job's own (the caller's event is not ours to set)."""

    __slots__ = ("own", "other")

    def __init__(self, own: Any, other: Any) -> None:
        self.own = own
        self.other = other

    def is_set(self) -> bool:
        return self.own.is_set() or bool(self.other.is_set())

    def set(self) -> None:
        self.own.set()


# -- flags sent as messages (distributed workers): several jobs share a worker process -----------
_MESSAGED: "OrderedDict[str, Tuple[threading.Event, threading.Event]]" = OrderedDict()
_LOCK = threading.Lock()
_MAX_JOBS = 1024


def _messaged(token: str) -> Tuple[threading.Event, threading.Event]:
    with _LOCK:
        flags = _MESSAGED.get(token)
        if flags is None:
            flags = _MESSAGED[token] = (threading.Event(), threading.Event())
            while len(_MESSAGED) > _MAX_JOBS:
                _MESSAGED.popitem(last=False)
        else:
            _MESSAGED.move_to_end(token)
        return flags


def raise_flags(token: str, cancel: bool = False) -> None:
    """Run in every worker process (a message): halt the job of `token`; with `cancel`, tell its tasks."""
    halt, cancel_event = _messaged(token)
    halt.set()
    if cancel:
        cancel_event.set()


async def raise_flags_async(token: str, cancel: bool = False) -> None:
    """raise_flags as a coroutine (for `distributed.Client.run(..., wait=False)`)."""
    raise_flags(token, cancel)


def _touch(directory: Optional[str], name: str) -> None:
    if directory is not None:
        try:
            with open(os.path.join(directory, name), "w"):
                pass
        except OSError:
            pass
