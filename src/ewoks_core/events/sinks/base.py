"""The sink interface every event destination implements."""

from __future__ import annotations

from typing import Any, Callable, Deque, Optional, Tuple

from .._typing import EventLike
from ..record import Record, record_event

RecordQueue = Tuple[Deque[Any], int, Callable[[], None]]


class EventSink:
    """Receives events. Sinks must be safe to call from several threads.

    A sink whose `takes_records` is True receives the emitter's records (plain tuples, see
    events/record.py) through `emit_record` instead of `Event` objects: sinks that serialise events
    in bulk save building an object per event."""

    takes_records = False

    def emit(self, event: EventLike) -> None:
        raise NotImplementedError

    def emit_record(self, record: Record) -> None:
        """Receive one record (only called when `takes_records` is True)."""
        self.emit(record_event(record))

    def record_queue(self) -> Optional[RecordQueue]:
        """(queue, n, ready): an emitter taking records appends them to `queue` itself and calls `ready()`
        each time its length is a multiple of n (instead of calling `emit_record`); None: no queue."""
        return None

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
