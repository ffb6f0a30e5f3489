"""The worker side of a job: claim it, run it on a local engine under a JobGuard, report JSON.

A message can arrive more than once (redelivery after a broker restart or a
visibility timeout). The job index claim makes sure a job runs at most once: a
job already claimed by a live worker, or finished, is skipped (celery Ignore);
one claimed by a worker that stopped beating is failed (its worker died).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from typing import Any, Dict, List, Optional, Tuple

from celery.exceptions import Ignore

from ewoks_core.allowlist import check_graph, check_origins
from ewoks_core.engines.lifecycle import prepare_job, run_job
from ewoks_core.engines.registry import get_engine
from ewoks_core.events.emitter import EventEmitter, make_sink
from ewoks_core.events.record import Record, record_kind
from ewoks_core.events.sinks.base import EventSink, RecordQueue
from ewoks_core.policy import PolicyError, install_policy
from ewoks_core.redact import mask_secrets

from . import codec
from .config import CeleryConfig
from .errors import JobLostError, remote_job_error
from .guard import JobGuard
from .jobstore import FAILURE, FINAL_STATES, REVOKED, STARTED, SUCCESS, JobStore, open_jobstore
from .lost import end_cancelled_job, fail_lost_job
from .payload import JobRequest

logger = logging.getLogger(__name__)
_SINKS: Dict[str, "_Tolerant"] = {}  # event sinks are shared by the jobs of a worker process
_SINKS_LOCK = threading.Lock()
SETTLE_TIMEOUT = 60.0  # seconds the end of a job waits for its events to be written (as long as the job store)


class _Progress(EventSink):
    """Notes which job/workflow start and end events went out (to complete them after a crash)."""

    takes_records = True  # no Event object per event

    def __init__(self) -> None:
        self.seen: set = set()

    def emit(self, event: Any) -> None:
        if event.context != "node":
            self.seen.add((event.context, event.type))

    def emit_record(self, record: Record) -> None:
        kind = record_kind(record)
        if kind[0] != "node":
            self.seen.add(kind)


class _Tolerant(EventSink):
    """A shared sink whose flush never fails the job: unwritten events stay queued and are retried."""

    def __init__(self, sink: EventSink) -> None:
        self.sink = sink
        self.takes_records = getattr(sink, "takes_records", False)  # records go to the sink's own queue

    def emit(self, event: Any) -> None:
        self.sink.emit(event)

    def emit_record(self, record: Record) -> None:
        self.sink.emit_record(record)

    def record_queue(self) -> Optional[RecordQueue]:
        return self.sink.record_queue() if self.takes_records else None

    def flush(self) -> None:
        try:
            self.sink.flush()
        except Exception as e:
            logger.warning("events not written yet (will retry) with %r: %s", self.sink, e)

    def settle(self, timeout: float) -> None:
        """Write every queued event now, retrying for up to `timeout` seconds (the destination restarts?)."""
        deadline = time.monotonic() + timeout
        delay = 0.05
        while True:
            try:
                self.sink.flush()
                return
            except Exception as e:
                if time.monotonic() + delay > deadline:
                    logger.error("events not written within %g s with %r (will retry): %s", timeout, self.sink, e)
                    return
            time.sleep(delay)
            delay = min(1.0, 2 * delay)


def _sinks(handlers: List[dict]) -> List[_Tolerant]:
    sinks = []
    with _SINKS_LOCK:
        for handler in handlers:
            key = json.dumps(handler, sort_keys=True)
            if key not in _SINKS:
                _SINKS[key] = _Tolerant(make_sink(handler))
            sinks.append(_SINKS[key])
    return sinks


def execute_graph_task(task: Any, job: Dict[str, Any]) -> Dict[str, Any]:
    """Celery task body (bound): run the job message `job`; returns {"results": JSON}."""
    config: CeleryConfig = task.app.ewoks_config
    install_policy(config.policy)  # task writers of this process are confined as well (ewoks_core.policy)
    job_id = task.request.id
    store = open_jobstore(config)
    worker = f"{task.request.hostname or 'worker'}:{os.getpid()}"
    claim = store.claim(job_id, worker)
    if claim != "claimed":
        _skip(task, store, config, job_id, claim)
    # STARTED is recorded by the claim in the job index (one write less on Celery's result store)
    cancel_event = threading.Event()
    guard = JobGuard(store, job_id, config.heartbeat_interval, cancel_event)
    with guard:
        try:
            request = JobRequest.from_message(job)
            queue = (task.request.delivery_info or {}).get("routing_key") or config.queue
            results = run_request(request, config, cancel_event, items=(task.app, store, queue))
            reply = {"results": codec.encode(results, what="workflow result")}
        except BaseException as exc:
            cancelled = guard.cancel_requested or _cancel_flag(store, job_id)
            error = exc
            if guard.signalled and not cancelled:
                error = JobLostError(f"job {job_id} was stopped by a SIGTERM to its worker process",
                                     hint="The worker was shut down, or the job was revoked with terminate=True.")
            store.finish(job_id, REVOKED if cancelled else FAILURE, mask_secrets(f"{type(error).__name__}: {error}"))
            raise remote_job_error(error, cancelled) from None
    store.finish(job_id, SUCCESS)
    return reply


def _cancel_flag(store: JobStore, job_id: str) -> bool:
    record = store.get(job_id)
    return bool(record and record.cancel)


def _skip(task: Any, store: JobStore, config: CeleryConfig, job_id: str, claim: str) -> None:
    """This delivery does not run the job: record why where needed, then Ignore (the message is acknowledged)."""
    if claim == "cancelled":  # flagged, but the client that cancelled it did not end it (it stopped?)
        if store.finish(job_id, REVOKED, "cancelled before it started", only_if_pending=True):
            end_cancelled_job(task.app, store, config, job_id)
    elif claim == STARTED and not store.alive(job_id):
        fail_lost_job(task.app, store, config, job_id, "its worker stopped (no heartbeat) and the job was "
                                                       "delivered again; it is not run twice")
    elif claim not in FINAL_STATES and claim != STARTED:  # pragma: no cover - unknown answer of the store
        raise RuntimeError(f"job {job_id}: unexpected claim result {claim!r}")
    raise Ignore()


def _checked_handlers(handlers: List[dict], config: CeleryConfig) -> Tuple[List[dict], Optional[PolicyError]]:
    """The worker's own event handler (first) and the requested ones its policy allows; the first refusal, if any."""
    policy = config.policy
    allowed = [config.events_handler]
    refused = None
    for index, handler in enumerate(handlers):
        if handler == config.events_handler:
            continue
        try:
            policy.check_handler(handler, f"execinfo.handlers[{index}]")
            allowed.append(handler)
        except PolicyError as e:
            refused = refused or e
    return allowed, refused


