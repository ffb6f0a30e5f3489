"""Buffered sinks: `emit()` only queues the event; batches are written elsewhere.

One daemon thread per process (the *flusher*) writes the queue of every live
sink every FLUSH_INTERVAL seconds, and as soon as a queue holds BATCH_SIZE events
(the emitting thread wakes it: what the writers do without the GIL, SQLite's
inserts and the file writes, then runs beside the job); the emitting thread
writes itself only when the flusher falls behind by HIGH_WATER events. Queues hold
records (tuples, see events/record.py) and Event objects or dicts, in emit order.
A sink's queue is also written by `flush()`/`close()`, when the sink is
garbage collected, at interpreter exit (atexit) and when a multiprocessing
worker ends (multiprocessing.util.Finalize, which also runs in forked workers
that skip atexit). After os.fork() the child starts with empty queues (the
parent writes its own pending events) and opens its own file/connection.
"""

from __future__ import annotations

import atexit
import collections
import logging
import os
import sys
import threading
import time as _time
import weakref
from typing import Any, Callable, Deque, Dict, List, Optional

from ...redact import mask_secrets
from ..record import Record
from . import offload
from .base import EventSink, RecordQueue

logger = logging.getLogger("ewoks_core.events")

FLUSH_INTERVAL = 0.2  # seconds an event may wait in memory
BATCH_SIZE = 500  # queue length at which the emitting thread wakes the flusher
HIGH_WATER = 20_000  # queue length at which the emitting thread writes the queue itself
MAX_WRITE = 5000  # events per write/transaction
MAX_PENDING = 500_000  # events kept while the destination fails; older ones are dropped

_LIVE: "weakref.WeakSet[BufferedSink]" = weakref.WeakSet()
_START_LOCK = threading.Lock()
_WAKE = threading.Event()  # set: the flusher writes now
_RUNNING = False  # the flusher thread runs in this process
_FINALIZER_PID = -1


class BufferedSink(EventSink):
    """Base of the file/database sinks: thread-safe, cheap `emit`, batched writes.

    Subclasses implement `_write(events)` (one batch, in emit order, of records,
    Event objects or dicts; raise on failure and the batch is kept), `_release()`
    (close the file/connection) and `_forget()` (drop, without closing, what was
    inherited through fork).
    """

    takes_records = True
    offloadable = False  # its batches may be written by the event writer process (offload.py)

    def __init__(self, **init_args: Any) -> None:
        self._init_args: Dict[str, Any] = init_args
        self._queue: Deque[Any] = collections.deque()
        self._lock = threading.Lock()
        self._failing = False
        self._dropped = 0
        # called with the exception each time a batch cannot be written (the job's on_events_lost policy)
        self.on_write_error: Optional[Callable[[BaseException], None]] = None
        _LIVE.add(self)

    def emit(self, event: Any) -> None:
        """Queue one event or record (thread-safe). The flusher thread writes it within
        FLUSH_INTERVAL, at once when BATCH_SIZE events are queued."""
        queue = self._queue
        queue.append(event)
        if not len(queue) % BATCH_SIZE:
            self._batch_ready()
        if not _RUNNING:
            _start_flusher()

    def emit_record(self, record: Record) -> None:
        """Queue one record (emitters append to `record_queue()` themselves)."""
        self.emit(record)

    def record_queue(self) -> RecordQueue:
        """The queue emitters append records to (see EventSink.record_queue); starts the flusher."""
        if not _RUNNING:
            _start_flusher()
        return self._queue, BATCH_SIZE, self._batch_ready

    def _batch_ready(self) -> None:
        """BATCH_SIZE more events are queued: wake the flusher (write here when it falls far behind)."""
        if len(self._queue) >= HIGH_WATER:  # the flusher does not keep up (or the destination fails)
            self._try_flush()
        else:
            _WAKE.set()
            _time.sleep(0)  # lets the flusher take the GIL now, not at the switch interval (5 ms, ~1000 events later)

    def _try_flush(self) -> None:
        if self._failing:
            return  # the flusher retries; do not slow down every emit
        try:
            self.flush()
        except Exception as e:
            self._failing = True
            logger.warning("cannot write events with %r (will retry): %s", self, e)

    def flush(self) -> None:
        """Write every event emitted so far; raises when the destination fails."""
        with self._lock:
            queue = self._queue
            remaining = len(queue)  # not more: other threads may keep emitting
            while remaining > 0:
                batch = _take(queue, min(remaining, MAX_WRITE))
                if not batch:
                    break
                remaining -= len(batch)
                try:
                    if not (self.offloadable and offload.write(self, batch)):
                        self._write(batch)
                except BaseException as exc:
                    queue.extendleft(reversed(batch))
                    self._dropped += _trim(queue)
                    if self.on_write_error is not None:
                        self.on_write_error(exc)
                    raise

    def close(self) -> None:
        """Flush, then close the file/connection (reopened if more events come)."""
        try:
            self.flush()
        finally:
            with self._lock:
                self._release()

    def pending(self) -> int:
        """Number of events not written yet."""
        return len(self._queue)

    def dropped(self) -> int:
        """Number of events dropped because the destination failed for too long (see MAX_PENDING)."""
        return self._dropped

    def discard_pending(self) -> int:
        """Forget the events not written yet (a job refused because its sink cannot write); their number."""
        with self._lock:
            count = len(self._queue)
            self._queue.clear()
            return count

    def check(self) -> None:
        """Open the file/connection now: raises when the destination cannot be opened for writing."""
        with self._lock:
            self._open()

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._init_args.items())
        return mask_secrets(f"{type(self).__name__}({args})")  # logged: no URL password

    def __reduce__(self):
        # A sink sent to a worker process is rebuilt there from its arguments.
        return (_rebuild, (type(self), self._init_args))

    def __del__(self) -> None:
        if "_lock" not in self.__dict__:  # __init__ failed
            return
        try:
            self.close()
        except Exception as e:  # pragma: no cover - best effort at garbage collection
            try:
                logger.error("events lost when closing %r: %s", self, e)
            except Exception:
                pass

    # --- subclass API
    def _write(self, events: List[Any]) -> None:
        raise NotImplementedError

    def _open(self) -> None:
        """Open the file/connection if it is not open (called under the lock by check())."""

    def _release(self) -> None:
        """Close the file/connection."""

    def _forget(self) -> None:
        """In a forked child: drop the parent's file/connection without closing it."""

    def _after_fork(self) -> None:
        self._queue.clear()
        self._lock = threading.Lock()
        self._forget()


