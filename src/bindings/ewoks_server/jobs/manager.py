"""JobManager: submit, follow, cancel and re-run jobs; keeps the job index and the job folders.

Life of a job: POST -> checked (jobs.prepare) -> folder jobs/<id>/ with request.json and graph.json
-> index row "queued" -> executor (local pool, or Celery workers) -> "running" -> outcome.json ->
"success" | "failed" | "cancelled". Every state change is published on the event feed. A server
that restarts queues its queued jobs again and fails the ones that were running (their end events
are completed).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from ewoks_core.events.emitter import new_job_id

from ..config import ServerConfig
from ..errors import ApiError, not_found
from ..feed import EventFeed
from ..policy import Policy
from . import index as ix
from .completion import complete_events
from .outcome import lost_outcome, read_outcome, write_outcome
from .prepare import check_request, graph_summary, stored_request

logger = logging.getLogger(__name__)
RERUN_MODES = ("all", "failed")


class JobManager:
    """The jobs of one server."""

    def __init__(self, config: ServerConfig, policy: Policy, feed: EventFeed) -> None:
        self.config = config
        self.policy = policy
        self.feed = feed
        self.index = ix.JobIndex(config.jobs_db)
        self._lock = threading.Lock()
        if config.uses_celery:
            from .celery_executor import CeleryExecutor

            self.executor: Any = CeleryExecutor(config.celery_config or "", config.jobs_dir, self._started,
                                                self._finished)
        else:
            from .local import LocalPool

            self.executor = LocalPool(config.pool_size, config.jobs_dir, self._started, self._finished,
                                      cancel_grace=config.cancel_grace)

    # --- lifetime
    def start(self) -> None:
        self.executor.start()
        self._recover()

    def shutdown(self) -> None:
        self.executor.shutdown()
        self.index.close()

    def _recover(self) -> None:
        """After a restart: jobs that were running are failed, queued ones are queued again."""
        if self.config.uses_celery:  # the broker and the workers have them: follow them again
            for job in self.index.with_states([ix.QUEUED, ix.RUNNING]):
                self.executor.follow(job["job_id"])
            return
        for job in self.index.with_states([ix.RUNNING]):
            self._finished(job["job_id"], lost_outcome("the server stopped while the job ran", cancelled=False))
        for job in self.index.with_states([ix.QUEUED]):
            self.executor.submit(job["job_id"])

    # --- submitting
    def submit(self, request: Dict[str, Any], *, parent: Optional[Dict[str, Any]] = None,
               rerun: Optional[str] = None, prefix: str = "") -> Tuple[str, List[str]]:
        """Check and queue a job; (job id, warnings). `prefix`: where its arguments are in the request body."""
        compiled, warnings = check_request(request, self.policy, self.config.workflows_dir, prefix)
        job_id = new_job_id()
        job_dir = self.job_dir(job_id)
        job_dir.mkdir(parents=True)
        stored = stored_request(request, job_id, job_dir, self.config.workflows_dir, self.config.events_handler())
        if parent is not None and rerun == "failed":
            _seed_results(self.job_dir(parent["job_id"]) / "results", job_dir / "results")
        _write_json(job_dir / "request.json", stored)
        _write_json(job_dir / "graph.json", graph_summary(compiled))
        row = {"job_id": job_id, "workflow_id": str(compiled.id), "label": compiled.label, "state": ix.QUEUED,
               "engine": request.get("engine") or "sequential", "executor": self.executor.name,
               "submitted": time.time(), "n_nodes": len(compiled.nodes),
               "parent_job_id": parent["job_id"] if parent else None, "rerun": rerun}
        self.index.add(row)
        self._publish(job_id)
        self.executor.submit(job_id)
        return job_id, warnings

    def rerun(self, job_id: str, mode: str) -> Tuple[str, List[str]]:
        """Run a job again: "all" from scratch, "failed" from its failed node (finished nodes come from the
        result cache of the first run)."""
        job = self.get_row(job_id)
        if job["state"] not in ix.FINAL_STATES:
            raise ApiError(409, f"job {job_id} is {job['state']}: only a finished job can be re-run", field="job_id",
                           type="job", identifier=job_id)
        if mode == "failed" and job["state"] == ix.SUCCESS:
            raise ApiError(409, f"job {job_id} succeeded: there is no failed node to restart from", field="mode",
                           type="job", identifier=job_id)
        request = self.request(job_id).get("client")
        if not request:
            raise ApiError(409, f"job {job_id} has no stored request to run again", type="job", identifier=job_id)
        return self.submit(request, parent=job, rerun=mode)

    # --- reading
    def job_dir(self, job_id: str) -> Path:
        from ..policy import is_safe_id

        if not is_safe_id(job_id):
            raise not_found("job", job_id)
        return self.config.jobs_dir / job_id

    def get_row(self, job_id: str) -> Dict[str, Any]:
        job = self.index.get(job_id) if isinstance(job_id, str) else None
        if job is None:
            raise not_found("job", job_id)
        return job

    def get(self, job_id: str) -> Dict[str, Any]:
        """The job: its row, its results (as `ewoks execute --json` prints them) and its error."""
        job = self.get_row(job_id)
        outcome = read_outcome(self.job_dir(job_id)) if job["state"] in ix.FINAL_STATES else None
        job["results"] = (outcome or {}).get("results")
        job["error"] = (outcome or {}).get("error") or job.get("error")
        return job

    def request(self, job_id: str) -> Dict[str, Any]:
        return _read_json(self.job_dir(job_id) / "request.json")

    def graph(self, job_id: str) -> Dict[str, Any]:
        self.get_row(job_id)
        return _read_json(self.job_dir(job_id) / "graph.json")

    # --- cancelling
    def cancel(self, job_id: str) -> Dict[str, Any]:
        """Ask a queued or running job to stop; the job (409 when it already ended)."""
        job = self.get_row(job_id)
        if job["state"] in ix.FINAL_STATES or not self.executor.cancel(job_id):
            raise ApiError(409, f"job {job_id} is {job['state']}: it cannot be cancelled", field="job_id",
                           type="job", identifier=job_id)
        return self.get_row(job_id)

    # --- executor callbacks (any thread)
    def _started(self, job_id: str) -> None:
        if self.index.update(job_id, only_from=[ix.QUEUED], state=ix.RUNNING, started=time.time()):
            self._publish(job_id)

    def on_job_event(self, event: Dict[str, Any]) -> None:
        """A job start event in the store: the job runs (Celery workers start jobs without telling us)."""
        if event.get("type") == "start" and event.get("job_id"):
            self._started(str(event["job_id"]))

    def _finished(self, job_id: str, outcome: Dict[str, Any]) -> None:
        job_dir = self.job_dir(job_id)
        try:
            write_outcome(job_dir, outcome)
            job = self.index.get(job_id) or {}
            complete_events(str(self.config.events_db), job_id, self.feed.read(job_id),
                            workflow_id=job.get("workflow_id"), engine=job.get("engine"), outcome=outcome)
        except Exception:
            logger.exception("job %s: cannot record its outcome", job_id)
        error = outcome.get("error") or None
        summary = None if error is None else {k: error.get(k) for k in ("type", "message", "node", "task", "field")}
        self.index.update(job_id, state=outcome.get("state", ix.FAILED), finished=time.time(),
                          message=None if error is None else error.get("message"), error=summary)
        self._publish(job_id)

    def _publish(self, job_id: str) -> None:
        job = self.index.get(job_id)
        if job is not None:
            self.feed.publish_state(job)


def _seed_results(source: Path, target: Path) -> None:
    """The first run's node results, as hard links (copies across file systems), for the result cache."""
    if not source.is_dir():
        return

    def link(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    shutil.copytree(source, target, copy_function=link)


def _write_json(path: Path, data: Any) -> None:
    from ewoks_core.persistence.atomic import atomic_write_text

    atomic_write_text(path, json.dumps(data), fsync=False)


def _read_json(path: Path) -> Dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
