"""Small file helpers shared by the writers: atomic replace with ordinary permissions."""

from __future__ import annotations

import functools
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Union


@functools.lru_cache(maxsize=1)
def _umask() -> int:
    """The process umask, read without changing it where the OS allows (os.umask is not thread-safe)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def atomic_output(path: Union[str, Path]) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success it replaces ``path`` (mode 0666 & ~umask).

    On any error the temporary file is removed, so a reader never sees a partial file.
    """
    from ewoks_core.persistence.atomic import atomic_path

    with atomic_path(path) as tmp:
        yield tmp
        if tmp.exists():
            os.chmod(tmp, 0o666 & ~_umask())
