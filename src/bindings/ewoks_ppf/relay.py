"""Events of process-pool runs for sinks that worker processes cannot rebuild.

A worker rebuilds the job's sinks from their JSON configuration (files, databases:
it writes them itself and flushes after each node). Sink *instances* passed in
`execinfo["handlers"]` (an in-memory sink, the CLI's progress line) only exist in
the parent: for them the worker also collects the node's events (RelaySink, added
to the worker configuration) and returns them with the outcome; the parent emits
them to those sinks before it schedules what follows.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any, List

from ewoks_core.events.emitter import SINK_ALIASES, EventEmitter
from ewoks_core.events.sinks.base import EventSink

RELAY_HANDLER = {"class": "ewoks_ppf.relay.RelaySink", "arguments": []}
EVENTS_KEY = "ewoks_ppf.events"

_COLLECTED: List[Any] = []
_LOCK = threading.Lock()


class RelaySink(EventSink):
    """Worker side: keeps the events of this process until `take_events()`."""

    def emit(self, event: Any) -> None:
        with _LOCK:
            _COLLECTED.append(event)


def take_events() -> List[Any]:
    """Worker side: the events collected since the last call."""
    with _LOCK:
        events = list(_COLLECTED)
        _COLLECTED.clear()
    return events


def local_sinks(emitter: EventEmitter) -> List[EventSink]:
    """Parent side: the emitter's sinks that are not rebuilt from its configuration in a worker."""
    explicit = getattr(emitter, "local_sinks", None)
    if explicit is not None:
        return list(explicit)
    configured = Counter(_class_path(h.get("class", "")) for h in emitter.handlers_config)
    local = []
    for sink in emitter.sinks:
        path = f"{type(sink).__module__}.{type(sink).__qualname__}"
        if configured[path] > 0:
            configured[path] -= 1
        else:
            local.append(sink)
    return local


def worker_config(ctx_config: dict) -> dict:
    """The worker configuration with the relay sink added."""
    emitter = dict(ctx_config["emitter"])
    emitter["handlers"] = list(emitter.get("handlers") or []) + [RELAY_HANDLER]
    return {**ctx_config, "emitter": emitter}


def relay(events: List[Any], sinks: List[EventSink]) -> None:
    """Parent side: hand relayed events to the local sinks."""
    for event in events:
        for sink in sinks:
            sink.emit(event)


def _class_path(name: str) -> str:
    return SINK_ALIASES.get(name, name)
