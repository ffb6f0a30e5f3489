"""The in-process schedulers: `sync` (calling thread) and `threads` (a thread pool).

Both drive the job's JobState and execute nodes with `Job.run_local`. For
`threads`, the thread that finishes a node records the outcome (under one lock:
JobState is not thread-safe) and runs the first newly ready node itself; the
other ready nodes go to the pool. A chain thus runs without a thread hand-off
per node, which is what keeps the overhead below dask's own threaded scheduler.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Any, List, Optional, Set

from ewoks_core.engines.base import Job
from ewoks_core.engines.deadline import CancelAfter, timeout_reason
from ewoks_core.execution import NodeOutcome, NodeRun

logger = logging.getLogger(__name__)

ABORT_GRACE = 10.0  # seconds running tasks get to finish after a cancel or interrupt
POLL = 0.5  # seconds between checks of the job's cancel flag while waiting


def run_sync(job: Job, timeout: Optional[float]) -> None:
    """Run ready nodes one by one in the calling thread, in the sequential engine's (FIFO) order."""
    state, cancel = job.state, job.ctx.cancel_event
    with CancelAfter(timeout, cancel) as deadline:  # a running task sees it as self.cancelled
        ready = deque(state.start())
        while ready:
            if state.error is not None:  # a node failed: nothing new starts
                for other in ready:
                    state.discard(other.node_id)
                return
            run = ready.popleft()
            outcome = None if cancel.is_set() else job.run_local(run)
            # cancelled before or while the node ran: the job's error is the cancellation
            if outcome is None or cancel.is_set():
                state.cancel(deadline.reason)
                for other in ready:
                    state.discard(other.node_id)
                if outcome is None:
                    state.discard(run.node_id)
                else:
                    state.complete(run.node_id, outcome)
                return
            ready.extend(state.complete(run.node_id, outcome))


class ThreadDriver:
    """Runs a job on a pool of `n_workers` threads (see the module docstring)."""

    def __init__(self, job: Job, n_workers: int) -> None:
        self.job = job
        self.state = job.state
        self.lock = threading.Lock()
        self.finished = threading.Event()
        self.inflight: Set[Any] = set()  # node ids handed to the pool and not yet recorded
        self.pool = ThreadPoolExecutor(n_workers, thread_name_prefix="ewoks-dask")

    def run(self, timeout: Optional[float]) -> None:
        """Run the job; return when nothing runs any more (or after an abort)."""
        try:
            with self.lock:
                self._dispatch(self.state.start())
            self._wait(timeout)
        except BaseException as exc:  # KeyboardInterrupt or a bug: stop, give running tasks a moment
            self._stop(exc, cancel=True)
            if not self.finished.wait(ABORT_GRACE):
                self._abandon()
            raise
        finally:
            self.pool.shutdown(wait=self.finished.is_set(), cancel_futures=True)

    # -- waiting ------------------------------------------------------------------------
    def _wait(self, timeout: Optional[float]) -> None:
        cancel = self.job.ctx.cancel_event
        deadline = None if timeout is None else time.monotonic() + timeout
        abort_at = None
        while not self.finished.is_set():
            now = time.monotonic()
            limits = [POLL] + [t - now for t in (deadline, abort_at) if t is not None]
            if self.finished.wait(max(0.0, min(limits))):
                return
            now = time.monotonic()
            if abort_at is None and (cancel.is_set() or (deadline is not None and now >= deadline)):
                timed_out = deadline is not None and now >= deadline
                self._stop(None, cancel=True, reason=timeout_reason(timeout) if timed_out else "cancelled")
                abort_at = now + ABORT_GRACE
            elif abort_at is not None and now >= abort_at:
                self._abandon()
                return

    def _stop(self, error: Optional[BaseException], cancel: bool, reason: str = "cancelled") -> None:
        with self.lock:
            if error is not None:
                self.state.fail(error)
            elif self.state.error is None:
                self.state.cancel(reason)
        if cancel:
            self.job.ctx.cancel_event.set()

    def _abandon(self) -> None:
        """Stop waiting for tasks that ignore the cancel flag; their late outcomes are ignored."""
        with self.lock:
            if self.inflight:
                logger.warning("abandoning %d running task(s) of workflow %r", len(self.inflight),
                               self.job.graph.id)
            for node_id in list(self.inflight):
                self.state.discard(node_id)
            self.inflight.clear()
            self.finished.set()

    # -- workers ------------------------------------------------------------------------
    def _dispatch(self, runs: List[NodeRun], keep_first: bool = False) -> Optional[NodeRun]:
        """Called under the lock: register runs and submit them to the pool (but the first when keep_first,
        which is returned for the calling pool thread to run next)."""
        for run in runs:
            self.inflight.add(run.node_id)
        if not self.inflight:
            self.finished.set()
        first = runs[0] if keep_first and runs else None
        for run in runs[1:] if first is not None else runs:
            try:
                self.pool.submit(self._work, run)
            except RuntimeError:  # pool shut down after an abort
                self._discard(run)
        return first

    def _discard(self, run: NodeRun) -> None:
        if run.node_id in self.inflight:
            self.inflight.discard(run.node_id)
            self.state.discard(run.node_id)
        if not self.inflight:
            self.finished.set()

    def _work(self, run: Optional[NodeRun]) -> None:
        state = self.state
        while run is not None:
            if state.error is not None:  # the job failed or was cancelled: do not start new nodes
                with self.lock:
                    self._discard(run)
                return
            try:
                outcome = self.job.run_local(run)
            except BaseException as exc:  # SystemExit from a task: a failure, never a dead pool thread
                outcome = NodeOutcome.from_exception(exc)
            with self.lock:
                if run.node_id not in self.inflight:  # abandoned
                    return
                self.inflight.discard(run.node_id)
                try:
                    ready = state.complete(run.node_id, outcome)
                except BaseException as exc:  # a bug must not hang the job
                    state.fail(exc)
                    ready = []
                run = self._dispatch(ready, keep_first=True)
