"""The local schedulers of the dask engine: `threads` and `processes`, on pools sized and chosen
as dask's own schedulers do (dask.config `pool`, `num_workers`, `multiprocessing.context`).

A pool set in dask's configuration (`dask.config.set(pool=ThreadPoolExecutor(8))`, a
ProcessPoolExecutor for `processes`) is used as it is and left running; otherwise the job gets
a pool of its own (`n_workers`, else dask's `num_workers`, else the CPU count), closed at its end.
Worker processes start with the `mp_context` option, else dask's `multiprocessing.context`,
else a forkserver with ewoks preloaded (never a plain fork of this threaded process).
"""

from __future__ import annotations

import contextlib
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any, Callable

from ewoks_core.engines.backends import ProcessBackend, ThreadBackend
from ewoks_core.engines.base import Job
from ewoks_core.execution.mpstart import default_start_method, mp_context
from ewoks_core.execution.remote import init_worker_process

from .options import DaskOptions, local_workers


def configured_pool(kind: type) -> Any:
    """The executor of dask's `pool` configuration when it is a `kind`, else None."""
    import dask

    pool = dask.config.get("pool", None)
    return pool if isinstance(pool, kind) else None


def thread_backend(job: Job, options: DaskOptions) -> ThreadBackend:
    """`scheduler="threads"`."""
    pool = configured_pool(ThreadPoolExecutor)
    if pool is not None:
        return ThreadBackend(job, pool.submit)
    own = ThreadPoolExecutor(local_workers(options), thread_name_prefix="ewoks-dask")
    return ThreadBackend(job, own.submit, lambda abort: own.shutdown(wait=not abort, cancel_futures=True))


class ProcessPoolBackend(ProcessBackend):
    """`scheduler="processes"`: a ProcessPoolExecutor."""

    name = "process-pool"

    def __init__(self, job: Job, options: DaskOptions) -> None:
        import dask
        from ewoks_core.execution.orphans import require_process_support

        require_process_support("dask scheduler 'processes'", "scheduler", "scheduler='threads'")
        pool = configured_pool(ProcessPoolExecutor)
        self.owned = pool is None
        if pool is None:
            name = options.mp_context or dask.config.get("multiprocessing.context", None) or default_start_method()
            pool = ProcessPoolExecutor(local_workers(options), mp_context=mp_context(name),
                                       initializer=init_worker_process)
        self.pool = pool
        super().__init__(job)

    def apply(self, fn: Callable[..., Any], args: tuple, on_result: Callable[[Any], None],
              on_error: Callable[[BaseException], None]) -> None:
        self.pool.submit(fn, *args).add_done_callback(lambda future: _settle(future, on_result, on_error))

    def terminate(self) -> None:
        if not self.owned:
            return
        terminate = getattr(self.pool, "terminate_workers", None)  # Python >= 3.14
        if terminate is not None:
            terminate()
            return
        for process in list((getattr(self.pool, "_processes", None) or {}).values()):
            with contextlib.suppress(Exception):
                process.terminate()

    def shutdown(self) -> None:
        if self.owned:
            self.pool.shutdown(wait=True, cancel_futures=True)


def _settle(future: Future, on_result: Callable[[Any], None], on_error: Callable[[BaseException], None]) -> None:
    if future.cancelled():
        on_error(CancelledError("the run was cancelled before a worker took it"))
        return
    error = future.exception()
    if error is None:
        on_result(future.result())
    else:
        on_error(error)
