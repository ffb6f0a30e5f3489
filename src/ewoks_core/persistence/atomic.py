"""Atomic file writes: write a temporary file in the same folder, fsync, then rename.

Temporary files are named `.<name>.ewoks-tmp-<host>-<pid>-<random>` (host: a hash of the host
name). A process killed while writing leaves its temporary file behind: the next write into
the same folder removes those of processes of this host that no longer run, and those of
other hosts older than STALE_AFTER. Nothing else is ever removed. Listing a folder costs time
in proportion to its entries: a folder of more than SMALL_FOLDER entries is swept at most
once per SWEEP_INTERVAL by each process (a workflow of 10,000 nodes writes 10,000 results
into one folder).
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import socket
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, Optional, Tuple, Union

TEMP_MARK = "ewoks-tmp"
STALE_AFTER = 24 * 3600.0  # seconds: temporary files of other hosts older than this are removed
SWEEP_INTERVAL = 60.0  # seconds between two sweeps of one large folder by one process
SMALL_FOLDER = 256  # entries: a folder this small is swept before every write
_TEMP_NAME = re.compile(rf"^\..+\.{TEMP_MARK}-(?P<host>[0-9a-f]{{8}})-(?P<pid>\d+)-[a-z0-9_]{{8}}$")
_SWEPT: Dict[str, Tuple[float, int]] = {}  # large folder -> (time of its last sweep, entries) in this process
_SWEPT_LOCK = threading.Lock()


@functools.lru_cache(maxsize=1)
def _host() -> str:
    return hashlib.sha1(socket.gethostname().encode(errors="replace")).hexdigest()[:8]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):  # another user's process (or a pid this system cannot have)
        return True
    return True


def remove_stale_temp_files(folder: Union[str, Path], now: Optional[float] = None) -> Tuple[int, int]:
    """Remove the temporary files of interrupted atomic writes in `folder` (see the module docstring);
    (the number removed, the number of entries of the folder)."""
    host, me, now = _host(), os.getpid(), time.time() if now is None else now
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0, 0
    for entry in entries:
        match = _TEMP_NAME.match(entry.name) if TEMP_MARK in entry.name else None
        if match is None:
            continue
        pid = int(match.group("pid"))
        try:
            if match.group("host") == host:
                stale = pid != me and not _alive(pid)
            else:
                stale = now - entry.stat(follow_symlinks=False).st_mtime > STALE_AFTER
            if stale and entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
                removed += 1
        except OSError:  # removed meanwhile by another process, or not ours to remove
            continue
    return removed, len(entries)


def _sweep(folder: Path) -> None:
    key, now = str(folder), time.monotonic()
    with _SWEPT_LOCK:
        last = _SWEPT.get(key)
        if last is not None and now - last[0] < SWEEP_INTERVAL:
            return
    _, entries = remove_stale_temp_files(folder)
    if entries > SMALL_FOLDER:
        with _SWEPT_LOCK:
            if len(_SWEPT) > 1000:
                _SWEPT.clear()
            _SWEPT[key] = (now, entries)


@contextmanager
def atomic_path(path: Union[str, Path], fsync: bool = True) -> Iterator[Path]:
    """Yield a temporary path next to `path`; on success it replaces `path`, on error it is removed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _sweep(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{TEMP_MARK}-{_host()}-{os.getpid()}-", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        os.chmod(tmp_path, default_file_mode())  # mkstemp files are owner-only; written files follow the umask
        yield tmp_path
        if fsync:
            with open(tmp_path, "rb") as f:
                os.fsync(f.fileno())
        os.replace(tmp_path, path)
    except BaseException:
        try:
            tmp_path.unlink()
        except FileNotFoundError:
            pass
        raise


def atomic_write_text(path: Union[str, Path], text: str, fsync: bool = True) -> None:
    """Write text to `path` atomically."""
    with atomic_path(path, fsync=fsync) as tmp:
        tmp.write_text(text, encoding="utf-8")


def atomic_write_bytes(path: Union[str, Path], data: bytes, fsync: bool = True) -> None:
    """Write bytes to `path` atomically."""
    with atomic_path(path, fsync=fsync) as tmp:
        tmp.write_bytes(data)


def _process_umask() -> int:
    """The process umask, read without changing it (/proc/self/status, Linux >= 4.7). Elsewhere it is read
    once here, at import (os.umask sets it to read it: a file created by another thread at that moment could
    get the wrong mode, so it is never done again later)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


_DEFAULT_FILE_MODE = 0o666 & ~_process_umask()


def default_file_mode() -> int:
    """The mode open() gives a new file (0o666 minus the umask); mkstemp files are owner-only (0o600)."""
    return _DEFAULT_FILE_MODE


@contextmanager
def atomic_shared_path(path: Union[str, Path], fsync: bool = True) -> Iterator[Path]:
    """atomic_path(), but the file ends up with the usual permissions (umask) so other users can read it."""
    with atomic_path(path, fsync=fsync) as tmp:
        yield tmp
        os.chmod(tmp, default_file_mode())
