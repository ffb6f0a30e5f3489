"""Per-item progress of a stream: items done, items/s, lag behind the source, latency of the last item.

Each finished item emits one node progress event on the source node: `progress` is the number of
items done, and `output_uris` carries the counters (events have no other free field):
{"stream": {"item": index, "items_done": n, "items_per_s": r, "lag": k, "latency_s": s}}.
"""

from __future__ import annotations

import time
from typing import Any, Dict, Optional

from ..events.emitter import EventEmitter


class StreamStats:
    """Counters of one stream; `snapshot()` is what the progress events carry."""

    def __init__(self, emitter: EventEmitter, node_id: Any, task_id: str) -> None:
        self.emitter, self.node_id, self.task_id = emitter, node_id, task_id
        self.t0: Optional[float] = None
        self.items_done = 0
        self.produced = 0
        self.last_latency: Optional[float] = None
        self.last_item: Optional[int] = None

    def started(self) -> None:
        """The source opened."""
        self.t0 = time.monotonic()

    def arrived(self, produced: int) -> None:
        """An item was admitted; `produced`: items the source yielded so far."""
        self.produced = produced

    def done(self, index: int, arrived: float, produced: int) -> None:
        """Item `index` (yielded at time.time() `arrived`) finished: emit its progress event."""
        self.items_done += 1
        self.produced = max(self.produced, produced)
        self.last_latency = time.time() - arrived
        self.last_item = index
        if self.emitter.enabled:
            self.emitter.emit("node", "progress", node_id=self.node_id, task_id=self.task_id,
                              progress=float(self.items_done), output_uris={"stream": self.snapshot()})

    def snapshot(self) -> Dict[str, Any]:
        """The counters as plain data."""
        elapsed = time.monotonic() - self.t0 if self.t0 is not None else 0.0
        return {"item": self.last_item, "items_done": self.items_done,
                "items_per_s": round(self.items_done / elapsed, 3) if elapsed > 0 else None,
                "lag": self.produced - self.items_done,
                "latency_s": None if self.last_latency is None else round(self.last_latency, 6)}
