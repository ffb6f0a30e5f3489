"""Failing a job whose worker died, so that it never stays "started" forever, and ending a job
cancelled while queued; either way the job's events are completed.

Used by clients (a future waiting on a job whose heartbeat stopped, or that Celery failed
with WorkerLostError), by `ewoks jobs`, by the worker's main process when Celery reports a
pool process lost, and by a worker that receives the message of such a job again. It records
FAILURE in the result store (Celery never overwrites SUCCESS), in the job index, and emits the
missing end events: of the nodes that started, of the workflow and of the job.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Dict, List, Optional, Set, Tuple

from ewoks_core.errors import WorkflowCancelled
from ewoks_core.events.emitter import EventEmitter, make_sink

from .config import CeleryConfig
from .errors import JobLostError, remote_job_error
from .jobstore import FAILURE, STARTED, JobStore

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
    try:  # events first: whoever sees the job failed finds its events complete
        stop_items(store, config, job_id)
        complete_events(store, config, job_id, error)
    except Exception as e:  # events are best effort here: the job state is what matters
        logger.warning("job %s: could not complete its events: %s", job_id, e)
    app.backend.mark_as_failure(job_id, remote_job_error(error), traceback="")
    return error


def stop_items(store: JobStore, config: CeleryConfig, job_id: str) -> None:
    """Cancel the stream items a lost job left running on other workers and wait (at most lost_after plus two
    heartbeats) until they ended: each ends its node itself, so complete_events does not end it a second time."""
    running = [record.job_id for record in store.items(job_id) if record.state == STARTED]
    for item_id in running:
        store.request_cancel(item_id)
    deadline = time.monotonic() + config.lost_after + 2 * config.heartbeat_interval
    while running and time.monotonic() < deadline:
        time.sleep(min(0.1, config.heartbeat_interval))  # the items are on other machines: nothing to wait on
        running = [item_id for item_id in running
                   if getattr(store.get(item_id), "state", None) == STARTED and store.alive(item_id)]


def complete_events(store: JobStore, config: CeleryConfig, job_id: str, error: BaseException) -> None:
    """Emit the end events a killed worker could not emit: of every node that started and did not end,
    of the workflow, and of the job (its start too when it never started, e.g. cancelled while queued)."""
    from ewoks_core.events.readers import read_events

    source = config.events_source
    seen: Set[Tuple[str, str]] = set()
    open_nodes: Dict[str, List[Any]] = {}  # node id -> its start events without an end event
    try:
        for event in read_events(source, job_id=job_id, context=("job", "workflow", "node"), type=("start", "end")):
            seen.add((event.context, event.type))
            if event.context == "node":
                starts = open_nodes.setdefault(str(event.node_id), [])
                if event.type == "start":
                    starts.append(event)
                elif starts:
                    starts.pop()
    except Exception:
        pass
    if ("job", "end") in seen:
        return
    record = store.get(job_id)
    sink = make_sink(config.events_handler)
    emitter = EventEmitter([sink], job_id=job_id, engine=record.engine if record else None,
                           workflow_id=record.workflow_id if record else None)
    try:
        for starts in open_nodes.values():
            for start in starts:
                emitter.emit("node", "end", node_id=start.node_id, task_id=start.task_id, error=error,
                             error_traceback="")
        if ("workflow", "start") in seen and ("workflow", "end") not in seen:
            emitter.emit("workflow", "end", error=error, error_traceback="")
        if ("job", "start") not in seen:
            emitter.emit("job", "start")
        emitter.emit("job", "end", error=error, error_traceback="")
    finally:
        sink.close()  # written now, not by the flusher thread later


def end_cancelled_job(app: Any, store: JobStore, config: CeleryConfig, job_id: str) -> None:
    """A job cancelled before any worker started it: revoked in the result store, with its job events
    (followers of its events stop). Call it only after winning `store.finish(..., only_if_pending=True)`."""
    try:
        complete_events(store, config, job_id, WorkflowCancelled(f"job {job_id} was cancelled before it started"))
    except Exception as e:
        logger.warning("job %s: could not write its end events: %s", job_id, e)
    app.backend.mark_as_revoked(job_id, "cancelled before it started")
