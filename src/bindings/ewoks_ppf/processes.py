"""The worker processes of a pypushflow pool, and making sure none outlives the job."""

from __future__ import annotations

import logging
import os
import signal
from typing import Any, List

logger = logging.getLogger(__name__)


def pool_processes(pool: Any) -> List[Any]:
    """multiprocessing.Process objects of a pypushflow pool (empty for thread pools)."""
    inner = getattr(pool, "_pool", None)
    if inner is None:
        return []
    procs = getattr(inner, "_processes", None)  # concurrent.futures.ProcessPoolExecutor
    if isinstance(procs, dict):
        return list(procs.values())
    procs = getattr(inner, "_pool", None)  # multiprocessing / billiard Pool
    if isinstance(procs, list):
        return list(procs)
    return []


def force_pool(pool: Any) -> None:
    """Terminate the worker processes of a pypushflow process pool now (running tasks die)."""
    inner = getattr(pool, "_pool", None)
    if inner is None:
        return
    if isinstance(getattr(inner, "_processes", None), dict):  # ProcessPoolExecutor: futures fail (broken pool)
        terminate(pool_processes(pool))
    elif callable(getattr(inner, "terminate", None)):  # multiprocessing/billiard Pool: stop replacing workers
        inner.terminate()


def terminate(processes: List[Any], grace: float = 1.0) -> None:
    """Terminate (SIGTERM, then SIGKILL after `grace` seconds) and join processes that are alive."""
    alive = [p for p in processes if _alive(p)]
    for p in alive:
        _signal(p, signal.SIGTERM)
    for p in alive:
        p.join(grace)
        if _alive(p):
            logger.warning("ppf worker %s did not stop on SIGTERM: killing it", p.pid)
            _signal(p, getattr(signal, "SIGKILL", signal.SIGTERM))
            p.join(grace)


def reap(processes: List[Any]) -> None:
    """After the pool shut down: nothing may survive (normally a no-op)."""
    if any(_alive(p) for p in processes):
        logger.warning("ppf: worker processes still alive after the pool shut down: terminating them")
        terminate(processes)
    for p in processes:
        try:
            p.join(0)
        except Exception:
            pass


def _alive(process: Any) -> bool:
    try:
        return bool(process.is_alive())
    except (AssertionError, ValueError, OSError):  # not a child of this process, or closed
        return False


def _signal(process: Any, signum: int) -> None:
    if process.pid is None:
        return
    try:
        os.kill(process.pid, signum)
    except (ProcessLookupError, PermissionError):
        pass
