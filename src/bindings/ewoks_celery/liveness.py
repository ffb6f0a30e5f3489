"""The worker's main process vouches for its running jobs, and fails at once the job of a pool process that died.

- `WorkerBeat`: a thread of the worker's main process (started when the worker is ready)
  records, every heartbeat_interval, a heartbeat of every job its pool processes run
  (Celery's `active_requests`). The main process does nothing else that is heavy, so its beat
  is steady even when every pool process is busy (a task holding the GIL for minutes in C
  code delays nothing here): `lost_after` can be a few seconds without false alarms. When the
  whole worker is killed (SIGKILL, machine lost), the beat stops and the jobs are failed by
  the first process that looks at them, `lost_after` seconds later. The stream items it runs
  (items.py) are beaten too: their job notices an item whose beat stopped.
- A pool process killed mid-job: Celery reports WorkerLostError after `worker_lost_wait`
  (1 s here, 10 s by default); the main process then fails the job right away (JobLostError,
  with the end events of its running node, workflow and job), without waiting for a client.

Both are connected to Celery's worker signals once per process by `connect()` (make_app calls it); they act
only for applications made by make_app (with an `ewoks_config`).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from typing import Any, List, Optional, Tuple

from celery.worker.request import Request

from celery import signals

logger = logging.getLogger(__name__)


class WorkerBeat:
    """The heartbeat thread of a worker's main process (see the module docstring)."""

    def __init__(self, app: Any) -> None:
        from .jobstore import open_jobstore

        self.app = app
        self.config = app.ewoks_config
        self.store = open_jobstore(self.config)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="ewoks-worker-beat", daemon=True)

    def start(self) -> "WorkerBeat":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopped.set()

    def running_jobs(self, name: Optional[str] = None) -> List[Tuple[str, Optional[int]]]:
        """(job id, pool process id) of the ewoks jobs (`name`: of the tasks of that name) this worker runs now."""
        from celery.worker import state

        from .config import TASK_NAME

        name = name or TASK_NAME
        return [(request.id, request.worker_pid) for request in list(state.active_requests)
                if request.name == name]

    def _run(self) -> None:
        from .config import ITEM_NAME

        while not self.stopped.wait(self.config.heartbeat_interval):
            try:
                alive = []
                for job_id, pid in self.running_jobs():
                    death = process_death(pid) if pid and pid != os.getpid() else None
                    if death is None:
                        alive.append(job_id)
                    else:  # Celery's pool may notice only at its next maintenance (every 5 s)
                        _fail_lost(self.app, job_id, f"its pool process (pid {pid}) {death}")
                # stream items (items.py) are beaten here too; one whose process died is left to its job
                alive += [item_id for item_id, pid in self.running_jobs(ITEM_NAME)
                          if not (pid and pid != os.getpid() and process_death(pid))]
                if alive:
                    self.store.beat(alive)
            except Exception as e:  # the store restarts: the next beat will do
                logger.warning("cannot record the heartbeat of running jobs: %s", e)


def process_death(pid: int) -> Optional[str]:
    """None while process `pid` runs; how it ended once it is dead (a zombie not reaped yet counts as dead)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rpartition(b")")[2].split()
    except FileNotFoundError:
        return "is gone"
    except OSError:  # no /proc (not Linux): ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return "is gone"
        except OSError:
            pass
        return None
    if fields[0] not in (b"Z", b"X"):
        return None
    status = int(fields[49]) if len(fields) > 49 else 0  # exit_code, as waitpid() reports it
    if status & 0x7F:
        try:
            return f"was killed by signal {status & 0x7F} ({signal.Signals(status & 0x7F).name})"
        except ValueError:
            return f"was killed by signal {status & 0x7F}"
    return f"exited with code {status >> 8}"


_BEATS: List[WorkerBeat] = []
_LOCK = threading.Lock()


def _ewoks_app(sender: Any) -> Optional[Any]:
    app = getattr(sender, "app", None)
    return app if getattr(app, "ewoks_config", None) is not None else None


def _on_worker_ready(sender: Any = None, **_: Any) -> None:
    app = _ewoks_app(sender)
    if app is not None:
        with _LOCK:
            _BEATS.append(WorkerBeat(app).start())


def _on_worker_shutdown(sender: Any = None, **_: Any) -> None:
    with _LOCK:
        beats = list(_BEATS)
        _BEATS.clear()
    for beat in beats:
        beat.stop()


class JobRequest(Request):
    """Celery's request of a job in the worker's main process; a pool process that died while running it
    fails the job here (store, end events, then result), before Celery records WorkerLostError."""

    def on_failure(self, exc_info: Any, send_failed_event: bool = True, return_ok: bool = False) -> Any:
        exc = getattr(exc_info, "exception", None)
        exc = getattr(exc, "exc", exc)  # ExceptionWithTraceback
        if type(exc).__name__ == "WorkerLostError":
            _fail_lost(self.task.app, self.id, str(exc))
        return super().on_failure(exc_info, send_failed_event=send_failed_event, return_ok=return_ok)


def _fail_lost(app: Any, job_id: str, reason: str) -> None:
    from .jobstore import open_jobstore
    from .lost import fail_lost_job

    try:
        fail_lost_job(app, open_jobstore(app.ewoks_config), app.ewoks_config, job_id, reason)
    except Exception as e:  # a client waiting on the job, or `ewoks jobs`, will do it
        logger.warning("job %s: could not record that its pool process died: %s", job_id, e)


def connect() -> None:
    """Connect the worker signals (idempotent: one connection per process)."""
    signals.worker_ready.connect(_on_worker_ready, weak=False, dispatch_uid="ewoks-worker-beat")
    signals.worker_shutdown.connect(_on_worker_shutdown, weak=False, dispatch_uid="ewoks-worker-beat-stop")
