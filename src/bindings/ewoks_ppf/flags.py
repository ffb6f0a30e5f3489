"""Stop flags of one job, visible to tasks in threads and in worker processes.

`halt`: start no new run (a queued run is dropped when its worker picks it up).
`cancel`: halt, and running tasks read `self.cancelled` as True.
Threads read threading.Events; worker processes read marker files in a
per-job temporary directory (one stat per check, any start method, no server).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from typing import Any, Optional


class JobFlags:
    """The parent side: set flags; `cancel_event` is the job's RunContext.cancel_event."""

    def __init__(self, cancel_event: Any, cross_process: bool) -> None:
        self.cancel_event = cancel_event
        self.halt_event = threading.Event()
        self.directory: Optional[str] = tempfile.mkdtemp(prefix="ewoks-ppf-") if cross_process else None

    @property
    def halt_path(self) -> Optional[str]:
        return None if self.directory is None else os.path.join(self.directory, "halt")

    @property
    def cancel_path(self) -> Optional[str]:
        return None if self.directory is None else os.path.join(self.directory, "cancel")

    def halt(self) -> None:
        """Start nothing new."""
        if not self.halt_event.is_set():
            self.halt_event.set()
            _touch(self.halt_path)

    def cancel(self) -> None:
        """Start nothing new and tell running tasks (self.cancelled)."""
        self.halt()
        self.cancel_event.set()
        _touch(self.cancel_path)

    def close(self) -> None:
        """Remove the marker files (after the pool's processes ended)."""
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None


class FileFlag:
    """The worker side: a flag that is set when its marker file exists (picklable)."""

    __slots__ = ("path",)

    def __init__(self, path: str) -> None:
        self.path = path

    def is_set(self) -> bool:
        return os.path.exists(self.path)


class WorkerCancel:
    """What a task in a worker process reads as `self.cancelled`: the job's flag or a local Ctrl-C."""

    __slots__ = ("flag", "interrupted")

    def __init__(self, flag: FileFlag) -> None:
        self.flag = flag
        self.interrupted = threading.Event()

    def is_set(self) -> bool:
        return self.interrupted.is_set() or self.flag.is_set()

    def set(self) -> None:
        self.interrupted.set()


def _touch(path: Optional[str]) -> None:
    if path is not None:
        try:
            with open(path, "w"):
                pass
        except OSError:
            pass
