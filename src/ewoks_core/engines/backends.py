"""Backends that engines build on (see driver.py): the calling thread, a thread pool, local worker processes.

- `InlineBackend`: runs in the calling thread, one at a time, in the order runs became ready
  (the sequential engine's FIFO); `wait` executes the next run.
- `ThreadBackend`: any pool of threads of this process (`submit(fn, *args)`); each thread reports
  its outcome to the driver and continues with the first run that outcome made ready.
- `ProcessBackend`: worker processes of this machine; runs execute `execution.remote.run_in_worker`,
  results come back through the pool's callbacks and are recorded by the driver thread. A
  subclass says how to start a call on its pool and how to end the workers.
"""

from __future__ import annotations

import queue
from collections import deque
from typing import Any, Callable, Deque, List, Optional, Set, Union

from ..execution.flags import JobFlags
from ..execution.outcome import NodeOutcome, NodeRun
from ..execution.remote import RemoteRuns, run_in_worker
from .base import Job
from .driver import PROCESSED, Backend, Driver, Finished, Lost


class InlineBackend(Backend):
    """Runs nodes in the calling thread, in FIFO order of readiness."""

    name = "calling thread"
    in_process = True
    runs_in_caller = True

    def __init__(self, job: Job) -> None:
        self.execute = job.run_local
        self.queue: Deque[NodeRun] = deque()
        self.halted = False
        self.interrupted: List[NodeRun] = []

    def submit(self, run: NodeRun) -> None:
        self.queue.append(run)

    def wait(self, timeout: float) -> Finished:
        if self.halted:  # queued runs never start; an interrupted one already has its end event (run_node)
            runs = self.interrupted + list(self.queue)
            self.interrupted.clear()
            self.queue.clear()
            return [(run, None) for run in runs]
        run = self.queue.popleft()
        try:
            outcome = self.execute(run)
        except BaseException:  # KeyboardInterrupt: the driver stops the job
            self.interrupted.append(run)
            raise
        return [(run, outcome)]

    def stop(self, cancel: bool) -> None:
        self.halted = True


class ThreadBackend(Backend):
    """Runs nodes on a pool of threads of this process: `submit(fn, *args)` starts fn(*args) on the pool
    (e.g. ThreadPoolExecutor.submit); `shutdown(abort)` ends the pool (None: the pool is not ours).

    A thread that finishes a run reports it (Driver.report, under the driver's lock) and runs the first
    run it made ready itself; the others go to the pool. A chain thus runs without a thread hand-off per node."""

    name = "thread pool"
    in_process = True

    def __init__(self, job: Job, submit: Callable[..., Any],
                 shutdown: Optional[Callable[[bool], None]] = None) -> None:
        self.execute = job.run_local
        self._submit = submit
        self._shutdown = shutdown
        self.halted = False
        self.running: Set[int] = set()  # id() of the runs a thread is executing
        self.driver: Optional[Driver] = None

    def bind(self, driver: Driver) -> None:
        self.driver = driver

    def submit(self, run: NodeRun) -> None:
        self._submit(self._work, run)

    def _work(self, run: Optional[NodeRun]) -> None:
        assert self.driver is not None
        report, running = self.driver.report, self.running
        while run is not None:
            outcome: Optional[NodeOutcome] = None
            if not self.halted:  # after a stop, queued runs never start
                running.add(id(run))
                try:
                    outcome = self.execute(run)
                except BaseException as exc:  # SystemExit from a task: a failure, never a dead pool thread
                    outcome = NodeOutcome.from_exception(exc)
            following = report(run, outcome)
            running.discard(id(run))
            run = following

    def wait(self, timeout: float) -> str:
        assert self.driver is not None
        self.driver.settled.wait(timeout)
        return PROCESSED

    def stop(self, cancel: bool) -> None:
        self.halted = True

    def started(self, run: NodeRun) -> Optional[bool]:
        return id(run) in self.running

    def close(self, abort: bool) -> None:
        if self._shutdown is not None:
            self._shutdown(abort)


class ProcessBackend(Backend):
    """Runs nodes in local worker processes. Subclasses implement `apply`, `terminate` and `shutdown`.

    The job's stop flags are marker files in a per-job folder, and so are the start marks of its runs
    (when events are on): a run lost with a broken pool gets complete events either way."""

    name = "process pool"

    def __init__(self, job: Job) -> None:
        self.flags = JobFlags(job.ctx.cancel_event, files=True)
        self.remote = RemoteRuns(job.graph, job.ctx, self.flags.worker())
        self.marks = self.flags.marks if job.ctx.emitter.enabled else None
        self.done: "queue.SimpleQueue[Any]" = queue.SimpleQueue()

    # -- what a subclass implements --------------------------------------------------------
    def apply(self, fn: Callable[..., Any], args: tuple, on_result: Callable[[Any], None],
              on_error: Callable[[BaseException], None]) -> None:
        """Start fn(*args) in a worker; call on_result(value) or on_error(exc) from any thread."""
        raise NotImplementedError

    def terminate(self) -> None:
        """End the worker processes now (abandoned runs, or a pool broken by a dead worker)."""

    def shutdown(self) -> None:
        """Shut the pool down and wait for its workers to exit."""

    # -- the backend -----------------------------------------------------------------------
    def submit(self, run: NodeRun) -> None:
        if self.marks is not None:
            self.marks.assign(run)
        put = self.done.put
        self.apply(run_in_worker, self.remote.args(run), lambda value: put((run, value)),
                   lambda exc: put((run, Lost(exc))))

    def wait(self, timeout: float) -> Union[Finished, str]:
        try:
            items = [self.done.get(timeout=timeout)]
        except queue.Empty:
            return []
        while True:  # every result waiting: recorded together
            try:
                items.append(self.done.get_nowait())
            except queue.Empty:
                break
        for _, result in items:
            if isinstance(result, Lost):
                if type(result.error).__name__ == "BrokenProcessPool":
                    # a worker died: the pool is unusable, and its other workers may be blocked on the
                    # lock of the pool's queue that the dead one held (they would hang its shutdown)
                    self.terminate()
            else:
                self.remote.received(result)
        return items

    def stop(self, cancel: bool) -> None:
        self.flags.raise_flags(cancel)

    def close(self, abort: bool) -> None:
        try:
            if abort:
                self.terminate()
            self.shutdown()
        finally:
            self.flags.close()
