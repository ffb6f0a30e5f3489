"""The source protocol: a task whose `items()` yields one dict of outputs per item, and its reader thread.

A source task runs in the process that drives the job (it is not sent to a worker): its items
go to the workers as the per-item sub-workflow's inputs. `SourceReader` pulls items from it in a
thread into a bounded buffer: when the buffer is full the thread waits, so a slow consumer slows
the source instead of filling memory (backpressure). A stop (cancel, failure) wakes every wait.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any, Deque, Dict, Iterable, Iterator, Optional, Tuple

from ..task import Task

Item = Tuple[int, float, Dict[str, Any]]  # (index, time.time() when the source yielded it, outputs)


class StreamStalled(TimeoutError):
    """A source produced nothing for longer than its stall timeout."""


class StreamSource(Task):
    """Base class of stream sources. Subclasses implement `items()`; `run()` is refused (a source only
    runs as graph.stream.source, extension 'stream' 1.0). Long waits should use `self.wait(seconds)`,
    which returns False as soon as the job stops."""

    def items(self) -> Iterator[Dict[str, Any]]:
        """Yield the outputs of each item (the names this class declares as outputs)."""
        raise NotImplementedError(f"{type(self).__name__}.items()")

    def summary(self, nitems: int) -> Dict[str, Any]:
        """Outputs of the source node once the stream ended (links from it to non-item nodes use them)."""
        return {"nitems": nitems}

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`; False when the job stopped meanwhile (end the iteration then)."""
        event = self._cancel_event
        if event is None:
            time.sleep(seconds)
            return True
        wait = getattr(event, "wait", None)
        if wait is not None:
            return not wait(seconds)
        time.sleep(seconds)
        return not event.is_set()

    def run(self) -> None:
        raise RuntimeError(f"node {self.node_id!r} is a stream source (workflow extension 'stream' 1.0): it runs "
                           "only as graph.stream.source, with ewoks_core")


class IterableSource(StreamSource, input_names=["iterable"], output_names=["item", "index"]):
    """A stream of the elements of any Python iterable (e.g. the list an upstream task returned).
    Outputs per item: item, index."""

    def items(self) -> Iterator[Dict[str, Any]]:
        iterable: Iterable[Any] = self.inputs.iterable
        for index, item in enumerate(iterable):
            if self.cancelled:
                return
            yield {"item": item, "index": index}


class StopFlag:
    """Set when the job's cancel event or the stream's own stop event is set; `wait` waits for either."""

    def __init__(self, job_event: Any) -> None:
        self.job_event = job_event
        self.own = threading.Event()

    def is_set(self) -> bool:
        return self.own.is_set() or bool(self.job_event.is_set())

    def set(self) -> None:
        self.own.set()

    def wait(self, timeout: float) -> bool:
        """Wait up to `timeout` s; True when set (the job's event is checked every 0.1 s: it may be a
        flag without wait(), e.g. marker files)."""
        end = time.monotonic() + timeout
        while True:
            remaining = end - time.monotonic()
            if self.is_set():
                return True
            if remaining <= 0:
                return False
            self.own.wait(min(remaining, 0.1))


class SourceReader:
    """Pulls items from a source's iterator in a daemon thread into a buffer of at most `maxsize` items."""

    def __init__(self, iterator: Iterator[Dict[str, Any]], maxsize: int, flag: StopFlag, name: str) -> None:
        self.iterator = iterator
        self.maxsize = maxsize
        self.flag = flag
        self.buffer: Deque[Item] = deque()
        self.cond = threading.Condition()
        self.news = threading.Event()  # set when an item arrived or the source ended (the driver wakes up)
        self.ended = False
        self.error: Optional[BaseException] = None
        self.produced = 0
        self.thread = threading.Thread(target=self._read, name=f"ewoks-stream-{name}", daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            for outputs in self.iterator:
                with self.cond:
                    self.cond.wait_for(lambda: len(self.buffer) < self.maxsize or self.flag.own.is_set())
                    if self.flag.own.is_set():
                        break
                    self.buffer.append((self.produced, time.time(), outputs))
                    self.produced += 1
                self.news.set()
                if self.flag.is_set():
                    break
        except BaseException as exc:  # the source's own error (stall, unreadable file): the job fails with it
            self.error = exc
        finally:
            close = getattr(self.iterator, "close", None)
            if close is not None:
                try:
                    close()  # a generator's finally blocks run here (sockets, files)
                except Exception:
                    pass
            with self.cond:
                self.ended = True
            self.news.set()

    def take(self) -> Optional[Item]:
        """The oldest buffered item, or None."""
        with self.cond:
            if not self.buffer:
                return None
            item = self.buffer.popleft()
            self.cond.notify_all()
            return item

    @property
    def exhausted(self) -> bool:
        """The source ended and every item was taken."""
        with self.cond:
            return self.ended and not self.buffer

    def stop(self, join: float = 0.0) -> None:
        """Stop reading (buffered items are dropped); wait up to `join` s for the thread."""
        self.flag.set()
        with self.cond:
            self.buffer.clear()
            self.cond.notify_all()
        if join > 0 and self.thread is not threading.current_thread():
            self.thread.join(join)
