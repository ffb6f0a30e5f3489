"""SIGTERM and Ctrl-C while a job runs: noted by a handler, acted on by the driver's loop.

Installed by the driver only in the main thread (Python delivers signals there) and only when
the signal still has Python's default handling: an application that handles it itself (a
Celery worker, a server, a GUI) keeps its handler.

- SIGTERM: a clean stop instead of the end of the process.
- Ctrl-C (SIGINT) while the driver's thread only drives (worker threads or processes run the
  tasks): noted instead of raised. A KeyboardInterrupt raised at an arbitrary point of the loop
  could drop a result the loop was recording (the job would then wait the whole kill_timeout for
  a run that had ended). Where runs execute in the driver's thread (inline backends), Ctrl-C stays
  a KeyboardInterrupt: it must interrupt the running task.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from typing import Any, Callable, Iterator


@contextlib.contextmanager
def sigterm_calls(on_signal: Callable[[], None], enabled: bool = True) -> Iterator[bool]:
    """Within the block, SIGTERM calls `on_signal()` (in the main thread); yields whether it does."""
    def in_a_fork() -> None:  # a worker forked from this process inherited the handler: die as asked
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)

    with _calls(signal.SIGTERM, signal.SIG_DFL, on_signal, in_a_fork, enabled) as installed:
        yield installed


@contextlib.contextmanager
def ctrl_c_calls(on_signal: Callable[[], None], enabled: bool = True) -> Iterator[bool]:
    """Within the block, Ctrl-C calls `on_signal()` (in the main thread) instead of raising
    KeyboardInterrupt; yields whether it does."""
    def in_a_fork() -> None:
        raise KeyboardInterrupt

    with _calls(signal.SIGINT, signal.default_int_handler, on_signal, in_a_fork, enabled) as installed:
        yield installed


@contextlib.contextmanager
def _calls(signum: int, default: Any, on_signal: Callable[[], None], in_a_fork: Callable[[], None],
           enabled: bool) -> Iterator[bool]:
    if not enabled or threading.current_thread() is not threading.main_thread():
        yield False
        return
    owner = os.getpid()

    def handler(signum: int, frame: Any) -> None:
        if os.getpid() != owner:
            in_a_fork()
            return
        on_signal()

    previous = _install(signum, default, handler)
    if previous is None:
        yield False
        return
    try:
        yield True
    finally:
        signal.signal(signum, previous)


def _install(signum: int, default: Any, handler: Callable[[int, Any], None]) -> Any:
    """The previous handler, or None when the signal is not ours to handle."""
    try:
        if signal.getsignal(signum) is not default:
            return None
        return signal.signal(signum, handler)
    except (ValueError, OSError):  # embedded interpreters
        return None
