"""EventEmitter: builds events and hands them to the sinks configured in `execinfo`.

An event is a record (a plain tuple, see record.py) appended to the queues of the sinks
that write records in bulk (files, databases); an `Event` object is built only for the
sinks that take objects. With no sink configured `enabled` is False and engines skip
building events at all.
The configuration (`handlers`) is plain JSON so that worker processes rebuild
their own emitter from it and write to the same sinks.
"""

from __future__ import annotations

import os
import time
import traceback
from typing import Any, Callable, Deque, List, Optional, Sequence

from ..errors import EwoksError, name_list, node_label
from ..redact import mask_secrets
from .handlers import SINK_ALIASES, describe_handler, handler_list, make_sink
from .record import JobInfo, Record, record_event
from .sinks.base import EventSink

__all__ = ["EventEmitter", "emitter_from_execinfo", "emitter_from_config", "new_job_id", "make_sink", "SINK_ALIASES",
           "EVENTS_LOST_POLICIES"]

EVENTS_LOST_POLICIES = ("raise", "fail", "warn")  # execinfo["on_events_lost"], see docs/events.md


clock = time.time  # the time of an event (records hold it as a number: formatted when written)
_FORKS = [0]  # how many times this process was forked from its ancestors (event templates hold the pid)


def _forked() -> None:
    _FORKS[0] += 1


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forked)


def new_job_id() -> str:
    """A fresh job id: a random UUID4 in hex, as uuid.uuid4().hex (uuid imports platform: not at every start)."""
    value = bytearray(os.urandom(16))
    value[6] = value[6] & 0x0F | 0x40  # version 4
    value[8] = value[8] & 0x3F | 0x80  # RFC 4122 variant
    return value.hex()


class EventEmitter:
    """Sends events of one job to its sinks."""

    def __init__(self, sinks: Sequence[EventSink] = (), *, job_id: Optional[str] = None, engine: Optional[str] = None,
                 workflow_id: Any = None, handlers_config: Optional[List[dict]] = None,
                 on_events_lost: str = "raise") -> None:
        self.sinks = list(sinks)
        self.on_events_lost = on_events_lost
        self.enabled = bool(self.sinks)
        self.job_id = job_id or new_job_id()
        self.engine = engine
        self.workflow_id = None if workflow_id is None else str(workflow_id)
        self.handlers_config = handlers_config or []
        # sinks writing records in bulk get the tuple (appended to their queue), the others an Event
        self._object_sinks = [sink for sink in self.sinks if not getattr(sink, "takes_records", False)]
        self._send: Callable[[Record], None] = self._send_all
        self._forks = -1  # the job's shared fields are taken at the first event (callers may set them until then)

    def emit(self, context: str, type: str, *, node_id: Any = None, task_id: Optional[str] = None,
             error: Optional[BaseException] = None, error_traceback: Optional[str] = None,
             progress: Optional[float] = None, task_uri: Optional[str] = None,
             input_uris: Optional[dict] = None, output_uris: Optional[dict] = None) -> None:
        """Send one event to every sink (no-op when disabled)."""
        if not self.enabled:
            return
        # Hot path (two events per node): one tuple per event (see record.py); an Event object only
        # for the sinks that take objects.
        job = self._job if self._forks == _FORKS[0] else self._new_job()
        if node_id is not None and node_id.__class__ is not str:
            node_id = str(node_id) if node_id.__class__ is int else node_label(node_id)
        failed = (error is not None) if type == "end" else None
        if error is None and progress is None and task_uri is None and input_uris is None and output_uris is None:
            record: Record = (job, context, type, node_id, task_id, clock(), failed)
        else:
            message = traceback_text = None
            if error is not None:  # secrets (URL passwords) never reach an event
                message = mask_secrets(f"{type_name(error)}: {error}")
                traceback_text = mask_secrets(error_traceback if error_traceback is not None else
                                              "".join(traceback.format_exception(error)))
            record = (job, context, type, node_id, task_id, clock(), failed, message, traceback_text, progress,
                      task_uri, input_uris, output_uris)
        self._send(record)

    def node_start(self, node_id: Any, task_id: Optional[str], input_uris: Optional[dict] = None) -> None:
        """`emit("node", "start", node_id=..., task_id=..., input_uris=...)`, the engines' hot path: a node
        start without input URIs is one short record (text or integer node id), without parsing keywords."""
        cls = node_id.__class__
        if input_uris is None and self._forks == _FORKS[0] and (cls is str or cls is int):
            self._send((self._job, "node", "start", node_id if cls is str else str(node_id), task_id, clock(), None))
        else:  # disabled, first event of the job (or after a fork), ids to convert, URIs
            self.emit("node", "start", node_id=node_id, task_id=task_id, input_uris=input_uris)

    def node_end(self, node_id: Any, task_id: Optional[str], outcome: Any, input_uris: Optional[dict] = None) -> None:
        """`emit("node", "end", ...)` of a run's outcome (its error, traceback, task and output URIs), the
        engines' hot path: a node that succeeded without URIs is one short record."""
        cls = node_id.__class__
        if outcome.error is None and outcome.task_uri is None and outcome.output_uris is None and input_uris is None \
                and self._forks == _FORKS[0] and (cls is str or cls is int):
            self._send((self._job, "node", "end", node_id if cls is str else str(node_id), task_id, clock(), False))
        else:
            self.emit("node", "end", node_id=node_id, task_id=task_id, error=outcome.error,
                      error_traceback=outcome.error_traceback, task_uri=outcome.task_uri, input_uris=input_uris,
                      output_uris=outcome.output_uris)

    def _send_all(self, record: Record) -> None:
        """Hand a record to every sink: appended to the queues of record sinks, an Event to the others."""
        for queue, n, ready in self._queues:
            queue.append(record)
            if not len(queue) % n:
                ready()
        for put in self._puts:
            put(record)
        if self._object_sinks:
            event = record_event(record)
            for sink in self._object_sinks:
                sink.emit(event)

    def _new_job(self) -> JobInfo:
        """The job's shared fields in this process and the record sinks' queues (again after a fork:
        process_id, the sinks' flusher thread)."""
        job = JobInfo(self.job_id, self.engine, self.workflow_id)
        record_sinks = [sink for sink in self.sinks if getattr(sink, "takes_records", False)]
        queues = [sink.record_queue() for sink in record_sinks]
        self._queues = [queue for queue in queues if queue is not None]
        self._puts = [sink.emit_record for sink, queue in zip(record_sinks, queues, strict=True) if queue is None]
        self._send = _one_queue(*self._queues[0]) if len(self._queues) == 1 and not self._puts and \
            not self._object_sinks else self._send_all
        # last: an exception above (a signal handler raising while a sink starts its flusher thread) leaves the
        # emitter uninitialised, and the next event sets it up again instead of failing
        self._job, self._forks = job, _FORKS[0]
        return job

    def flush(self) -> None:
        for sink in self.sinks:
            sink.flush()

    def close(self) -> None:
        """Close the sinks this emitter built from handler configs (sink instances passed in stay open)."""
        for sink in self.sinks:
            if getattr(sink, "_ewoks_owned", False):
                sink.close()

    def only(self, sinks: Sequence[EventSink]) -> "EventEmitter":
        """An emitter of the same job that sends to `sinks` only."""
        return EventEmitter(sinks, job_id=self.job_id, engine=self.engine, workflow_id=self.workflow_id)

    @property
    def local_sinks(self) -> List[EventSink]:
        """Sink objects given as instances: worker processes cannot rebuild them from the config."""
        return [sink for sink in self.sinks if not getattr(sink, "_ewoks_owned", False)]

    def worker_config(self) -> dict:
        """JSON config from which a worker process rebuilds an equivalent emitter."""
        return {"job_id": self.job_id, "engine": self.engine, "workflow_id": self.workflow_id,
                "handlers": self.handlers_config}


