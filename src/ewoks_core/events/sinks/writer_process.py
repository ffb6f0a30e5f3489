"""The event writer process: writes batches of events that file and database sinks of its parent hand it.

Started by `offload.py` as `python -m ewoks_core.events.sinks.writer_process`. It reads frames from
stdin, each a sequence number and a pickled (sink class, sink arguments, batch of records), writes the batch
with a sink of its own built from those arguments (the same code the parent would run) and answers each
frame on stdout with (sequence number, None), (sequence number, the exception) or (sequence number,
UNREADABLE) when it cannot unpickle the batch (its parent then writes it). It exits once stdin
ends (its parent closed it or died) or its parent is gone, after answering every frame it read. It
closes its files and databases after IDLE_RELEASE seconds without a batch, and when its parent sends
RELEASE (`sqlite.close_connections()` there).

Frames: see _frames.py.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import sys
import time
from collections import OrderedDict
from typing import Any, Optional, Tuple

from . import _buffered
from ._frames import RELEASE, SEQ, UNREADABLE, read_frame, send_frame

MAX_SINKS = 16  # destinations kept open (least recently used released first)
PARENT_CHECK = 1.0  # seconds between checks that the parent still lives while no frame comes
IDLE_RELEASE = 2.0  # seconds without a batch after which every destination is closed (reopened when needed)


def _answer(error: Optional[BaseException], seq: int) -> bytes:
    """The pickled answer to a frame: the exception itself when it pickles and unpickles, else a
    RuntimeError with its text."""
    try:
        data = pickle.dumps((seq, error), pickle.HIGHEST_PROTOCOL)
        pickle.loads(data)  # exceptions with required keyword arguments pickle but do not unpickle
        return data
    except Exception:
        return pickle.dumps((seq, RuntimeError(f"{type(error).__name__}: {error}")), pickle.HIGHEST_PROTOCOL)


def _sink(sinks: "OrderedDict[Tuple[Any, ...], Any]", cls: type, args: dict) -> Any:
    key = (cls, tuple(sorted(args.items())))
    sink = sinks.pop(key, None)
    if sink is None:
        sink = cls(**args)
    sinks[key] = sink
    while len(sinks) > MAX_SINKS:
        _, old = sinks.popitem(last=False)
        try:
            old.close()
        except Exception as e:  # its batches were answered already: nothing of this batch is lost
            _report_once(f"cannot close {old!r}: {e}")
    return sink


def _parent_gone(parent: int) -> bool:
    return os.getppid() != parent


def serve(stdin: int, stdout: int, parent: int) -> None:
    """Answer frames until stdin ends or the parent process is gone."""
    sinks: "OrderedDict[Tuple[Any, ...], Any]" = OrderedDict()
    try:
        send_frame(stdout, pickle.dumps(("ready", os.getpid())))
    except BrokenPipeError:  # the parent stopped it as it started
        return
    last = time.monotonic()
    try:
        while True:
            readable, _, _ = select.select([stdin], [], [], PARENT_CHECK)
            if not readable:
                if _parent_gone(parent):
                    break
                if sinks and time.monotonic() - last >= IDLE_RELEASE:
                    _release(sinks)
                continue
            frame = read_frame(stdin)
            if frame is None:
                break
            last = time.monotonic()
            try:
                send_frame(stdout, _handle(sinks, frame))
            except BrokenPipeError:
                break
    finally:
        _release(sinks)


def _handle(sinks: "OrderedDict[Tuple[Any, ...], Any]", frame: bytes) -> bytes:
    """The answer to one frame, after writing its batch (or releasing every destination)."""
    seq = SEQ.unpack_from(frame)[0]
    try:
        message = pickle.loads(memoryview(frame)[SEQ.size:])
    except Exception as e:  # a class this process cannot import: the parent writes the batch
        _report_once(f"cannot read a batch ({type(e).__name__}: {e}): its process writes it")
        return pickle.dumps((seq, UNREADABLE))
    if message == (RELEASE,):
        _release(sinks)
        return _answer(None, seq)
    cls, args, batch = message
    try:
        _sink(sinks, cls, args)._write(batch)
    except BaseException as e:  # the parent decides: it keeps the batch and retries
        return _answer(e, seq)
    return _answer(None, seq)


def _release(sinks: "OrderedDict[Tuple[Any, ...], Any]") -> None:
    """Close every destination (the last connection to an SQLite database checkpoints its log into it)."""
    for sink in sinks.values():
        try:
            sink.close()
        except Exception as e:
            _report_once(f"cannot close {sink!r}: {e}")
    sinks.clear()
    sqlite = sys.modules.get("ewoks_core.events.sinks.sqlite")
    if sqlite is not None:
        sqlite.close_connections()


_REPORTED: set = set()


def _report_once(message: str) -> None:
    if message not in _REPORTED:
        _REPORTED.add(message)
        print(f"ewoks event writer (pid {os.getpid()}): {message}", file=sys.stderr)


def main() -> None:
    """Entry point: serve the parent that started this process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent; stdin's end stops this process
    parent = int(sys.argv[1]) if len(sys.argv) > 1 else os.getppid()
    _buffered._start_flusher()  # runs the SQLite sink's WAL checkpoints (sinks/sqlite_wal.py)
    answers = os.dup(sys.stdout.fileno())
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a stray print must not break the frames
    serve(sys.stdin.fileno(), answers, parent)


if __name__ == "__main__":
    main()
