"""The sink interface every event destination implements."""

from __future__ import annotations

from .._typing import EventLike


class EventSink:
    """Receives events. Sinks must be safe to call from several threads."""

    def emit(self, event: EventLike) -> None:
        raise NotImplementedError

    def flush(self) -> None:
        """Make every event emitted so far durable/visible to readers."""

    def close(self) -> None:
        """Flush and release resources; further emits are an error or ignored."""
        self.flush()
