"""The sequential engine: the reference interpreter, one node at a time in this thread."""

from __future__ import annotations

from collections import deque

from .base import Engine, EngineOptions, Job
from .deadline import CancelAfter


class SequentialEngine(Engine):
    """Runs nodes one by one in the calling thread, in a deterministic order (FIFO of ready nodes)."""

    name = "sequential"
    description = "in-process reference engine (DAGs, conditions, error handlers, cycles)"
    capabilities = frozenset({"dag", "conditions", "on_error", "cycles"})

    def run(self, job: Job, options: EngineOptions) -> None:
        state, cancel = job.state, job.ctx.cancel_event
        with CancelAfter(options.timeout, cancel) as deadline:
            ready = deque(state.start())
            while ready:
                if state.error is not None:  # a node failed with no handler: start nothing new
                    for run in ready:
                        state.discard(run.node_id)
                    break
                if cancel.is_set():
                    state.cancel(deadline.reason)
                    for run in ready:
                        state.discard(run.node_id)
                    break
                run = ready.popleft()
                outcome = job.run_local(run)
                if outcome.failed and cancel.is_set() and state.error is None:
                    # the task stopped because it was told to (self.cancelled): report why, not its error
                    state.cancel(deadline.reason)
                ready.extend(state.complete(run.node_id, outcome))
            if cancel.is_set() and state.error is None and not ready:
                # cancelled while the last node ran: the workflow did not complete as asked
                state.cancel(deadline.reason)
