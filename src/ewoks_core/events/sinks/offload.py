"""Hands batches of events to a writer process, so that encoding and writing them runs on another core.

Encoding an event as a JSON line or an SQLite row costs ~1 us of Python; run by the flusher thread it
still holds the GIL the job's own thread needs. A program's main process that emits events quickly (a
batch of START_AT events within one flush interval, once it wrote START_AFTER events: a short program
would lose more by starting it than it gains) starts one writer process (writer_process.py, like
multiprocessing's resource tracker: one per program, reused by every later job) and from then on its
file and database sinks (`BufferedSink.offloadable`) send their batches there: pickling a batch costs
~0.1 us an event. Each batch is sent and answered before `flush()` goes on, so what `flush()`
promises holds: the batch is written, or its error is raised and the batch kept for a retry.

When the writer is not there (not started yet, or gone), the batch is written in this process, as
without it. A writer killed after writing a batch but before answering makes that batch written twice:
a duplicate rather than a loss. Processes started by multiprocessing (pool workers, dask workers) and
Celery's pool workers write themselves. EWOKS_EVENT_WRITER=thread never starts one, =process starts
it at the first batch.
"""

from __future__ import annotations

import logging
import os
import pickle
import re
import sys
import threading
from typing import Any, List, Optional

from ._frames import RELEASE, SEQ, UNREADABLE, read_frame, send_frame

logger = logging.getLogger("ewoks_core.events")

START_AT = 500  # events in one batch that start the writer (the flusher's batch size: a fast emitter)
START_AFTER = 20_000  # ... once this process wrote that many events (starting costs ~0.1 s of a core)
START_WAIT = 10.0  # seconds EWOKS_EVENT_WRITER=process waits for the writer to start
SMALL = 64  # batches shorter than this are written by this process: a round trip costs more than they do
MAX_STARTS = 3  # writers started per process (one that dies is replaced, up to this number)
_MODES = ("auto", "process", "thread")
_PYTHON = re.compile(r"python[0-9.]*[wtd]?(\.exe)?")

_LOCK = threading.Lock()  # one batch at a time: frames and answers in order
_CLIENT: Optional["_Writer"] = None
_STARTS = 0
_WRITTEN = 0  # events of the batches of offloading sinks (wherever written): what START_AFTER counts


def mode() -> str:
    """EWOKS_EVENT_WRITER: auto (the default), process or thread."""
    value = os.environ.get("EWOKS_EVENT_WRITER", "auto").strip().lower() or "auto"
    if value in _MODES:
        return value
    if value not in _WARNED:
        _WARNED.add(value)
        logger.warning("EWOKS_EVENT_WRITER=%r is not one of %s: using auto", value, ", ".join(_MODES))
    return "auto"


_WARNED: set = set()


class _Gone(Exception):
    """The writer process cannot be reached, or answered nonsense."""


class _Writer:
    """The writer process and the two pipes to it."""

    def __init__(self) -> None:
        import subprocess

        to_child, self.requests = os.pipe()
        self.answers, from_child = os.pipe()
        # this process's sys.path: the writer imports the same ewoks_core and sink classes
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "ewoks_core.events.sinks.writer_process", str(os.getpid())],
                stdin=to_child, stdout=from_child, close_fds=True, start_new_session=True, env=env)
        except BaseException:
            for fd in (self.requests, self.answers):
                os.close(fd)
            raise
        finally:
            os.close(to_child)
            os.close(from_child)
        self.ready = False
        self.seq = 0
        self.cwd = os.getcwd()  # where it resolves relative paths

    def check_ready(self, wait: float) -> bool:
        """Whether the writer has said it is ready (waiting at most `wait` seconds for it)."""
        if not self.ready:
            import select

            try:
                readable, _, _ = select.select([self.answers], [], [], wait)
                if not readable:
                    return False
                hello = read_frame(self.answers)
                self.ready = hello is not None and pickle.loads(hello)[0] == "ready"
            except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, IndexError) as e:
                raise _Gone(str(e) or type(e).__name__) from e
            if not self.ready:
                raise _Gone("it ended as it started")
        return self.ready

    def write(self, payload: bytes) -> bool:
        """Send one batch and wait for its answer: True when written, False when the writer could not read
        it; raises the destination's error, or _Gone."""
        self.seq += 1
        try:
            send_frame(self.requests, payload)
            answer = read_frame(self.answers)
            if answer is None:
                raise _Gone("it ended")
            seq, error = pickle.loads(answer)
        except (OSError, EOFError, pickle.UnpicklingError, ValueError) as e:
            raise _Gone(str(e) or type(e).__name__) from e
        if seq != self.seq:
            raise _Gone(f"it answered batch {seq} instead of {self.seq}")
        if error == UNREADABLE:
            return False
        if error is not None:
            raise error
        return True

    def close(self, wait: float) -> None:
        """End the writer: it answers what it read, then exits when its stdin ends (killed if it has not
        after `wait` seconds; not waited for when `wait` is 0)."""
        self._close_pipes()
        if wait <= 0:
            return
        import subprocess

        try:
            self.proc.wait(wait)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def forget(self) -> None:
        """In a forked child: close the inherited pipe ends, so that the writer sees its parent go."""
        self._close_pipes()
        self.proc.returncode = 0  # not this process's child: never waited for

    def _close_pipes(self) -> None:
        for fd in (self.requests, self.answers):
            try:
                os.close(fd)
            except OSError:
                pass


