"""The scheduling loop for worker pools (process pool, distributed): one thread owns the JobState.

Ready node runs are submitted as futures; each future's done-callback puts it on
a queue; this loop takes finished futures off the queue (blocking, no polling of
futures), records their outcome in the JobState and submits the runs that
became ready. It also enforces the timeout, reacts to the job's cancel flag and
makes sure nothing is left running when it returns.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

from ewoks_core.engines.base import Job
from ewoks_core.engines.deadline import timeout_reason
from ewoks_core.execution import NodeOutcome, NodeRun
from ewoks_core.execution.node import WorkerLostError, report_lost  # noqa: F401 (WorkerLostError: API)

from .local import ABORT_GRACE, POLL
from .worker import outcome_or_skipped

logger = logging.getLogger(__name__)

Done = Callable[[Tuple[NodeRun, Any]], None]
LOST = (Exception, asyncio.CancelledError)  # what a future raises for a lost run (not KeyboardInterrupt)


class Backend:
    """Where node runs execute. Subclasses: ProcessBackend, DistributedBackend."""

    name = "backend"

    def submit(self, run: NodeRun, done: Done) -> None:
        """Start a run; call done((run, handle)) from any thread when it finished."""
        raise NotImplementedError

    def results(self, handles: List[Any]) -> List[Tuple[Any, Optional[BaseException]]]:
        """(return value, None) per finished handle (a NodeOutcome or SKIPPED), or (None, error) when the
        run was lost (worker died, result not picklable, ...)."""
        out: List[Tuple[Any, Optional[BaseException]]] = []
        for handle in handles:
            try:
                out.append((handle.result(), None))
            except LOST as exc:
                out.append((None, exc))
        return out

    def received(self, outcome: NodeOutcome) -> None:
        """Called in the scheduling thread with each outcome, before the JobState sees it."""

    def stop(self, cancel: bool) -> None:
        """No new node may start on the workers; with cancel, running tasks see `self.cancelled`."""

    def check(self) -> Optional[BaseException]:
        """Called while waiting: an error when the workers are gone for good, else None."""
        return None

    def close(self, abort: bool) -> None:
        """Release pools/clients/clusters owned by this backend (abort: terminate what still runs)."""


def drive(job: Job, backend: Backend, timeout: Optional[float]) -> None:
    """Run the job on the backend until nothing runs any more."""
    Loop(job, backend, timeout).run()


class Loop:
    """State of one `drive` call."""

    def __init__(self, job: Job, backend: Backend, timeout: Optional[float]) -> None:
        self.job, self.state, self.backend, self.timeout = job, job.state, backend, timeout
        self.done: "queue.SimpleQueue[Tuple[NodeRun, Any]]" = queue.SimpleQueue()
        self.inflight: Dict[Any, NodeRun] = {}
        self.stopped = self.cancelled = False

    def run(self) -> None:
        aborted = True
        try:
            self._submit(self.state.start())
            self._wait()
            aborted = False
        except BaseException as exc:  # KeyboardInterrupt or a bug: stop and give running tasks a moment
            if self.state.error is None:
                self.state.fail(exc)
            self._stop(cancel=True)
            self._drain(time.monotonic() + ABORT_GRACE)
            raise
        finally:
            if self.inflight:
                aborted = True
                self._abandon()
            self.backend.close(abort=aborted)

    def _wait(self) -> None:
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        abort_at: Optional[float] = None
        while self.inflight:
            now = time.monotonic()
            limits = [POLL] + [t - now for t in (deadline, abort_at) if t is not None]
            try:
                items = [self.done.get(timeout=max(0.0, min(limits)))]
            except queue.Empty:
                now = time.monotonic()
                if abort_at is None and (self.job.ctx.cancel_event.is_set() or (deadline and now >= deadline)):
                    timed_out = deadline is not None and now >= deadline
                    if self.state.error is None:
                        self.state.cancel(timeout_reason(self.timeout) if timed_out else "cancelled")
                    self._stop(cancel=True)
                    abort_at = now + ABORT_GRACE
                elif abort_at is not None and now >= abort_at:
                    return
                problem = self.backend.check()
                if problem is not None:
                    for run in list(self.inflight.values()):
                        self._record(run, None, problem)
                continue
            self._handle(self._more(items))

    def _more(self, items: List[Tuple[NodeRun, Any]]) -> List[Tuple[NodeRun, Any]]:
        """Every finished run waiting in the queue (their results are fetched together)."""
        while True:
            try:
                items.append(self.done.get_nowait())
            except queue.Empty:
                return items

    def _drain(self, until: float) -> None:
        while self.inflight:
            try:
                items = [self.done.get(timeout=max(0.0, until - time.monotonic()))]
            except queue.Empty:
                return
            self._handle(self._more(items))

    def _submit(self, runs) -> None:
        for run in runs:
            self.inflight[run.node_id] = run
            try:
                self.backend.submit(run, self.done.put)
            except Exception as exc:  # the pool or client is gone
                self._record(run, None, exc)

    def _handle(self, items: List[Tuple[NodeRun, Any]]) -> None:
        items = [(run, handle) for run, handle in items if run.node_id in self.inflight]  # not abandoned/lost
        if not items:
            return
        results = self.backend.results([handle for _, handle in items])
        for (run, _), (value, lost) in zip(items, results, strict=True):
            self._record(run, value, lost)

    def _record(self, run: NodeRun, value: Any, lost: Optional[BaseException]) -> None:
        if self.inflight.pop(run.node_id, None) is None:
            return
        state = self.state
        if lost is not None:
            value = self._lost_outcome(run, lost)
        outcome = outcome_or_skipped(value)
        if outcome is None:
            state.discard(run.node_id)
            return
        self.backend.received(outcome)
        ready = state.complete(run.node_id, outcome)
        if state.error is not None:
            self._stop(cancel=self.job.ctx.cancel_event.is_set())
        self._submit(ready)

    def _lost_outcome(self, run: NodeRun, exc: BaseException) -> NodeOutcome:
        """A run whose worker died: the node fails with a WorkerLostError (and gets its end event here)."""
        return report_lost(self.job.graph.nodes[run.node_id], run, self.job.ctx, self.backend.name, exc)

    def _stop(self, cancel: bool) -> None:
        if cancel and not self.cancelled:
            self.cancelled = self.stopped = True
            self.job.ctx.cancel_event.set()
            self.backend.stop(cancel=True)
        elif not self.stopped:
            self.stopped = True
            self.backend.stop(cancel=False)

    def _abandon(self) -> None:
        logger.warning("abandoning %d running task(s) of workflow %r on %s", len(self.inflight),
                       self.job.graph.id, self.backend.name)
        for run in list(self.inflight.values()):
            self._record(run, None, TimeoutError("abandoned after the job was cancelled"))
