"""Environment of the dask worker processes that ewoks starts (LocalCluster for a run, `ewoks cluster start`).

Two things differ from distributed's defaults: the malloc setting below, and SIGINT, which the
workers ignore (dask_setup, loaded as a worker preload): Ctrl-C in a terminal reaches every
process of the group, and must stop the workflow (the calling process cancels the tasks, which
end cleanly with their events), not kill the workers under it.

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
from typing import Any, Dict, Iterator

WORKER_ENVIRON: Dict[str, str] = {"MALLOC_MMAP_THRESHOLD_": str(16 * 2**20)}
_CONFIG_KEY = "distributed.nanny.pre-spawn-environ"
_PRELOAD_KEY = "distributed.worker.preload"


@contextlib.contextmanager
def worker_environ() -> Iterator[None]:
    """Within this block, nannies created (LocalCluster(...)) give their workers WORKER_ENVIRON, and
    the workers ignore SIGINT (see ignore_sigint)."""
    import dask

    current = dict(dask.config.get(_CONFIG_KEY, None) or {})
    extra = {k: v for k, v in WORKER_ENVIRON.items() if k not in current and k not in os.environ}
    preload = list(dask.config.get(_PRELOAD_KEY, None) or [])
    settings: Dict[str, Any] = {_PRELOAD_KEY: preload + [__name__]} if __name__ not in preload else {}
    if extra:
        settings[_CONFIG_KEY] = {**current, **extra}
    with dask.config.set(settings):
        yield


def dask_setup(worker: object) -> None:
    """distributed preload hook (this module is in distributed.worker.preload for the clusters ewoks
    starts): Ctrl-C in a terminal reaches the whole process group; the worker must not die with the
    task half done. The calling process gets the KeyboardInterrupt and cancels the tasks itself."""
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
