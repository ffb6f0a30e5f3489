"""An inter-process (and inter-thread) exclusive lock on a lock file.

Uses fcntl.flock on POSIX and msvcrt.locking on Windows. The kernel releases
the lock when the holder dies, so a crashed worker never blocks the others.
The lock file itself is never deleted (deleting it would let two processes
lock two different files).
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Union

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt


class LockTimeout(TimeoutError):
    """The lock could not be acquired in time."""


@contextmanager
def file_lock(path: Union[str, Path], timeout: float = 300.0) -> Iterator[None]:
    """Hold an exclusive lock on `path` (created if needed) for the duration of the block."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        _acquire(fd, path, timeout)
        try:
            yield
        finally:
            _release(fd)
    finally:
        os.close(fd)


def _try_lock(fd: int) -> bool:
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:  # pragma: no cover - Windows
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except (BlockingIOError, PermissionError):
        return False
    except OSError as exc:  # pragma: no cover - platform specific "would block" codes
        if getattr(exc, "errno", None) in (11, 13, 35, 36):
            return False
        raise
    return True


def _acquire(fd: int, path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    delay = 0.001
    while not _try_lock(fd):
        if time.monotonic() >= deadline:
            raise LockTimeout(f"could not lock {path} within {timeout:g} s; another process holds it")
        time.sleep(delay)
        delay = min(delay * 2, 0.02)


def _release(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
    else:  # pragma: no cover - Windows
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
