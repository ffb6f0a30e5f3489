"""Live progress on a terminal: an event sink that redraws one status line on stderr."""

from __future__ import annotations

import sys
import threading
import time
from typing import Any, Dict, TextIO

from ..events.sinks.base import EventSink


class ConsoleProgress(EventSink):
    """Shows running nodes, nodes done, failures and task progress; one line, redrawn in place."""

    def __init__(self, total_nodes: int, stream: TextIO = sys.stderr) -> None:
        self.total = total_nodes
        self.stream = stream
        self.done = 0
        self.failed = 0
        self.running: Dict[str, Any] = {}
        self.t0 = time.monotonic()
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._ticker = threading.Thread(target=self._tick, name="ewoks-progress", daemon=True)
        self._ticker.start()

    def _tick(self) -> None:
        """Redraw twice a second while nodes run, so the clock moves during a long task."""
        while not self._closed.wait(0.5):
            with self._lock:
                if self.running and not self._closed.is_set():
                    self._draw()

    def emit(self, event: Any) -> None:
        if event.context != "node":
            return
        with self._lock:
            if event.type == "start":
                self.running[event.node_id] = None
            elif event.type == "progress":
                uris = event.output_uris
                stream = uris.get("stream") if isinstance(uris, dict) else None
                self.running[event.node_id] = _stream_text(stream) if isinstance(stream, dict) else event.progress
            elif event.type == "end":
                self.running.pop(event.node_id, None)
                self.done += 1
                if event.error:
                    self.failed += 1
            self._draw()

    def _draw(self) -> None:
        parts = []
        for node_id, progress in list(self.running.items())[:3]:
            if isinstance(progress, str):
                parts.append(f"{node_id} {progress}")
            else:
                parts.append(f"{node_id}" + (f" {progress:.0f}%" if progress is not None else ""))
        more = f" +{len(self.running) - 3}" if len(self.running) > 3 else ""
        failed = f", {self.failed} failed" if self.failed else ""
        line = (f"[{time.monotonic() - self.t0:6.1f}s] {self.done} node runs done{failed} "
                f"(graph: {self.total} nodes) running: {', '.join(parts) or '-'}{more}")
        self.stream.write("\r\x1b[2K" + line[:200])
        self.stream.flush()

    def close(self) -> None:
        self._closed.set()
        with self._lock:
            self.stream.write("\n")
            self.stream.flush()


def _stream_text(stats: Dict[str, Any]) -> str:
    """A stream source's progress (ewoks_core.stream.progress): items done, items/s, lag."""
    rate = stats.get("items_per_s")
    return (f"{stats.get('items_done')} items" + (f" {rate:.1f}/s" if rate else "") +
            f" lag {stats.get('lag')}")
