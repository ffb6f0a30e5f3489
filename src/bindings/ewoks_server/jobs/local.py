"""LocalPool: runs each job in its own process, at most `size` at a time.

A process per job, forked from a forkserver that has ewoks_core loaded (fast to start, nothing
inherited from the threaded server): a task that crashes or leaks ends with its job, never the
server; cancel is a signal to that process (SIGTERM: the job stops cleanly; after the grace time
SIGKILL to its whole process group). One dispatcher thread starts queued jobs and waits on the
processes' sentinels (no polling); outcomes go to the `on_finished` callback.
"""

from __future__ import annotations

import collections
import logging
import multiprocessing.connection
import os
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Deque, Dict, List, Optional

from .outcome import lost_outcome, read_outcome

logger = logging.getLogger(__name__)

Started = Callable[[str], None]
Finished = Callable[[str, Dict[str, Any]], None]


@dataclass
class _Running:
    job_id: str
    process: Any
    cancel_requested: bool = False
    kill_at: Optional[float] = None
    reason: str = ""
    started: float = field(default_factory=time.monotonic)


class LocalPool:
    """The default executor of `ewoks serve`: local job processes."""

    name = "local"

    def __init__(self, size: int, jobs_dir: Path, on_started: Started, on_finished: Finished,
                 cancel_grace: float = 5.0) -> None:
        self.size = max(1, size)
        self.jobs_dir = jobs_dir
        self.on_started = on_started
        self.on_finished = on_finished
        self.cancel_grace = cancel_grace
        self._queue: Deque[str] = collections.deque()
        self._running: Dict[str, _Running] = {}
        self._lock = threading.Lock()
        self._wake_r, self._wake_w = os.pipe()
        self._stopping = False
        self._thread: Optional[threading.Thread] = None
        self._ctx: Any = None

    # --- API used by the job manager
    def start(self) -> None:
        from ewoks_core.execution.mpstart import default_start_method, mp_context

        self._ctx = mp_context(default_start_method(), preload=["ewoks_server.jobs.worker"])
        self._thread = threading.Thread(target=self._loop, name="ewoks-server-pool", daemon=True)
        self._thread.start()

    def submit(self, job_id: str) -> None:
        """Queue a job whose folder holds its request.json."""
        with self._lock:
            self._queue.append(job_id)
        self._wake()

    def cancel(self, job_id: str, reason: str = "cancelled by a request to the API") -> bool:
        """Cancel a queued or running job; False when the pool does not have it."""
        with self._lock:
            if job_id in self._queue:
                self._queue.remove(job_id)
                queued = True
            else:
                queued = False
                running = self._running.get(job_id)
                if running is None:
                    return False
                if not running.cancel_requested:
                    running.cancel_requested = True
                    running.reason = reason
                    running.kill_at = time.monotonic() + self.cancel_grace
                    _signal(running.process.pid, signal.SIGTERM, group=False)
        if queued:
            self.on_finished(job_id, lost_outcome(f"{reason} before it started", cancelled=True))
        self._wake()
        return True

    def active(self) -> List[str]:
        """Ids of the queued and running jobs."""
        with self._lock:
            return list(self._running) + list(self._queue)

    def shutdown(self, timeout: Optional[float] = None) -> None:
        """Stop running jobs (SIGTERM, then SIGKILL after the grace time); queued jobs stay queued."""
        with self._lock:
            self._stopping = True
            self._queue.clear()
            running = list(self._running)
        for job_id in running:
            self.cancel(job_id, reason="cancelled: the server stopped")
        self._wake()
        if self._thread is not None:
            self._thread.join(timeout if timeout is not None else self.cancel_grace + 10)
        for fd in (self._wake_r, self._wake_w):
            try:
                os.close(fd)
            except OSError:
                pass

    # --- the dispatcher thread
    def _wake(self) -> None:
        try:
            os.write(self._wake_w, b"x")
        except OSError:  # closed at shutdown
            pass

    def _loop(self) -> None:
        while True:
            self._start_queued()
            with self._lock:
                if self._stopping and not self._running:
                    return
                waits = {r.process.sentinel: r for r in self._running.values()}
                deadlines = [r.kill_at for r in self._running.values() if r.kill_at is not None]
            timeout = None if not deadlines else max(0.0, min(deadlines) - time.monotonic())
            ready = multiprocessing.connection.wait([self._wake_r, *waits], timeout)
            if self._wake_r in ready:
                os.read(self._wake_r, 4096)
            for sentinel in ready:
                if sentinel in waits:
                    self._finish(waits[sentinel])
            self._kill_overdue()

    def _start_queued(self) -> None:
        while True:
            with self._lock:
                if self._stopping or not self._queue or len(self._running) >= self.size:
                    return
                job_id = self._queue.popleft()
            try:
                from .worker import run

                process = self._ctx.Process(target=run, args=(str(self.jobs_dir / job_id),), name=f"ewoks-job-{job_id}")
                process.start()
            except Exception as exc:
                logger.exception("cannot start the process of job %s", job_id)
                self.on_finished(job_id, lost_outcome(f"cannot start a process for the job: {exc}", cancelled=False))
                continue
            with self._lock:
                self._running[job_id] = _Running(job_id, process)
            self.on_started(job_id)

    def _finish(self, running: _Running) -> None:
        process = running.process
        process.join()
        with self._lock:
            self._running.pop(running.job_id, None)
        outcome = read_outcome(self.jobs_dir / running.job_id)
        if outcome is None:
            code = process.exitcode
            how = f"killed by {signal.Signals(-code).name}" if code is not None and code < 0 else f"exit code {code}"
            if running.cancel_requested:
                outcome = lost_outcome(f"{running.reason} (its process was {how})", cancelled=True)
            else:
                outcome = lost_outcome(f"the job's process ended without a result ({how}): a task crashed the "
                                       "process or it ran out of memory", cancelled=False)
        elif running.cancel_requested and outcome.get("state") != "success":  # failed while interrupted: cancelled
            error = dict(outcome.get("error") or {}, message=running.reason, type="WorkflowCancelled")
            outcome = {**outcome, "state": "cancelled", "results": None, "error": error}
        try:
            process.close()
        except Exception:
            pass
        self.on_finished(running.job_id, outcome)

    def _kill_overdue(self) -> None:
        now = time.monotonic()
        with self._lock:
            overdue = [r for r in self._running.values() if r.kill_at is not None and r.kill_at <= now]
            for running in overdue:
                running.kill_at = None
        for running in overdue:
            logger.warning("job %s did not stop within %g s of its cancel: killed", running.job_id, self.cancel_grace)
            _signal(running.process.pid, signal.SIGKILL, group=True)


def _signal(pid: Optional[int], signum: int, group: bool) -> None:
    """Signal a job process (and with group=True its process group: the processes its tasks started)."""
    if pid is None:
        return
    try:
        if group:
            try:
                os.killpg(pid, signum)  # the job process is its group's leader (os.setsid)
                return
            except (ProcessLookupError, PermissionError):
                pass
        os.kill(pid, signum)
    except ProcessLookupError:
        pass
