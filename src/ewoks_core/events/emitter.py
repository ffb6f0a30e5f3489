"""EventEmitter: builds events and hands them to the sinks configured in `execinfo`.

With no sink configured `enabled` is False and engines skip building events at all.
The configuration (`handlers`) is plain JSON so that worker processes rebuild
their own emitter from it and write to the same sinks.
"""

from __future__ import annotations

import importlib
import os
import traceback
import uuid
from typing import Any, Dict, List, Optional, Sequence

from ..errors import EwoksError, node_label
from ..redact import mask_secrets
from .record import Event, now_iso
from .sinks.base import EventSink

# Short names and ewoks' handler class names -> our sink classes
SINK_ALIASES = {
    "memory": "ewoks_core.events.sinks.memory.MemorySink",
    "jsonl": "ewoks_core.events.sinks.jsonl.JsonLinesSink",
    "sqlite": "ewoks_core.events.sinks.sqlite.SqliteSink",
    "redis": "ewoks_core.events.sinks.redis.RedisSink",
    "ewokscore.events.handlers.Sqlite3EwoksEventHandler": "ewoks_core.events.sinks.sqlite.SqliteSink",
    "ewoksjob.events.handlers.RedisEwoksEventHandler": "ewoks_core.events.sinks.redis.RedisSink",
    "ewoksjob.events.handlers.Sqlite3EwoksEventHandler": "ewoks_core.events.sinks.sqlite.SqliteSink",
}


def new_job_id() -> str:
    """A fresh job id."""
    return uuid.uuid4().hex


def make_sink(handler: Dict[str, Any]) -> EventSink:
    """Instantiate one handler entry {"class": ..., "arguments": [{"name":..., "value":...}]}."""
    if isinstance(handler, EventSink):
        return handler
    class_path = SINK_ALIASES.get(handler.get("class", ""), handler.get("class", ""))
    module_name, _, class_name = class_path.rpartition(".")
    if not module_name:
        raise EwoksError(f"event handler class {handler.get('class')!r} is not 'module.Class'",
                         field="execinfo.handlers",
                         hint=f"Use one of {sorted(k for k in SINK_ALIASES if '.' not in k)} or an import path.")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as e:
        raise EwoksError(f"cannot import event handler {class_path!r}: {e}", field="execinfo.handlers") from e
    kwargs = {a["name"]: a.get("value") for a in handler.get("arguments", [])}
    return cls(**kwargs)


class EventEmitter:
    """Sends events of one job to its sinks."""

    def __init__(self, sinks: Sequence[EventSink] = (), *, job_id: Optional[str] = None, engine: Optional[str] = None,
                 workflow_id: Any = None, handlers_config: Optional[List[dict]] = None) -> None:
        self.sinks = list(sinks)
        self.enabled = bool(self.sinks)
        self.job_id = job_id or new_job_id()
        self.engine = engine
        self.workflow_id = None if workflow_id is None else str(workflow_id)
        self.handlers_config = handlers_config or []
        self._base: Optional[Dict[str, Any]] = None

    def emit(self, context: str, type: str, *, node_id: Any = None, task_id: Optional[str] = None,
             error: Optional[BaseException] = None, error_traceback: Optional[str] = None,
             progress: Optional[float] = None, task_uri: Optional[str] = None,
             input_uris: Optional[dict] = None, output_uris: Optional[dict] = None) -> None:
        """Build one event and send it to every sink (no-op when disabled)."""
        if not self.enabled:
            return
        # Hot path (two events per node): fill a template dict instead of running the dataclass __init__.
        fields = self._template()
        fields["context"] = context
        fields["type"] = type
        fields["time"] = now_iso()
        if node_id is not None:
            fields["node_id"] = node_id if isinstance(node_id, str) else node_label(node_id)
        if task_id is not None:
            fields["task_id"] = task_id
        if type == "end":
            fields["error"] = error is not None
        if error is not None:  # secrets (URL passwords) never reach an event
            fields["error_message"] = mask_secrets(f"{type_name(error)}: {error}")
            fields["error_traceback"] = mask_secrets(error_traceback if error_traceback is not None else
                                                     "".join(traceback.format_exception(error)))
        if progress is not None:
            fields["progress"] = progress
        if task_uri is not None:
            fields["task_uri"] = task_uri
        if input_uris is not None:
            fields["input_uris"] = input_uris
        if output_uris is not None:
            fields["output_uris"] = output_uris
        event = Event.__new__(Event)
        event.__dict__ = fields
        for sink in self.sinks:
            sink.emit(event)

    def _template(self) -> Dict[str, Any]:
        pid = os.getpid()
        if self._base is None or self._base["process_id"] != pid:  # recomputed after fork
            self._base = Event(context="", type="", job_id=self.job_id, engine=self.engine,
                               workflow_id=self.workflow_id, process_id=pid).__dict__
        return dict(self._base)

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


def type_name(error: BaseException) -> str:
    return getattr(error, "original_type", None) or type(error).__name__


def emitter_from_execinfo(execinfo: Optional[dict], *, engine: Optional[str] = None, workflow_id: Any = None,
                          extra_sinks: Sequence[EventSink] = ()) -> EventEmitter:
    """Build an emitter from ewoks' execinfo: {"job_id": ..., "handlers": [...]}."""
    execinfo = execinfo or {}
    handlers = list(execinfo.get("handlers") or [])
    config = [h for h in handlers if isinstance(h, dict)]
    sinks = []
    for handler in handlers:
        sink = make_sink(handler)
        if isinstance(handler, dict):
            sink._ewoks_owned = True  # type: ignore[attr-defined]
        sinks.append(sink)
    sinks += list(extra_sinks)
    return EventEmitter(sinks, job_id=execinfo.get("job_id"), engine=engine or execinfo.get("engine"),
                        workflow_id=workflow_id if workflow_id is not None else execinfo.get("workflow_id"),
                        handlers_config=config)


def emitter_from_config(config: dict) -> EventEmitter:
    """Rebuild an emitter in a worker process from `EventEmitter.worker_config()`."""
    return emitter_from_execinfo({"job_id": config.get("job_id"), "handlers": config.get("handlers")},
                                 engine=config.get("engine"), workflow_id=config.get("workflow_id"))
