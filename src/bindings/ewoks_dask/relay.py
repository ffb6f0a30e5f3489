"""Node events from worker processes for sinks that only exist in the calling process.

Workers rebuild the job's sinks from their JSON configuration (files, databases)
and write them directly. Sink *objects* passed in `execinfo["handlers"]` (an
in-memory sink, the CLI's progress line) cannot be rebuilt there: for them the
worker also collects the node's events (RelaySink, per thread) and returns them
with the outcome, and the scheduling loop hands them to those sinks.
(Same protocol as ewoks_ppf.relay; both could move to ewoks_core.events.)
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any, List

from ewoks_core.events.emitter import SINK_ALIASES, EventEmitter
from ewoks_core.events.sinks.base import EventSink

RELAY_HANDLER = {"class": "ewoks_dask.relay.RelaySink", "arguments": []}
EVENTS_KEY = "ewoks_dask.events"
_LOCAL = threading.local()


class RelaySink(EventSink):
    """Worker side: keeps the events emitted by the current thread until `take_events()`."""

    def emit(self, event: Any) -> None:
        events = getattr(_LOCAL, "events", None)
        if events is None:
            events = _LOCAL.events = []
        events.append(event)


def take_events() -> List[Any]:
    """Worker side: the events this thread emitted since the last call."""
    events = getattr(_LOCAL, "events", None) or []
    _LOCAL.events = []
    return events


def local_sinks(emitter: EventEmitter) -> List[EventSink]:
    """Parent side: the emitter's sinks that workers do not rebuild from the configuration."""
    explicit = getattr(emitter, "local_sinks", None)
    if explicit is not None:
        return list(explicit)
    configured = Counter(SINK_ALIASES.get(h.get("class", ""), h.get("class", "")) for h in emitter.handlers_config)
    local = []
    for sink in emitter.sinks:
        path = f"{type(sink).__module__}.{type(sink).__qualname__}"
        if configured[path] > 0:
            configured[path] -= 1
        else:
            local.append(sink)
    return local


def worker_config(ctx_config: dict) -> dict:
    """The context configuration for workers, with the relay sink added."""
    emitter = dict(ctx_config["emitter"])
    emitter["handlers"] = list(emitter.get("handlers") or []) + [RELAY_HANDLER]
    return {**ctx_config, "emitter": emitter}


def relay(events: List[Any], sinks: List[EventSink]) -> None:
    """Parent side: hand relayed events to the local sinks."""
    for event in events:
        for sink in sinks:
            sink.emit(event)
