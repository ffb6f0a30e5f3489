"""The dask engine: runs DAG workflows on any dask scheduler, driving the shared JobState.

Design: dask's schedulers are built for static task graphs; ewoks' semantics
(conditions, error handlers, skipped branches) live in `ewoks_core.execution.JobState`.
Instead of translating the workflow into a static dask graph (and re-implementing
those semantics inside graph tasks), the engine keeps one JobState in the calling
process, and the shared driver (ewoks_core.engines.driver) submits each node as soon as
the JobState says it is ready, to the backend of the chosen scheduler (backends.py):
`sync` and `threads` run nodes in this process; `processes`, `cluster`, a scheduler
address or a `distributed.Client` run them in workers. Cycles are refused up front.
"""

from __future__ import annotations

from ewoks_core.engines.base import Engine, Job, RunOptions
from ewoks_core.engines.driver import drive

from .options import DaskOptions


class DaskEngine(Engine):
    """Dask engine (`engine="dask"`, option `scheduler`): sync, threads, processes or dask.distributed."""

    name = "dask"
    description = "dask schedulers: sync, threads, processes, LocalCluster or a distributed scheduler (DAGs)"
    capabilities = frozenset({"dag", "conditions", "on_error", "parallel", "distributed"})
    Options = DaskOptions

    def run(self, job: Job, options: RunOptions) -> None:
        from .backends import open_backend

        assert isinstance(options, DaskOptions)
        drive(job, options, open_backend(job, options))
