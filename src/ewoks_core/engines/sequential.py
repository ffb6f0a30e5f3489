"""The sequential engine: the reference interpreter, one node at a time in this thread."""

from __future__ import annotations

import threading
from collections import deque

from .base import Engine, EngineOptions, Job


class SequentialEngine(Engine):
    """Runs nodes one by one in the calling thread, in a deterministic order (FIFO of ready nodes)."""

    name = "sequential"
    description = "in-process reference engine (DAGs, conditions, error handlers, cycles)"
    capabilities = frozenset({"dag", "conditions", "on_error", "cycles"})

    def run(self, job: Job, options: EngineOptions) -> None:
        state = job.state
        timer = None
        if options.timeout:
            timer = threading.Timer(options.timeout, job.ctx.cancel_event.set)
            timer.daemon = True
            timer.start()
        try:
            ready = deque(state.start())
            cancel = job.ctx.cancel_event
            while ready:
                if state.error is not None:  # a node failed with no handler: start nothing new
                    for run in ready:
                        state.discard(run.node_id)
                    break
                if cancel.is_set():
                    state.cancel(self._reason(options))
                    for run in ready:
                        state.discard(run.node_id)
                    break
                run = ready.popleft()
                outcome = job.run_local(run)
                if outcome.failed and cancel.is_set() and state.error is None:
                    # the task stopped because it was told to (self.cancelled): report why, not its error
                    state.cancel(self._reason(options))
                ready.extend(state.complete(run.node_id, outcome))
            if cancel.is_set() and state.error is None and not ready:
                # cancelled while the last node ran: the workflow did not complete as asked
                state.cancel(self._reason(options))
        finally:
            if timer is not None:
                timer.cancel()

    @staticmethod
    def _reason(options: EngineOptions) -> str:
        return f"timed out after {options.timeout:g} s" if options.timeout else "cancelled"
