"""The job driver: one loop for every engine. An engine is a `Backend` (where runs execute; the
contract between the two is in backend_api.py).

The driver asks the job's `Schedule` (the JobState) for ready node runs, hands them to the
backend, records what the backend reports finished, and owns everything around that:

- the deadline (engine option `timeout`: one timer sets the job's cancel event, the job fails
  with "timed out after N s") and cancellation (the job's cancel event set from any thread, the
  caller's `cancel_event`, SIGTERM in the main thread, Ctrl-C: the signal handlers only note the
  signal, the loop acts on it between two waits, so that no result being recorded is dropped);
- stopping: after a failure nothing new starts and running tasks finish; after a cancel running
  tasks are told (`self.cancelled`) and get `kill_timeout` seconds; then they are abandoned and
  reported lost (a second SIGTERM or Ctrl-C does it at once), and the backend terminates what it can;
- lost runs: a run whose worker died ends with `execution.node.report_lost` (its end event, and
  its start event when the start marks say no worker started it);
- the start/end guarantee: every run the schedule produced ends in `complete()` or `discard()`,
  and every run that started has an end event.

Backends report finished runs in one of two ways. Collected: `wait(timeout)` returns them to the
driver thread, which records them (process pools, distributed: results fetched in batches in the
driver thread; inline backends execute the next run inside `wait`). Reported: worker threads call
`Driver.report(run, outcome)` (thread-safe), which records the outcome and may hand that thread
the first run it made ready (a chain stays on one thread); `wait` then only sleeps and returns
PROCESSED. A backend either returns finished runs or reports them, never both (the driver
thread records returned runs without taking the lock). In-flight runs are tracked by identity:
a backend hands back the NodeRun objects it was given, so the runs of several sub-schedules
multiplexed on one backend (a composite schedule, e.g. one per item of a stream) never collide,
whatever their node ids, and the schedule routes each completion by the run itself.

Planned runs: when runs of the job are decided up front (execution.plan: the workflow before its
first condition, error handler target or cycle) and the backend has `submit_many`, the driver
hands it the plan at the start, with a stand-in run per planned node. The schedule still makes
each node's run when its sources completed; for a planned node the driver then records the
stand-in's result with that run (at once when the result came first, `early`) and submits
nothing; other runs are submitted one by one as they become ready. A planned node the schedule
never runs (its source failed into an error handler) leaves its stand-in's result unused.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Dict, List, Optional, Set

from ..execution.flags import CancelFlag
from ..execution.node import report_lost
from ..execution.outcome import NodeOutcome, NodeRun
from ..execution.plan import static_plan
from .backend_api import PROCESSED, Backend, Finished, Lost, Result, Schedule
from .base import Job
from .deadline import CancelAfter
from .plain_options import RunOptions
from .signals import ctrl_c_calls, sigterm_calls

__all__ = ["POLL", "PROCESSED", "Backend", "Driver", "Finished", "Lost", "Result", "Schedule", "drive"]

logger = logging.getLogger(__name__)

POLL = 0.1  # seconds between checks of cancel requests while nothing finishes


def drive(job: Job, options: RunOptions, backend: Backend) -> None:
    """Run the job on the backend until nothing runs any more (what `Engine.run` does)."""
    wrap = getattr(job.state, "wrap_backend", None)  # a job with a stream: its backend also wakes the driver
    Driver(job, options, wrap(backend) if wrap is not None else backend).run()


class Driver:
    """One job on one backend (see the module docstring)."""

    def __init__(self, job: Job, options: RunOptions, backend: Backend) -> None:
        self.job, self.schedule, self.backend = job, job.state, backend
        if options.cancel_event is not None:  # the caller's event is read, never set
            job.ctx.cancel_event = CancelFlag(job.ctx.cancel_event, options.cancel_event)
        self.cancel = job.ctx.cancel_event
        self.deadline = CancelAfter(options.timeout, self.cancel)
        self.kill_timeout = options.kill_timeout
        self.stop_on_signals = options.stop_on_signals
        self.inflight: Dict[int, NodeRun] = {}  # id(run) -> run
        self.lock = threading.Lock()
        self.settled = threading.Event()  # nothing in flight (for backends whose threads report)
        self.halted = self.cancelled = self.signalled = self.abort_now = False
        self.ctrl_c: Optional[KeyboardInterrupt] = None  # the job's error after a Ctrl-C, raised by run()
        self.ctrl_c_pending = False  # a Ctrl-C the handler noted and the loop has not acted on yet
        self.ctrl_c_count = 0
        self.abort_at: Optional[float] = None
        # a plan submitted at the start (execution.plan): the backend's run of each planned node, the
        # schedule's run of it once the schedule made it, results that came before the schedule's run
        self.plan_runs: Dict[int, NodeRun] = {}
        self.unadopted: Set[Any] = set()
        self.adopted: Dict[Any, NodeRun] = {}
        self.early: Dict[Any, Result] = {}

    @property
    def reason(self) -> str:
        """Why the job was cancelled."""
        if self.deadline.expired:
            return self.deadline.reason
        return "stopped by SIGTERM" if self.signalled else "cancelled"

    def run(self) -> None:
        """Drive the job to its end; raise KeyboardInterrupt after a Ctrl-C once running tasks ended or
        were abandoned."""
        with self.deadline, sigterm_calls(self._on_sigterm, self.stop_on_signals), \
                ctrl_c_calls(self._on_ctrl_c, not self.backend.runs_in_caller):
            try:
                self.backend.bind(self)
                with self.lock:
                    if self.cancel.is_set():  # cancelled before the start (e.g. a queued job): nothing starts
                        self._stop(cancel=True)
                    else:
                        self._start()
                    if not self.inflight:
                        self.settled.set()
                self._wait()
                if self.ctrl_c_pending:  # as the last run ended: the job is interrupted
                    self._take_ctrl_c()
            except BaseException as exc:  # Ctrl-C (inline backends) or a bug: stop; running tasks get the grace
                self._interrupted(exc)
                raise
            finally:
                self._end()
        if self.ctrl_c_count:  # (one that came while the backend closed: the job had ended)
            raise self.ctrl_c or KeyboardInterrupt()

    # -- the loop -------------------------------------------------------------------------
    def _wait(self) -> None:
        inflight, backend, cancel = self.inflight, self.backend, self.cancel
        wait, submit, complete = backend.wait, backend.submit, self.schedule.complete
        planned = bool(self.plan_runs)
        while inflight or self._busy():
            finished = wait(POLL)
            if self.ctrl_c_pending:
                self._take_ctrl_c()
                if self.abort_now:
                    return  # _end abandons what still runs
            if finished and isinstance(finished, list):  # collected: only this thread records
                for run, result in finished:
                    if planned:
                        self._submit(self._record(run, result))
                        continue
                    if type(result) is not NodeOutcome or self.halted or cancel.is_set():
                        ready = self._record(run, result)  # anything but a plain outcome of a running job
                    elif inflight.pop(id(run), None) is None:
                        continue
                    else:
                        ready = complete(run, result)
                        if self.schedule.error is not None:
                            self._stop(cancel=False)
                    for new in ready:  # what _submit does, inline: the common case costs no call
                        inflight[id(new)] = new
                        try:
                            submit(new)
                        except Exception as exc:  # the pool or client is gone
                            self._submit(self._record(new, Lost(exc)))
                continue
            # nothing came back in time: stop requests, the grace period, dead workers
            if not self.cancelled and cancel.is_set():
                with self.lock:
                    self._stop(cancel=True)
            if self.abort_now or (self.abort_at is not None and time.monotonic() >= self.abort_at):
                return  # _end abandons what still runs
            if finished is not PROCESSED:
                problem = backend.check()
                if problem is not None:
                    with self.lock:
                        for run in list(inflight.values()):
                            self._submit(self._record(run, Lost(problem)))

    def _busy(self) -> bool:
        """Runs in flight, read under the lock: a worker thread in `report` takes its finished run out of
        `inflight` before it puts in the runs that made ready (the unlocked check may see it empty)."""
        with self.lock:
            return bool(self.inflight)

    def report(self, run: NodeRun, result: Result) -> Optional[NodeRun]:
        """Thread-safe: record the result of `run` from a worker thread. Returns the first run it made
        ready, for the calling thread to execute next (it is in flight already), or None."""
        with self.lock:
            try:
                ready = self._record(run, result)
            except Exception as exc:  # a bug must not hang the job
                logger.exception("driver: cannot record the result of %r", run.node_id)
                self.schedule.fail(exc)
                ready = []
            if ready:
                first = ready[0]
                self.inflight[id(first)] = first
                self._submit(ready[1:])
                return first
            if not self.inflight:
                self.settled.set()
            return None

    # -- called with the lock held --------------------------------------------------------
    def _start(self) -> None:
        """The start runs, and the plan when the backend takes one and runs are decided up front."""
        runs = self.schedule.start()
        submit_many = self.backend.submit_many
        plan = static_plan(self.job.graph, self.job.ctx.varinfo) if submit_many is not None and runs else None
        if plan is None:
            self._submit(runs)
            return
        placeholders = [NodeRun(planned.node_id, {}) for planned in plan]
        for run in placeholders:
            self.plan_runs[id(run)] = run
            self.inflight[id(run)] = run
        self.unadopted = {planned.node_id for planned in plan}
        try:
            submit_many(plan, placeholders)  # type: ignore[misc]
        except Exception as exc:  # the client is gone
            for run in placeholders:
                self._record(run, Lost(exc))
        self._submit(runs)

    def _submit(self, runs: List[NodeRun]) -> None:
        for run in runs:
            if run.node_id in self.unadopted:  # planned: the backend runs it already
                self.unadopted.discard(run.node_id)
                if run.node_id in self.early:
                    self._submit(self._apply(run, self.early.pop(run.node_id)))
                else:
                    self.adopted[run.node_id] = run
                continue
            self.inflight[id(run)] = run
            try:
                self.backend.submit(run)
            except Exception as exc:  # the pool or client is gone
                self._submit(self._record(run, Lost(exc)))

    def _record(self, run: NodeRun, result: Result) -> List[NodeRun]:
        """Hand a result to the schedule; returns the runs that became ready."""
        if self.inflight.pop(id(run), None) is None:
            return []  # abandoned, or reported lost already
        if self.plan_runs and id(run) in self.plan_runs:  # planned: recorded with the schedule's run
            own = self.adopted.pop(run.node_id, None)
            if own is None:
                self.early[run.node_id] = result
                return []
            run = own
        return self._apply(run, result)

    def _apply(self, run: NodeRun, result: Result) -> List[NodeRun]:
        schedule = self.schedule
        if result is None:
            schedule.discard(run)
            return []
        if type(result) is Lost:
            node = self.job.graph.nodes[run.node_id]
            where, remote = self.backend.place(run)
            outcome = report_lost(node, run, self.job.ctx, where, result.error, remote=remote)
        else:
            outcome = result  # type: ignore[assignment]
        if not self.cancelled and self.cancel.is_set():  # first: a task told to stop fails because of the cancel
            self._stop(cancel=True)
        try:
            ready = schedule.complete(run, outcome)
        except Exception as exc:  # a bug must not hang the job
            schedule.fail(exc)
            ready = []
        if schedule.error is not None and not self.halted:
            self._stop(cancel=False)
        return ready

    def _stop(self, cancel: bool) -> None:
        """Start nothing new; with cancel, also tell running tasks and start the grace period."""
        if cancel and not self.cancelled:
            self.cancelled = self.halted = True
            self.cancel.set()
            if self.schedule.error is None:
                self.schedule.cancel(self.reason)
            if self.kill_timeout is not None:
                self.abort_at = time.monotonic() + self.kill_timeout
            self.backend.stop(cancel=True)
        elif not self.halted:
            self.halted = True
            self.backend.stop(cancel=False)

    # -- interruptions and the end --------------------------------------------------------
    def _on_sigterm(self) -> None:
        """SIGTERM handler (main thread). Sets the cancel event only when this thread cannot be inside
        its set() (_stop marks `cancelled` first): the event's lock is not reentrant."""
        if self.cancelled or self.signalled:
            self.abort_now = True  # a second signal during a stop: do not wait for the running tasks
        else:
            self.signalled = True
            self.cancel.set()

    def _on_ctrl_c(self) -> None:
        """SIGINT handler (main thread, backends whose runs are not in this thread): noted, taken by the loop
        within POLL s. A third Ctrl-C raises at once (an escape, should the end itself not return)."""
        self.ctrl_c_count += 1
        self.ctrl_c_pending = True
        if self.ctrl_c_count >= 3:
            raise KeyboardInterrupt

    def _take_ctrl_c(self) -> None:
        """Act on the Ctrl-C noted since the last time: the first stops the job (its error is the
        KeyboardInterrupt run() raises at the end); one during a stop, or a second, aborts now."""
        self.ctrl_c_pending = False
        if self.ctrl_c is None:
            self.ctrl_c = KeyboardInterrupt()
            self._fail_and_stop(self.ctrl_c)
        if self.ctrl_c_count > 1:
            self.abort_now = True

    def _fail_and_stop(self, exc: BaseException) -> None:
        """The job fails with `exc` (Ctrl-C, a bug) and stops; during a stop already, abort now."""
        insisted = self.cancelled
        with self.lock:
            self.schedule.fail(exc)
            self._stop(cancel=True)
        if insisted:
            self.abort_now = True

    def _interrupted(self, exc: BaseException) -> None:
        self._fail_and_stop(exc)
        if self.abort_now:
            return
        try:
            self._wait()
        except BaseException:  # a second Ctrl-C: stop waiting
            self.abort_now = True

    def _end(self) -> None:
        aborted = self.abort_now or bool(self.inflight)
        if self.inflight:
            self._abandon()
        try:
            self.backend.close(abort=aborted)
        except Exception:
            logger.exception("job %s: the %s backend did not close cleanly", self.job.ctx.job_id, self.backend.name)
        if self.schedule.error is None and self.cancel.is_set():
            self.schedule.cancel(self.reason)  # cancelled while the last node ran: the job did not complete

    def _abandon(self) -> None:
        """Stop waiting for runs after a stop: those that started are reported lost (end event)."""
        with self.lock:
            runs = list(self.inflight.values())
            logger.warning("job %s: abandoning %d running task(s) on %s", self.job.ctx.job_id, len(runs),
                           self.backend.name)
            lost = TimeoutError("still running after the workflow stopped: abandoned")
            for run in runs:
                self._record(run, None if self.backend.started(run) is False else Lost(lost))