def _rebuild(cls: type, init_args: Dict[str, Any]) -> BufferedSink:
    return cls(**init_args)


def _take(queue: Deque[Any], n: int) -> List[Any]:
    """The first n events of the queue (fewer if it holds fewer), removed from it. Called under the sink's
    lock: only its holder removes events, so the queue does not shrink meanwhile."""
    popleft = queue.popleft
    return [popleft() for _ in range(min(n, len(queue)))]


def _trim(queue: Deque[Any]) -> int:
    """Drop the oldest events above MAX_PENDING; their number."""
    excess = len(queue) - MAX_PENDING
    if excess > 0:
        for _ in range(excess):
            queue.popleft()
        logger.error("event destination unavailable: dropped the %d oldest events", excess)
    return max(excess, 0)


def _start_flusher() -> None:
    global _RUNNING, _FINALIZER_PID
    with _START_LOCK:
        if _RUNNING:
            return
        pid = os.getpid()
        if _FINALIZER_PID != pid:
            _FINALIZER_PID = pid
            atexit.register(close_all)
            if "multiprocessing" in sys.modules:
                # forked multiprocessing workers end with os._exit(): atexit does not run there
                from multiprocessing import util

                util.Finalize(None, close_all, exitpriority=100)
        threading.Thread(target=_flusher_loop, name="ewoks-events-flusher", daemon=True).start()
        _RUNNING = True


def _flusher_loop() -> None:
    while True:
        _WAKE.wait(FLUSH_INTERVAL)
        _WAKE.clear()  # before writing: a batch queued meanwhile wakes the next round
        _flush_live()
        for work in _BACKGROUND:
            try:
                work()
            except Exception as e:  # pragma: no cover - each job logs its own failures
                logger.warning("event flusher: %s failed: %s", getattr(work, "__name__", work), e)


_BACKGROUND: List[Callable[[], None]] = []  # run by the flusher after each round (see run_in_background)


def run_in_background(work: Callable[[], None]) -> None:
    """Have the flusher thread call `work()` after each round: upkeep no job should wait for (SQLite's
    WAL checkpoints, sinks/sqlite_wal.py); `wake_flusher()` asks for a round now."""
    if work not in _BACKGROUND:
        _BACKGROUND.append(work)


def wake_flusher() -> None:
    """Ask the flusher thread for a round now (it runs if any sink of this process emitted)."""
    _WAKE.set()


def _flush_live() -> None:
    for sink in list(_LIVE):
        if not sink._queue:
            continue
        try:
            sink.flush()
            sink._failing = False
        except Exception as e:
            if not sink._failing:  # log once until it works again
                logger.warning("cannot write events with %r (will retry): %s", sink, e)
            sink._failing = True


def close_all() -> None:
    """Flush and close every live buffered sink of this process, then stop its event writer process
    (run at exit)."""
    for sink in list(_LIVE):
        try:
            sink.close()
        except Exception as e:
            logger.error("events lost when closing %r: %s", sink, e)
    offload.shutdown(wait=0)  # every batch it was sent is written; its own exit need not be waited for


def _after_fork_in_child() -> None:
    global _RUNNING, _START_LOCK, _WAKE
    _RUNNING = False
    _START_LOCK = threading.Lock()
    _WAKE = threading.Event()
    for sink in list(_LIVE):
        sink._after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
