"""Atomic outputs: files and folders appear complete or not at all, with the usual permissions."""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Union

from ewoks_core.persistence.atomic import atomic_path as _atomic_path

__all__ = ["atomic_path", "atomic_dir"]


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _set_default_mode(path: Path, directory: bool = False) -> None:
    """Temporary files are created 0600 (folders 0700); give them the mode a plain open() would."""
    try:
        os.chmod(path, (0o777 if directory else 0o666) & ~_umask())
    except OSError:
        pass


@contextmanager
def atomic_path(path: Union[str, Path], fsync: bool = True) -> Iterator[Path]:
    """Yield a temporary path next to `path`; on success it replaces `path`, on error it is removed."""
    with _atomic_path(path, fsync=fsync) as tmp:
        yield tmp
        if tmp.exists():
            _set_default_mode(tmp)


@contextmanager
def atomic_dir(path: Union[str, Path]) -> Iterator[Path]:
    """Yield a temporary folder next to `path`; on success it replaces `path` (a previous folder of
    that name is removed), on error it is removed and `path` is left as it was."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _set_default_mode(tmp, directory=True)
    old = None
    if path.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent))
        os.replace(path, old / path.name)
    os.replace(tmp, path)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
