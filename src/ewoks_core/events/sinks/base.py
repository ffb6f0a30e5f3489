"""The sink interface every event destination implements."""

from __future__ import annotations

from typing import Optional

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

    def check(self) -> None:
        """Raise (OSError, a database error...) when the destination cannot be opened for writing.

        Called before a job's first node runs; opening what `emit` will write to is enough."""

    def has_job(self, job_id: str) -> Optional[bool]:
        """Whether the destination already holds events of `job_id` (None: this sink cannot tell)."""
        return None

    def dropped(self) -> int:
        """Number of events this sink received and dropped without writing them."""
        return 0
