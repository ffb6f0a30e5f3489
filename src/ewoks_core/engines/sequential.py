"""The sequential engine: the reference interpreter, one node at a time in this thread."""

from __future__ import annotations

from .backends import InlineBackend
from .base import Engine, Job
from .driver import drive
from .plain_options import RunOptions


class SequentialEngine(Engine):
    """Runs nodes one by one in the calling thread, in a deterministic order (FIFO of ready nodes)."""

    name = "sequential"
    description = "in-process reference engine (DAGs, conditions, error handlers, cycles)"
    capabilities = frozenset({"dag", "conditions", "on_error", "cycles"})

    def run(self, job: Job, options: RunOptions) -> None:
        drive(job, options, InlineBackend(job))