def write(sink: Any, batch: List[Any]) -> bool:
    """Write a batch of `sink` through the writer process: True when written there (raises the
    destination's error, as `sink._write` would); False when this process must write it itself."""
    if len(batch) < SMALL:
        return False
    with _LOCK:
        writer = _writer(len(batch))
        if writer is None or writer.cwd != os.getcwd():  # a relative path would name another file there
            return False
        try:
            payload = SEQ.pack(writer.seq + 1) + pickle.dumps((type(sink), sink._init_args, batch),
                                                              pickle.HIGHEST_PROTOCOL)
        except Exception:  # values that do not pickle: this process encodes them as text
            return False
        try:
            return writer.write(payload)
        except _Gone as e:
            _lost(writer, e)
            return False


def _writer(batch_size: int) -> Optional[_Writer]:
    """The ready writer process (started when this batch calls for it), None while there is none."""
    global _CLIENT, _STARTS, _WRITTEN
    chosen = mode()
    if chosen == "thread":
        return None
    writer = _CLIENT
    if writer is None:
        _WRITTEN += batch_size
        if (chosen == "auto" and (batch_size < START_AT or _WRITTEN < START_AFTER)) or _STARTS >= MAX_STARTS \
                or not _may_start():
            return None
        _STARTS += 1
        try:
            writer = _CLIENT = _Writer()
        except OSError as e:
            logger.warning("cannot start the event writer process (events are written by this one): %s", e)
            _STARTS = MAX_STARTS
            return None
    try:
        # asked for explicitly: wait for it to start (an import, ~0.1 s); else write here meanwhile
        return writer if writer.check_ready(START_WAIT if chosen == "process" else 0) else None
    except _Gone as e:
        if not writer.ready:  # it cannot start here (its stderr says why): do not try again
            _STARTS = MAX_STARTS
        _lost(writer, e)
        return None


def _lost(writer: _Writer, error: BaseException) -> None:
    global _CLIENT
    _CLIENT = None
    logger.warning("the event writer process (pid %s) cannot be reached (%s): this process writes its events",
                   writer.proc.pid, error)
    writer.close(wait=1.0)


def _may_start() -> bool:
    """Only a program's main process starts a writer (not a process of a pool, which may be many), only
    when sys.executable is a Python interpreter (an application embedding Python is not), and only on
    POSIX (the writer waits on pipes with select(), which Windows has for sockets only)."""
    if os.name != "posix" or getattr(sys, "frozen", False) or \
            not _PYTHON.fullmatch(os.path.basename(sys.executable or "").lower()):
        return False
    mp = sys.modules.get("multiprocessing")
    if mp is not None and mp.parent_process() is not None:
        return False
    from ...execution.orphans import can_start_processes

    return can_start_processes()


def release() -> None:
    """Have the writer process close the files and databases it has open (SQLite then checkpoints its
    log into the database file, as when this process closes its own last connection)."""
    with _LOCK:
        writer = _CLIENT
        if writer is None or not writer.ready:
            return
        try:
            writer.write(SEQ.pack(writer.seq + 1) + pickle.dumps((RELEASE,)))
        except _Gone as e:
            _lost(writer, e)


def shutdown(wait: float = 5.0) -> None:
    """Stop the writer process, after the sinks were flushed: it closes its files and databases, then
    exits once its stdin ends; wait up to `wait` seconds for that (0 at exit: everything it was sent is
    written and answered already, and its interpreter's own exit takes tens of ms)."""
    global _CLIENT
    release()
    with _LOCK:
        writer, _CLIENT = _CLIENT, None
    if writer is not None:
        writer.close(wait)


def writer_pid() -> Optional[int]:
    """PID of this process's writer process, if it runs."""
    writer = _CLIENT
    return writer.proc.pid if writer is not None else None


def _after_fork_in_child() -> None:
    global _LOCK, _CLIENT, _STARTS, _WRITTEN
    _LOCK = threading.Lock()
    writer, _CLIENT, _STARTS, _WRITTEN = _CLIENT, None, 0, 0
    if writer is not None:
        writer.forget()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
