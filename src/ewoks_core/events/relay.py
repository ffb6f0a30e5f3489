"""Node events from worker processes for sinks that only exist in the calling process.

Workers rebuild the job's sinks from their JSON configuration (files, databases)
and write them directly. Sink *objects* passed in `execinfo["handlers"]` (an
in-memory sink, the CLI's progress line) cannot be rebuilt there: for them the
worker also collects the node's events (RelaySink, per thread) and returns them
with the outcome (`outcome.extra[EVENTS_KEY]`); the engine's scheduling loop then
hands them to those sinks with `relay()` before it schedules what follows.
Every engine with worker processes (dask, ppf) uses this one protocol.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, List

from .emitter import EventEmitter
from .sinks.base import EventSink

RELAY_HANDLER = {"class": "ewoks_core.events.relay.RelaySink", "arguments": []}
EVENTS_KEY = "ewoks.relayed_events"
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


def run_relaying(run_node: Callable[..., Any], *args: Any) -> Any:
    """Worker side: call `run_node(*args)` and attach the events it emitted to its outcome."""
    take_events()  # drop leftovers of a run that died before its outcome was returned
    outcome = run_node(*args)
    outcome.extra[EVENTS_KEY] = take_events()
    return outcome


def local_sinks(emitter: EventEmitter) -> List[EventSink]:
    """Parent side: the emitter's sinks that workers do not rebuild from the configuration."""
    return emitter.local_sinks


def worker_config(ctx_config: dict) -> dict:
    """The context configuration for workers, with the relay sink added."""
    emitter = dict(ctx_config["emitter"])
    emitter["handlers"] = list(emitter.get("handlers") or []) + [RELAY_HANDLER]
    return {**ctx_config, "emitter": emitter}


def relay(outcome: Any, sinks: List[EventSink]) -> None:
    """Parent side: hand the events carried by a worker's outcome to the local sinks."""
    events = outcome.extra.pop(EVENTS_KEY, None) if outcome is not None else None
    for event in events or ():
        for sink in sinks:
            sink.emit(event)
