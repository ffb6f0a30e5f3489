"""In-memory sink (this process only): handy in tests and notebooks."""

from __future__ import annotations

import threading
from typing import List

from ..record import Event
from .base import EventSink


class MemorySink(EventSink):
    """Keeps events in a list, `events`."""

    def __init__(self) -> None:
        self.events: List[Event] = []
        self._lock = threading.Lock()

    def emit(self, event: Event) -> None:
        with self._lock:
            self.events.append(event)

    def dicts(self) -> List[dict]:
        with self._lock:
            return [e.to_dict() for e in self.events]
