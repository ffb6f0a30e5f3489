"""Worker processes of a pool end with the process that started them, even when it is SIGKILLed."""

from __future__ import annotations

import os
import sys
import threading

_WATCHING = [False]
_LOCK = threading.Lock()


def exit_with_parent() -> None:
    """In a multiprocessing worker: start (once) a thread that writes the pending events and exits
    this process as soon as its parent is gone. No-op in a process multiprocessing did not start."""
    import multiprocessing

    with _LOCK:
        parent = multiprocessing.parent_process()
        if _WATCHING[0] or parent is None:
            return
        sentinel = parent.sentinel
        if sentinel is None:
            return
        _WATCHING[0] = True
    threading.Thread(target=_wait_then_exit, args=(sentinel,), name="ewoks-parent-watch", daemon=True).start()


def _wait_then_exit(sentinel: int) -> None:
    from multiprocessing.connection import wait

    wait([sentinel])
    sinks = sys.modules.get("ewoks_core.events.sinks._buffered")
    if sinks is not None:  # write what the running task emitted so far
        try:
            sinks.close_all()
        except Exception:
            pass
    os._exit(1)


def can_start_processes() -> bool:
    """False in a daemonic process (a Celery prefork pool worker, a multiprocessing.Pool worker):
    Python forbids those to start child processes."""
    import multiprocessing

    if multiprocessing.current_process().daemon:
        return False
    billiard = sys.modules.get("billiard.process")  # Celery's prefork pool uses billiard's processes
    current = getattr(billiard, "current_process", None)
    try:
        return not (current is not None and current().daemon)
    except Exception:
        return True


def require_process_support(what: str, field: str, alternative: str) -> None:
    """Refuse, before anything runs, a process pool in a process that cannot start one."""
    if can_start_processes():
        return
    from ..errors import EngineError

    raise EngineError(f"{what} cannot start worker processes here: this process is a daemon (a Celery prefork "
                      "pool worker, or a worker of another process pool)", field=field,
                      hint=f"Use {alternative}, or start the Celery worker with --pool threads (or solo).")
