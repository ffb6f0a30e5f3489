"""Failing a job whose worker died, so that it never stays "started" forever.

Used by clients (a future waiting on a job whose heartbeat stopped, or that
Celery failed with WorkerLostError), by `ewoks jobs`, and by a worker that
receives the message of such a job again. It records FAILURE in the result
store (Celery never overwrites SUCCESS), in the job index, and completes the
job's events with the missing workflow/job end events.
"""

from __future__ import annotations

import logging
from typing import Any, Optional

from ewoks_core.events.emitter import EventEmitter, make_sink

from .config import CeleryConfig
from .errors import JobLostError, remote_job_error
from .jobstore import FAILURE, JobStore

logger = logging.getLogger(__name__)


def lost_error(job_id: str, reason: str) -> JobLostError:
    """The error the future of a lost job raises."""
    return JobLostError(f"job {job_id} failed: {reason}",
                        hint="The worker process running it died (killed, out of memory or its machine was lost).")


def fail_lost_job(app: Any, store: JobStore, config: CeleryConfig, job_id: str, reason: str) -> Optional[JobLostError]:
    """Mark a STARTED job failed everywhere and return its error; None when it is not STARTED any more.

    The job index decides (one atomic STARTED -> FAILURE change): a worker that finishes
    the job at the same moment, or another client failing it too, makes this a no-op.
    """
    if not store.finish(job_id, FAILURE, reason, only_if_started=True):
        return None
    error = lost_error(job_id, reason)
    app.backend.mark_as_failure(job_id, remote_job_error(error), traceback="")
    try:
        complete_events(store, config, job_id, error)
    except Exception as e:  # events are best effort here: the job state is what matters
        logger.warning("job %s: could not complete its events: %s", job_id, e)
    return error


def complete_events(store: JobStore, config: CeleryConfig, job_id: str, error: BaseException) -> None:
    """Emit the workflow/job end events a killed worker could not emit."""
    from ewoks_core.events.readers import read_events

    source = config.events_source
    try:
        seen = {(e.context, e.type) for e in read_events(source, job_id=job_id, context=("job", "workflow"))}
    except Exception:
        seen = set()
    if ("job", "end") in seen:
        return
    record = store.get(job_id)
    sink = make_sink(config.events_handler)
    emitter = EventEmitter([sink], job_id=job_id, engine=record.engine if record else None,
                           workflow_id=record.workflow_id if record else None)
    try:
        if ("workflow", "start") in seen and ("workflow", "end") not in seen:
            emitter.emit("workflow", "end", error=error, error_traceback="")
        if ("job", "start") not in seen:
            emitter.emit("job", "start")
        emitter.emit("job", "end", error=error, error_traceback="")
    finally:
        emitter.close()
