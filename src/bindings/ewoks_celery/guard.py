"""JobGuard: while a job runs on a worker, keep its heartbeat and turn a cancel request into a stop.

One daemon thread per worker process (the *heartbeat*) serves every running job
of the process: it waits up to heartbeat_interval for a cancel request (Redis:
blocking on the jobs' cancel lists, so a request is seen at once; SQLite: flags
read once per interval), then records a heartbeat of all of them. The claim of
a job counts as its first beat and the thread looks at a job only once it ran
FIRST_CHECK seconds: a short job costs no heartbeat work at all.

A cancel request sets the job's cancel event (engines start no new node) and
sends SIGTERM to the pool process itself; the handler installed for the job
raises WorkflowCancelled in the running task, once, so that a node busy in
Python code (or sleeping) stops too; the job then ends normally: end events,
flushed sinks, result stored. A SIGTERM from elsewhere (a cold shutdown,
`celery control revoke --terminate`) stops the job the same way.

The handler raises only inside a task (its `execute()`, called by the engine): an
exception raised at any other instruction could land in ewoks' own code (the event
emitter being set up, a sink writing the job's start events, an import) and leave it
half done, or be taken for a write error and swallowed, and the job's events would
be lost or the cancel forgotten. Elsewhere the cancel event is enough, and the
heartbeat sends the signal again at each beat until it lands in a task or the job ends.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from types import FrameType
from typing import Any, Dict, List, Optional

from ewoks_core.errors import WorkflowCancelled

from .jobstore import JobStore

logger = logging.getLogger(__name__)
FIRST_CHECK = 0.1  # seconds a job runs before the heartbeat thread looks at it


def in_pool_process() -> bool:
    """True in the main thread of a Celery prefork pool process (where SIGTERM means: stop this task)."""
    try:
        from billiard.process import current_process
    except ImportError:  # pragma: no cover
        return False
    return current_process().name.startswith("ForkPoolWorker") and \
        threading.current_thread() is threading.main_thread()


class Heartbeat:
    """The heartbeat thread of one job store in this process (see module docstring)."""

    _instances: Dict[Any, "Heartbeat"] = {}
    _lock = threading.Lock()

    @classmethod
    def of(cls, store: JobStore, interval: float) -> "Heartbeat":
        key = (id(store), os.getpid())
        with cls._lock:
            beat = cls._instances.get(key)
            if beat is None:
                beat = cls._instances[key] = cls(store, interval)
            return beat

    def __init__(self, store: JobStore, interval: float) -> None:
        self.store = store
        self.interval = interval
        self._guards: Dict[str, "JobGuard"] = {}
        self._cond = threading.Condition()
        self._wake = threading.Event()
        threading.Thread(target=self._run, name="ewoks-heartbeat", daemon=True).start()

    def watch(self, guard: "JobGuard") -> None:
        with self._cond:
            self._guards[guard.job_id] = guard
            self._cond.notify()

    def unwatch(self, guard: "JobGuard") -> None:
        with self._cond:
            self._guards.pop(guard.job_id, None)

    def _next_jobs(self) -> List[str]:
        """Wait until a job has run FIRST_CHECK seconds (shorter jobs never wake this thread); their ids."""
        with self._cond:
            while True:
                if self._guards:
                    wait = min(g.started for g in self._guards.values()) + FIRST_CHECK - time.monotonic()
                    if wait <= 0:
                        return list(self._guards)
                    self._cond.wait(wait)
                else:
                    self._cond.wait()

    def _run(self) -> None:
        while True:
            job_ids = self._next_jobs()
            try:
                cancelled = self.store.wait_cancel(job_ids, self.interval, self._wake)
                with self._cond:
                    guards = [self._guards[j] for j in job_ids if j in self._guards]
                for guard in guards:
                    if guard.job_id in cancelled and not guard.cancel_requested:
                        guard.cancel()
                    else:  # a request seen before (SQLite reports it at every beat), or none
                        guard.interrupt_again()
                if guards:
                    self.store.beat([guard.job_id for guard in guards])
            except Exception as e:  # the store is unreachable (restarting?): keep trying
                logger.warning("cannot record the heartbeat of jobs %s: %s", job_ids, e)
                self._wake.wait(self.interval)


class JobGuard:
    """Context manager around the execution of one job in a worker process."""

    def __init__(self, store: JobStore, job_id: str, interval: float, cancel_event: threading.Event) -> None:
        self.store = store
        self.job_id = job_id
        self.interval = interval
        self.cancel_event = cancel_event
        self.started = time.monotonic()
        self.cancel_requested = False  # the job index says: cancel
        self.signalled = False  # SIGTERM arrived while the job ran
        self._active = False
        self._raised = False
        self._lock = threading.Lock()
        self._previous: Any = None
        self._use_signal = in_pool_process()

    def __enter__(self) -> "JobGuard":
        self._active = True
        if self._use_signal:
            self._previous = signal.signal(signal.SIGTERM, self._on_sigterm)
        Heartbeat.of(self.store, self.interval).watch(self)
        return self

    def __exit__(self, *exc_info: Any) -> None:
        with self._lock:
            self._active = False
        Heartbeat.of(self.store, self.interval).unwatch(self)
        if self._use_signal:
            signal.signal(signal.SIGTERM, self._previous if self._previous is not None else signal.SIG_DFL)

    def _on_sigterm(self, signum: int, frame: Optional[FrameType]) -> None:
        self.signalled = True
        if not self.cancel_event.is_set():  # set() takes the event's lock, which this thread may hold
            self.cancel_event.set()
        if self._active and not self._raised and in_task(frame):
            self._raised = True
            raise WorkflowCancelled(f"job {self.job_id} cancelled")

    def cancel(self) -> None:
        """Called by the heartbeat thread on a cancel request."""
        if self.cancel_requested:
            return
        self.cancel_requested = True
        self.cancel_event.set()
        self._interrupt()

    def interrupt_again(self) -> None:
        """Called by the heartbeat thread at each beat: a SIGTERM that came while no task ran is sent again."""
        if self.signalled and not self._raised:
            self._interrupt()

    def _interrupt(self) -> None:
        with self._lock:
            if self._active and self._use_signal:
                os.kill(os.getpid(), signal.SIGTERM)  # interrupts a sleeping task; handled in the main thread


def in_task(frame: Optional[FrameType]) -> bool:
    """True when `frame`, where a signal interrupted the main thread, runs a task: it is inside the `execute()`
    that ewoks_core.execution.node calls, and not in ewoks' event code the task called (a progress event)."""
    while frame is not None:
        if (frame.f_globals.get("__name__") or "").startswith("ewoks_core.events"):
            return False
        caller = frame.f_back
        if caller is not None and caller.f_code.co_name == "_execute" and frame.f_code.co_name == "execute" \
                and caller.f_globals.get("__name__") == _NODE_MODULE:
            return True
        frame = caller
    return False


_NODE_MODULE = "ewoks_core.execution.node"  # its _execute() calls task.execute(), nothing else does
