"""The ppf engine's backends: node runs on a pool of pypushflow (`pypushflow.concurrent`).

Thread pools: the driver's ThreadBackend on the pool's `apply_async` (the thread that finishes a
run continues with the first run it made ready). Process pools (`process`, `ndprocess`,
`multiprocessing`, `ndmultiprocessing`, `billiard`): the driver's ProcessBackend; each run goes
to the pool with `apply_async(run_in_worker, ...)` and its callbacks queue the result for the
driver thread. A forced stop terminates the pool's worker processes (processes.py).
"""

from __future__ import annotations

from typing import Any, Callable

from pypushflow.concurrent import factory

from ewoks_core.engines.backends import ProcessBackend, ThreadBackend
from ewoks_core.engines.base import Job
from ewoks_core.engines.driver import Backend

from .options import PpfOptions
from .processes import force_pool, pool_processes, reap


def open_backend(job: Job, options: PpfOptions) -> Backend:
    """A pypushflow pool of options.pool_type, and the backend that drives it."""
    context = options.pool_context()
    pool = factory.get_pool(options.pool_type)(max_workers=options.max_workers,
                                               **({"context": context} if context is not None else {}))
    pool.__enter__()
    if options.uses_processes:
        return PpfProcessBackend(job, pool)
    return ThreadBackend(job, lambda fn, *args: pool.apply_async(fn, args=args),
                         lambda abort: _close_threads(pool, abort))


def _close_threads(pool: Any, abort: bool) -> None:
    if abort:  # threads cannot be stopped: do not wait for tasks that ignore self.cancelled
        pool.close()
        pool._pool.shutdown(wait=False, cancel_futures=True)
    else:
        pool.__exit__(None, None, None)


class PpfProcessBackend(ProcessBackend):
    """Node runs in the worker processes of a pypushflow process pool."""

    name = "ppf pool"

    def __init__(self, job: Job, pool: Any) -> None:
        self.pool = pool
        super().__init__(job)

    def apply(self, fn: Callable[..., Any], args: tuple, on_result: Callable[[Any], None],
              on_error: Callable[[BaseException], None]) -> None:
        self.pool.apply_async(fn, args=args, callback=on_result, error_callback=on_error)

    def terminate(self) -> None:
        force_pool(self.pool)

    def shutdown(self) -> None:
        processes = pool_processes(self.pool)
        try:
            self.pool.__exit__(None, None, None)
            self.pool.join()
        finally:
            reap(processes)  # nothing may survive the job
