"""CeleryExecutor: jobs go to Celery workers (ewoks_celery.submit_graph) when a broker is configured.

The server submits what it stored in request.json (its event handler and result root included):
the workers must see the server's data folder (one machine, or a shared file system) for the live
monitor and node details. One thread follows the futures of running jobs; a job's "started" comes
from its job start event (the job manager hears it from the event feed).
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

from .outcome import lost_outcome, outcome_of

logger = logging.getLogger(__name__)

POLL_INTERVAL = 0.2  # seconds between checks of the running futures


class CeleryExecutor:
    """Submits jobs to Celery workers and reports their outcomes."""

    name = "celery"

    def __init__(self, celery_config: str, jobs_dir: Path, on_started: Callable[[str], None],
                 on_finished: Callable[[str, Dict[str, Any]], None]) -> None:
        self.celery_config = celery_config or None  # "" -> $EWOKS_CELERY_CONFIG or the embedded defaults
        self.jobs_dir = jobs_dir
        self.on_started = on_started
        self.on_finished = on_finished
        self._futures: Dict[str, Any] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._config: Any = None

    def start(self) -> None:
        from ewoks_celery.config import as_config

        self._config = as_config(self.celery_config)
        self._thread = threading.Thread(target=self._follow, name="ewoks-server-celery", daemon=True)
        self._thread.start()

    def submit(self, job_id: str) -> None:
        from ewoks_celery.client import client_for

        from .arguments import parse_arguments

        request = json.loads((self.jobs_dir / job_id / "request.json").read_text(encoding="utf-8"))
        try:
            future = client_for(self._config).submit(request["graph"], parse_arguments(request),
                                                     queue=request.get("queue"))
        except Exception as exc:
            self.on_finished(job_id, lost_outcome(f"cannot submit the job to the Celery broker: {exc}", False))
            return
        with self._lock:
            self._futures[job_id] = (future, request.get("merge_outputs", True))

    def follow(self, job_id: str) -> None:
        """Follow a job submitted before the server restarted (submit it when the broker never got it)."""
        from ewoks_celery.client import get_future
        from ewoks_celery.errors import JobNotFoundError

        try:
            future = get_future(job_id, self._config)
        except JobNotFoundError:
            self.submit(job_id)
            return
        request = json.loads((self.jobs_dir / job_id / "request.json").read_text(encoding="utf-8"))
        with self._lock:
            self._futures[job_id] = (future, request.get("merge_outputs", True))

    def cancel(self, job_id: str, reason: str = "cancelled by a request to the API") -> bool:
        with self._lock:
            entry = self._futures.get(job_id)
        if entry is None:
            return False
        return bool(entry[0].cancel())

    def active(self) -> List[str]:
        with self._lock:
            return list(self._futures)

    def shutdown(self, timeout: Optional[float] = None) -> None:
        """Stop following (the jobs keep running on the workers)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout if timeout is not None else 5)

    def _follow(self) -> None:
        while not self._stop.wait(POLL_INTERVAL):
            with self._lock:
                entries = list(self._futures.items())
            for job_id, (future, merge) in entries:
                try:
                    if not future.done():
                        continue
                    error = future.exception(timeout=0)
                    outcome = outcome_of(error, None if error else future.result(timeout=0), merge)
                except Exception as exc:  # the result store is unreachable: try again later
                    logger.warning("job %s: cannot read its outcome yet: %s", job_id, exc)
                    continue
                with self._lock:
                    self._futures.pop(job_id, None)
                self.on_finished(job_id, outcome)
