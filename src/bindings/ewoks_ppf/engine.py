"""The `ppf` engine: ewoks jobs executed on the worker pools of pypushflow."""

from __future__ import annotations

from ewoks_core.engines.base import Engine, Job, RunOptions
from ewoks_core.engines.driver import drive

from .options import PpfOptions


class PpfEngine(Engine):
    """Runs node runs of a JobState on a pypushflow pool (threads or processes), through the shared driver."""

    name = "ppf"
    description = ("pypushflow worker pools (threads or processes): parallel branches, loops, conditions, "
                   "error handlers")
    capabilities = frozenset({"dag", "conditions", "on_error", "cycles", "parallel"})
    Options = PpfOptions

    def run(self, job: Job, options: RunOptions) -> None:
        from .backends import open_backend

        assert isinstance(options, PpfOptions)
        if options.uses_processes:
            from ewoks_core.execution.orphans import require_process_support

            require_process_support(f"ppf pool_type={options.pool_type!r}", "pool_type", "pool_type='thread'")
        drive(job, options, open_backend(job, options))