def _one_queue(queue: Deque[Record], n: int, ready: Callable[[], None]) -> Callable[[Record], None]:
    """The sending of an emitter whose only sink is one record queue (one file or database: the common case)."""
    append = queue.append

    def send(record: Record) -> None:
        append(record)
        if not len(queue) % n:
            ready()

    return send


def type_name(error: BaseException) -> str:
    return getattr(error, "original_type", None) or type(error).__name__


def emitter_from_execinfo(execinfo: Optional[dict], *, engine: Optional[str] = None, workflow_id: Any = None,
                          extra_sinks: Sequence[EventSink] = ()) -> EventEmitter:
    """Build an emitter from ewoks' execinfo: {"job_id": ..., "handlers": [...], "on_events_lost": ...}."""
    if execinfo is not None and not isinstance(execinfo, dict):
        raise EwoksError(f"execinfo must be a mapping, got {type(execinfo).__name__}", field="execinfo")
    execinfo = execinfo or {}
    handlers = handler_list(execinfo.get("handlers"))
    config = [h for h in handlers if isinstance(h, dict)]
    sinks = []
    for index, handler in enumerate(handlers):
        sink = make_sink(handler, index)
        if isinstance(handler, dict):
            sink._ewoks_owned = True  # type: ignore[attr-defined]
            sink._ewoks_name = describe_handler(handler)  # type: ignore[attr-defined]
        sinks.append(sink)
    sinks += list(extra_sinks)
    return EventEmitter(sinks, job_id=job_id_of(execinfo), engine=engine or execinfo.get("engine"),
                        workflow_id=workflow_id if workflow_id is not None else execinfo.get("workflow_id"),
                        handlers_config=config, on_events_lost=events_lost_policy(execinfo))


def job_id_of(execinfo: dict) -> Optional[str]:
    """execinfo["job_id"] as text (None: a random id is chosen)."""
    job_id = execinfo.get("job_id")
    if job_id is None or job_id == "":
        return None
    if isinstance(job_id, bool) or not isinstance(job_id, (str, int)):
        raise EwoksError(f"job id {job_id!r} is not a text or a number", field="execinfo.job_id")
    return str(job_id)


def events_lost_policy(execinfo: dict) -> str:
    """execinfo["on_events_lost"]: "raise" (default), "fail" or "warn" (see docs/events.md)."""
    policy = execinfo.get("on_events_lost") or "raise"
    if policy not in EVENTS_LOST_POLICIES:
        raise EwoksError(f"on_events_lost {policy!r} is not one of {name_list(EVENTS_LOST_POLICIES)}",
                         field="execinfo.on_events_lost",
                         hint="'raise': the job runs to its end, then the call raises; 'fail': the job stops at the "
                              "first lost event; 'warn': a log message only.")
    return policy


def sink_name(sink: EventSink) -> str:
    """How messages name a sink: as its handler entry was written, else its repr."""
    return getattr(sink, "_ewoks_name", None) or describe_handler(sink)


def emitter_from_config(config: dict) -> EventEmitter:
    """Rebuild an emitter in a worker process from `EventEmitter.worker_config()`."""
    return emitter_from_execinfo({"job_id": config.get("job_id"), "handlers": config.get("handlers")},
                                 engine=config.get("engine"), workflow_id=config.get("workflow_id"))
