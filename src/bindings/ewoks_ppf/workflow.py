"""PpfWorkflow: a pypushflow Workflow executing one ewoks job on a pypushflow worker pool.

Actors: StartActor -> SchedulerActor <-> NodeActor (one per node) -> pool; the
scheduler triggers the StopActor when the job is done. The calling thread
creates the pool (pypushflow's Workflow._run_context: pool, SIGTERM handling,
database client), triggers the start actor and waits until the workflow's
ThreadCounter drops to zero (in slices, to notice cancel requests, SIGTERM and
the timeout, which the scheduler also checks for every outcome), then the pool
shuts down and every worker process is joined.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from typing import Any, Callable, List, Optional, Tuple

from pypushflow.StartActor import StartActor
from pypushflow.StopActor import StopActor
from pypushflow.ThreadCounter import ThreadCounter
from pypushflow.Workflow import Workflow

from ewoks_core.engines.base import Job
from ewoks_core.errors import node_label
from ewoks_core.events.relay import local_sinks, relay, worker_config
from ewoks_core.execution import NodeOutcome, NodeRun, node_spec
from ewoks_core.execution.startmarks import StartMarks

from .actors import Message, NodeActor, SchedulerActor
from .flags import JobFlags
from .options import PpfOptions
from .processes import force_pool, pool_processes, reap
from .worker import run_in_process, run_in_thread

logger = logging.getLogger(__name__)

POLL_INTERVAL = 0.1  # seconds between checks of cancel requests while waiting


class _Counter(ThreadCounter):
    """pypushflow's ThreadCounter, plus an event set when it drops to zero (the job is done).

    Waiting on the event rather than on the counter's condition: the waiting thread is not
    woken at every trigger, and its timeout slices are not restarted by them."""

    def __init__(self, parent: Any) -> None:
        super().__init__(parent=parent)
        self.idle = threading.Event()

    def end_thread(self, msg: Optional[str] = None) -> None:
        super().end_thread(msg)
        if self.nthreads == 0:
            self.idle.set()


class PpfWorkflow(Workflow):
    """The pypushflow workflow of one job (built per execution)."""

    def __init__(self, job: Job, options: PpfOptions) -> None:
        in_main = threading.current_thread() is threading.main_thread()
        super().__init__(name=str(job.graph.id), stop_on_signals=options.stop_on_signals and in_main,
                         stop_signals=(signal.SIGTERM,))
        self.job = job
        self.options = options
        self.flags = JobFlags(job.ctx.cancel_event, options.uses_processes)
        self.thread_counter = _Counter(self)
        self.stop_reason: Optional[str] = None
        self._stop_requests = 0
        self._stop_time = 0.0
        self._forced = False
        self._insist = False
        self._processes: List[Any] = []
        self._deadline: Optional[float] = None
        self._owner_pid = os.getpid()
        counter = self.thread_counter
        self.startActor = StartActor(parent=self, thread_counter=counter)
        self.stopActor = StopActor(parent=self, thread_counter=counter)
        self._stop_lock = threading.Lock()
        self.scheduler = SchedulerActor(self, job, self.flags.halt, self.flags.halt_event, counter,
                                        self._check_stop)
        self.scheduler.stop_actor = self.stopActor
        self.startActor.connect(self.scheduler)
        on_outcome = None
        if options.uses_processes:
            submission, on_outcome = self._process_submission()
        else:
            submission = self._thread_submission()
        for nid in job.graph.nodes:
            self.scheduler.node_actors[nid] = NodeActor(self, nid, submission, self.scheduler, counter, on_outcome)

    # -- submissions: what a node actor sends to the pool --------------------------------
    def _thread_submission(self) -> Callable[[NodeRun], Tuple[Callable[..., Any], tuple]]:
        job, halt = self.job, self.flags.halt_event
        return lambda run: (run_in_thread, (job, run, halt))

    def _process_submission(self) -> Tuple[Callable[[NodeRun], Tuple[Callable[..., Any], tuple]],
                                           Optional[Callable[[NodeOutcome], None]]]:
        specs = {nid: node_spec(node) for nid, node in self.job.graph.nodes.items()}
        config = self.job.ctx.to_config()
        halt_path, cancel_path = self.flags.halt_path, self.flags.cancel_path
        sinks = local_sinks(self.job.ctx.emitter)
        on_outcome = None
        if sinks:
            config = worker_config(config)

            def on_outcome(outcome: NodeOutcome) -> None:
                relay(outcome, sinks)

        args = (config, halt_path, cancel_path, bool(sinks))
        if self.job.ctx.emitter.enabled:  # complete events for runs lost with a worker (or a broken pool)
            marks = StartMarks(self.flags.directory)
            return (lambda run: (run_in_process, (specs[run.node_id], marks.assign(run)) + args)), on_outcome
        return (lambda run: (run_in_process, (specs[run.node_id], run) + args)), on_outcome

    # -- execution ------------------------------------------------------------------------
    def execute(self) -> None:
        """Run the job to its end; stop cleanly on timeout, cancel, SIGTERM or Ctrl-C (re-raised)."""
        opts = self.options
        context = opts.pool_context()
        pool_options = {"context": context} if context is not None else {}
        self._deadline = time.monotonic() + opts.timeout if opts.timeout else None
        try:
            with self._run_context(max_workers=opts.max_workers, scaling_workers=False,
                                   pool_type=opts.pool_type, **pool_options):
                try:
                    self.startActor.trigger(Message("start"))
                    self._wait()
                except BaseException as exc:  # Ctrl-C (or a bug): stop cleanly, then re-raise
                    if self.stop_reason is not None:  # already stopping: the user insists
                        self.force_stop()
                    self.request_stop(f"interrupted ({type(exc).__name__})")
                    try:
                        self._wait()
                    except KeyboardInterrupt:  # a second Ctrl-C: do not wait for the tasks
                        self.force_stop()
                    raise
                finally:
                    self._processes = pool_processes(self.pool)
        finally:
            reap(self._processes)
            self.flags.close()

    def _wait(self) -> None:
        """Wait until no actor is active (or the stop was forced), handling stop requests.

        Once the counter reached zero nothing can trigger an actor again: the job is over."""
        while not self.thread_counter.idle.wait(timeout=self._slice()):
            self._check_stop()
            self._check_force()
            if self._forced:
                return

    def _slice(self) -> float:
        timeout = POLL_INTERVAL
        if self._deadline is not None and self.stop_reason is None:
            timeout = min(timeout, max(0.0, self._deadline - time.monotonic()))
        return timeout

    def _check_stop(self) -> bool:
        """Act on a cancel request, SIGTERM or the timeout; True when the job is stopping.

        Called by the waiting thread every POLL_INTERVAL and by the scheduler for every outcome
        (the calling thread may be busy scheduling a loop of tiny tasks)."""
        if self.stop_reason is None:
            external = self.options.cancel_event
            if self.job.ctx.cancel_event.is_set() or (external is not None and external.is_set()):
                self.request_stop("cancelled")
            elif self._stop_requests:
                self.request_stop(str(self.stop_exception or "stopped"))
            elif self._deadline is not None and time.monotonic() >= self._deadline:
                self.request_stop(f"timed out after {self.options.timeout} s")
        return self.stop_reason is not None

    def _check_force(self) -> None:
        """A SIGTERM during a stop, or kill_timeout seconds after the stop: terminate the worker processes."""
        if self.stop_reason is not None and not self._forced:
            kill = self.options.kill_timeout
            if self._insist or (kill is not None and time.monotonic() - self._stop_time >= kill):
                self.force_stop()

    # -- stopping ------------------------------------------------------------------------
    def request_stop(self, reason: str) -> None:
        """Start nothing new, tell running tasks (self.cancelled) and fail the job with WorkflowCancelled."""
        with self._stop_lock:
            if self.stop_reason is not None:
                return
            self.stop_reason = reason
            self._stop_time = time.monotonic()
            self.scheduler.cancel_reason = reason
        logger.info("ppf workflow %r: stopping (%s)", self.name, reason)
        self.flags.cancel()
        self.scheduler.trigger(Message("cancel"))

    def force_stop(self) -> None:
        """Terminate the worker processes of a process pool (threads cannot be stopped).

        Tasks killed this way have a start event and no end event."""
        if self._forced:
            return
        self._forced = True
        logger.warning("ppf workflow %r: terminating the worker processes", self.name)
        force_pool(self.pool)

    def stop(self, reason: str = "interrupt workflow", forced_interruption: Optional[bool] = None) -> None:
        """pypushflow's stop (called by its SIGTERM handler): only recorded here, acted upon by the waiting thread.

        Forked pool workers inherit the handler: there SIGTERM keeps its default action (end the process)."""
        if os.getpid() != self._owner_pid:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)
            return
        super().stop(reason, forced_interruption=False)
        self._insist = self._stop_requests > 0 or self.stop_reason is not None  # a signal during a stop
        self._stop_requests += 1

    def getActorPath(self) -> str:
        return "/" + node_label(self.name)
