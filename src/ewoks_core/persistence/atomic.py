"""Atomic file writes: write a temporary file in the same folder, fsync, then rename."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional, Union


@contextmanager
def atomic_path(path: Union[str, Path], fsync: bool = True) -> Iterator[Path]:
    """Yield a temporary path next to `path`; on success it replaces `path`, on error it is removed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
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


_DEFAULT_FILE_MODE: Optional[int] = None


def default_file_mode() -> int:
    """The mode open() gives a new file (0o666 minus the umask); mkstemp files are owner-only (0o600)."""
    global _DEFAULT_FILE_MODE
    if _DEFAULT_FILE_MODE is None:
        umask = None
        try:
            with open("/proc/self/status", encoding="ascii") as status:
                for line in status:
                    if line.startswith("Umask:"):
                        umask = int(line.split()[1], 8)
        except (OSError, ValueError):
            pass
        if umask is None:
            umask = os.umask(0o022)
            os.umask(umask)
        _DEFAULT_FILE_MODE = 0o666 & ~umask
    return _DEFAULT_FILE_MODE


@contextmanager
def atomic_shared_path(path: Union[str, Path], fsync: bool = True) -> Iterator[Path]:
    """atomic_path(), but the file ends up with the usual permissions (umask) so other users can read it."""
    with atomic_path(path, fsync=fsync) as tmp:
        yield tmp
        os.chmod(tmp, default_file_mode())
