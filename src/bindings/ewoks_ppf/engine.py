"""The `ppf` engine: ewoks jobs executed by pypushflow actors on pypushflow worker pools."""

from __future__ import annotations

from ewoks_core.engines.base import Engine, EngineOptions, Job

from .options import PpfOptions


class PpfEngine(Engine):
    """Schedules node runs of a JobState with pypushflow actors; tasks run on a pypushflow pool."""

    name = "ppf"
    description = ("pypushflow actors on a thread or process pool: parallel branches, loops, conditions, "
                   "error handlers")
    capabilities = frozenset({"dag", "conditions", "on_error", "cycles", "parallel"})
    Options = PpfOptions

    def run(self, job: Job, options: EngineOptions) -> None:
        from .workflow import PpfWorkflow

        assert isinstance(options, PpfOptions)
        if options.uses_processes:
            from ewoks_core.execution.orphans import require_process_support

            require_process_support(f"ppf pool_type={options.pool_type!r}", "pool_type", "pool_type='thread'")
        PpfWorkflow(job, options).execute()