def run_request(request: JobRequest, config: CeleryConfig, cancel_event: threading.Event,
                items: Optional[Tuple[Any, JobStore, str]] = None) -> Any:
    """Check (policy, allow-list) and run the job on its local engine; the job's events are always complete.
    `items`: (app, job store, queue) where the stream items of a job on the default engine go as tasks
    (when the worker's `stream_items` is "tasks"; an engine named by the job schedules its items itself).

    Nothing the submitter names is trusted: event files and stores, result roots (job and node
    varinfo) and scheduler addresses go through the worker's ExecutionPolicy before any node runs;
    a refused event handler is never opened (the job's events still reach the worker's own store)."""
    progress = _Progress()
    args = request.request
    handlers, refused = _checked_handlers(request.handlers, config)
    shared = _sinks(handlers)
    emitter = EventEmitter([*shared, progress], job_id=request.job_id,
                           engine=args.engine or "sequential", workflow_id=request.workflow_id or None,
                           handlers_config=handlers)
    try:
        if refused is not None:
            raise refused
        graph = request.load()
        emitter.workflow_id = str(graph.id)
        check_graph(graph, config.allowed_tasks, config.allow_scripts, args.load_options.root_module)
        check_origins(graph, config.allowed_tasks)
        config.policy.check_graph(graph, args.varinfo_dict())
        engine = get_engine(args.engine)
        emitter.engine = engine.name
        job, options, selection = prepare_job(engine, graph, outputs=args.output_list(), varinfo=args.varinfo_dict(),
                                              engine_options=args.engine_options_dict(), emitter=emitter,
                                              cancel_event=cancel_event)
        config.policy.check_engine_options(options)
        if items is not None and config.stream_items == "tasks" and engine.name == "sequential":
            job.ctx.item_backend = _item_backend(items, config, handlers)
        return run_job(engine, job, options, selection, merge_outputs=args.merge_outputs)
    except BaseException as exc:
        _complete_events(emitter, progress, exc)
        raise
    finally:  # the job's state is recorded next: whoever sees it must find its events in the worker's store
        shared[0].settle(SETTLE_TIMEOUT)  # (the other handlers a job asks for are best effort)


def _item_backend(items: Tuple[Any, JobStore, str], config: CeleryConfig, handlers: List[dict]) -> Any:
    """The factory of the job's item backend (RunContext.item_backend)."""
    from .items import ItemTasks

    app, store, queue = items
    return lambda graph, ctx: ItemTasks(app, config, store, queue, graph.nodes, ctx, handlers)


def _complete_events(emitter: EventEmitter, progress: _Progress, error: BaseException) -> None:
    """A job refused before it started, or interrupted while ending, still gets its end events."""
    seen = progress.seen
    try:
        if ("workflow", "start") in seen and ("workflow", "end") not in seen:
            emitter.emit("workflow", "end", error=error)
        if ("job", "end") not in seen:
            if ("job", "start") not in seen:
                emitter.emit("job", "start")
            emitter.emit("job", "end", error=error)
    finally:
        emitter.flush()
