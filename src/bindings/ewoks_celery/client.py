"""Client side: submit_graph() returns an EwoksFuture at once; get_future(), cancel_job(), list_jobs()."""

from __future__ import annotations

import threading
import time
from typing import Any, Dict, List, Optional, Sequence

from celery import states
from ewoks_core.errors import EwoksError
from ewoks_core.events.emitter import new_job_id
from ewoks_core.request import ExecuteRequest

from .app import TASK_NAME, get_app
from .config import CeleryConfig, as_config, mask_password
from .errors import JobNotFoundError
from .future import EwoksFuture
from .jobstore import FAILURE, FINAL_STATES, REVOKED, JobRecord, open_jobstore
from .lost import end_cancelled_job
from .payload import build_request

_CLIENTS: Dict[CeleryConfig, "JobClient"] = {}
_LOCK = threading.Lock()


class JobClient:
    """Submits, looks up and cancels jobs of one configuration (one per configuration and process)."""

    def __init__(self, config: CeleryConfig) -> None:
        self.config = config
        self.app = get_app(config)
        self.store = open_jobstore(config)
        if not self.store.reachable():  # say why the next call may take a while (a restart is waited for)
            import warnings

            warnings.warn(f"the result store {mask_password(config.results_url)} does not answer: waiting for it "
                          "(about a minute) before giving up", UserWarning, stacklevel=3)

    def submit(self, graph: Any, request: ExecuteRequest, *, queue: Optional[str] = None,
               load_on: str = "client") -> EwoksFuture:
        """Send one job (execute_graph's arguments already parsed); returns once the broker has it."""
        execinfo = dict(request.execinfo or {})
        job_id = str(execinfo.get("job_id") or new_job_id())
        if execinfo.get("job_id") and self.store.get(job_id) is not None:
            raise EwoksError(f"job id {job_id!r} is already used", field="execinfo.job_id",
                             hint="Give each submission its own job id (or none: one is made).")
        handlers = [self.config.events_handler] + [h for h in execinfo.get("handlers") or []
                                                   if h != self.config.events_handler]
        job = build_request(graph, request, job_id=job_id, handlers=handlers, load_on=load_on)
        engine = request.engine
        message = job.to_message()
        queue = queue or self.config.queue
        record = JobRecord(job_id=job_id, workflow_id=job.workflow_id, queue=queue, engine=engine or "",
                           submitted=job.submitted)
        try:
            self.store.add(record)
        except Exception as e:
            raise EwoksError(f"cannot register job {job_id} in {mask_password(self.config.results_url)!r}: "
                             f"{type(e).__name__}: {e}",
                             source=self.config.source, hint="Is the result store running and reachable?") from e
        try:
            self.app.send_task(TASK_NAME, kwargs={"job": message}, task_id=job_id, queue=queue)
        except Exception as e:
            self.store.finish(job_id, FAILURE, mask_password(f"not submitted: {e}"))
            raise EwoksError(f"cannot submit job {job_id} to {mask_password(self.app.conf.broker_url)!r}: "
                             f"{type(e).__name__}: {e}",
                             source=self.config.source, hint="Is the broker running and reachable?") from e
        return EwoksFuture(job_id, self)

    def future(self, job_id: str) -> EwoksFuture:
        """The future of a job submitted by any process."""
        if self.store.get(job_id) is None and self.app.AsyncResult(job_id).state == states.PENDING:
            raise JobNotFoundError(f"no job {job_id!r} in {mask_password(self.config.results_url)}",
                                   hint="Check the id and that client and workers share one configuration "
                                        f"({self.config.source}); finished jobs are kept "
                                        f"{self.config.result_expires / 86400:g} days.")
        return EwoksFuture(job_id, self)

    def cancel(self, job_id: str) -> bool:
        """Cancel a queued or running job; False when it already ended."""
        record = self.store.get(job_id)
        if self.app.AsyncResult(job_id).state in states.READY_STATES:
            return False
        if record is None:
            raise JobNotFoundError(f"no job {job_id!r} in {mask_password(self.config.results_url)}")
        # Running: its heartbeat sees the request (Redis: at once; SQLite: within heartbeat_interval) and stops
        # the job. Not Celery's revoke(terminate=True): billiard then blames any later death of that pool
        # process on the terminate and reports the next job as revoked.
        self.store.request_cancel(job_id)
        # Queued: once flagged, no worker can claim it any more; whoever moves it from PENDING ends it (its
        # future raises at once, its job events are written: followers stop); a worker that gets it skips it.
        if self.store.finish(job_id, REVOKED, "cancelled before it started", only_if_pending=True):
            end_cancelled_job(self.app, self.store, self.config, job_id)
        return True

    def jobs(self, limit: int = 50) -> List[Dict[str, Any]]:
        """Recent jobs, newest first, with up-to-date states (a job whose worker died is failed here)."""
        rows = []
        for record in self.store.recent(limit):
            if record.state not in FINAL_STATES:
                record = self._refresh(record)
            row = record.to_dict()
            row["message"] = mask_password(row["message"])
            row["duration"] = _duration(record)
            rows.append(row)
        return rows

    def _refresh(self, record: JobRecord) -> JobRecord:
        future = EwoksFuture(record.job_id, self)
        if future.done():
            record = self.store.get(record.job_id) or record
            if record.state not in FINAL_STATES:
                record.state = future.state
        return record


def _duration(record: JobRecord) -> Optional[float]:
    if record.started is None:
        return None
    return round((record.finished or time.time()) - record.started, 3)


def client_for(config: Any = None) -> JobClient:
    """The JobClient of a configuration (None: $EWOKS_CELERY_CONFIG or the embedded defaults)."""
    config = as_config(config)
    with _LOCK:
        client = _CLIENTS.get(config)
        if client is None:
            client = _CLIENTS[config] = JobClient(config)
        return client


def submit_graph(graph: Any, engine: Optional[str] = None, inputs: Optional[Sequence[dict]] = None,
                 outputs: Optional[Sequence[dict]] = None, merge_outputs: bool = True, varinfo: Optional[dict] = None,
                 execinfo: Optional[dict] = None, task_options: Optional[dict] = None,
                 load_options: Optional[dict] = None, *, queue: Optional[str] = None, load_on: str = "client",
                 config: Any = None, **engine_options: Any) -> EwoksFuture:
    """Submit a workflow to Celery workers and return its future at once (execute_graph's arguments, plus
    queue, load_on="client"|"worker" (where the workflow file and its sub-graphs are read) and config
    (a CeleryConfig, a file path or a mapping; default: $EWOKS_CELERY_CONFIG or the embedded mode))."""
    request = ExecuteRequest.parse(engine=engine, inputs=inputs, outputs=outputs, merge_outputs=merge_outputs,
                                   varinfo=varinfo, execinfo=execinfo, task_options=task_options,
                                   load_options=load_options, engine_options=engine_options)
    return client_for(config).submit(graph, request, queue=queue, load_on=load_on)


def get_future(job_id: str, config: Any = None) -> EwoksFuture:
    """The future of a job submitted by any process (JobNotFoundError when unknown)."""
    return client_for(config).future(job_id)


def cancel_job(job_id: str, config: Any = None) -> bool:
    """Cancel a job by id; False when it already ended."""
    return client_for(config).cancel(job_id)


def list_jobs(limit: int = 50, config: Any = None) -> List[Dict[str, Any]]:
    """Recent jobs, newest first: job_id, workflow_id, state, queue, engine, times, worker, message."""
    return client_for(config).jobs(limit)
