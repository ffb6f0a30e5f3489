"""Environment of the dask worker processes that ewoks starts (LocalCluster for a run, `ewoks cluster start`).

distributed's nanny sets MALLOC_TRIM_THRESHOLD_=65536 in every worker (to give memory back to the
OS). Setting any glibc malloc threshold freezes the mmap threshold at 128 KiB, so every large
temporary array (a 4 MiB detector frame, pyFAI's intermediates) is a fresh mmap that the kernel
must zero page by page: measured here, pyFAI integration of Pilatus1M frames ran 1.6x slower in a
worker than in the calling process. Raising the mmap threshold to 16 MiB restores the speed and
keeps dask's trimming. Values the user already configured (dask config or environment) win.
"""

from __future__ import annotations

import contextlib
import os
from typing import Dict, Iterator

WORKER_ENVIRON: Dict[str, str] = {"MALLOC_MMAP_THRESHOLD_": str(16 * 2**20)}
_CONFIG_KEY = "distributed.nanny.pre-spawn-environ"


@contextlib.contextmanager
def worker_environ() -> Iterator[None]:
    """Within this block, nannies created (LocalCluster(...)) give their workers WORKER_ENVIRON."""
    import dask

    current = dict(dask.config.get(_CONFIG_KEY, None) or {})
    extra = {k: v for k, v in WORKER_ENVIRON.items() if k not in current and k not in os.environ}
    if not extra:
        yield
        return
    with dask.config.set({_CONFIG_KEY: {**current, **extra}}):
        yield
