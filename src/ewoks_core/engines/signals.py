"""SIGTERM while a job runs: a clean stop instead of the end of the process.

Installed by the driver only in the main thread (Python delivers signals there) and only when
SIGTERM still has its default action: an application that handles SIGTERM itself (a Celery
worker, a server) keeps its handler. Ctrl-C needs nothing here: it is a KeyboardInterrupt in
the main thread, which the driver handles where it is raised.
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
    if not enabled or threading.current_thread() is not threading.main_thread():
        yield False
        return
    owner = os.getpid()

    def handler(signum: int, frame: Any) -> None:
        if os.getpid() != owner:  # a worker forked from this process inherited the handler: die as asked
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)
            return
        on_signal()

    previous = _install(handler)
    if previous is None:
        yield False
        return
    try:
        yield True
    finally:
        signal.signal(signal.SIGTERM, previous)


def _install(handler: Callable[[int, Any], None]) -> Any:
    """The previous handler, or None when SIGTERM is not ours to handle."""
    try:
        if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
            return None
        return signal.signal(signal.SIGTERM, handler)
    except (ValueError, OSError):  # embedded interpreters
        return None
