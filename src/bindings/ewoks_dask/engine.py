"""The dask engine: runs DAG workflows on any dask scheduler, driving the shared JobState.

Design: dask's schedulers are built for static task graphs; ewoks' semantics
(conditions, error handlers, skipped branches) live in `ewoks_core.execution.JobState`.
Instead of translating the workflow into a static dask graph (and re-implementing
those semantics inside graph tasks), the engine keeps one JobState in the calling
process and submits each node as soon as the JobState says it is ready:
`sync` and `threads` run nodes in this process (local.py); `processes`, `cluster`,
a scheduler address or a `distributed.Client` run them in workers through
`run_node_remote` (loop.py, backends.py, worker.py). Cycles are refused up front.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import Any, Iterator

from ewoks_core.engines.base import Engine, EngineOptions, Job

from .local import ThreadDriver, run_sync
from .options import DaskOptions, local_workers


class DaskEngine(Engine):
    """Dask engine (`engine="dask"`, option `scheduler`): sync, threads, processes or dask.distributed."""

    name = "dask"
    description = "dask schedulers: sync, threads, processes, LocalCluster or a distributed scheduler (DAGs)"
    capabilities = frozenset({"dag", "conditions", "on_error", "parallel", "distributed"})
    Options = DaskOptions

    def run(self, job: Job, options: EngineOptions) -> None:
        assert isinstance(options, DaskOptions)
        scheduler = options.scheduler
        with _sigterm_cancels(job, options.stop_on_signals):
            if scheduler == "sync":
                run_sync(job, options.timeout)
            elif scheduler == "threads":
                ThreadDriver(job, local_workers(options)).run(options.timeout)
            else:
                from .backends import open_backend
                from .loop import drive

                drive(job, open_backend(job, options), options.timeout)


@contextlib.contextmanager
def _sigterm_cancels(job: Job, enabled: bool) -> Iterator[None]:
    """While the job runs, SIGTERM cancels it (clean stop, WorkflowCancelled) instead of killing the process."""
    if not enabled or threading.current_thread() is not threading.main_thread():
        yield
        return
    cancel = job.ctx.cancel_event

    def on_sigterm(signum: int, frame: Any) -> None:
        cancel.set()

    try:
        previous = signal.signal(signal.SIGTERM, on_sigterm)
    except (ValueError, OSError):  # embedded interpreters
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
