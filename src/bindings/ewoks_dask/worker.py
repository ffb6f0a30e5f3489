"""What runs in worker processes (process pool and distributed workers).

Each node run goes through `ewoks_core.execution.run_node_remote`, which rebuilds
the run context (event sinks, result store) from JSON config in the worker and
flushes the node's events before returning. Here we only add two job-level
flags: *stop* (a run that has not started when its job failed or was cancelled
is not executed: SKIPPED) and *cancel* (running tasks see it as `self.cancelled`).
Keep this module free of dask imports: process-pool workers do not need dask.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Dict, Optional, Tuple

from ewoks_core.execution import NodeOutcome, NodeRun, run_node_remote


class _Skipped:
    """Marker returned for a run that was not executed because its job stopped."""

    def __reduce__(self) -> str:
        return "SKIPPED"

    def __repr__(self) -> str:
        return "SKIPPED"


SKIPPED = _Skipped()

# -- process pool workers: one pool per job; its flags are multiprocessing.Events given at start
_POOL_FLAGS: Tuple[Any, Any] = (None, None)


class _InterruptibleCancel:
    """The job's cancel flag, also raised by Ctrl-C in this worker (see init_process)."""

    def __init__(self, event: Any) -> None:
        self.event = event
        self.interrupted = False

    def is_set(self) -> bool:
        return self.interrupted or (self.event is not None and self.event.is_set())

    def set(self) -> None:
        self.interrupted = True


def init_process(stop: Any, cancel: Any) -> None:
    """Initializer of process-pool workers: remember the job's stop and cancel flags, and exit
    when the process that started the pool dies (even by SIGKILL): no orphan keeps running.

    Ctrl-C in a terminal reaches every process of the group: here it only tells the running task
    (`self.cancelled`), which ends its own way and writes its end event; the calling process
    decides what stops (a task killed by KeyboardInterrupt would leave no clean end event)."""
    global _POOL_FLAGS
    import signal

    interruptible = _InterruptibleCancel(cancel)
    _POOL_FLAGS = (stop, interruptible)
    if threading.current_thread() is threading.main_thread() and \
            signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:  # an ignored SIGINT stays ignored
        # only a plain attribute is set in the handler: no lock may be taken there
        signal.signal(signal.SIGINT, lambda signum, frame: interruptible.set())
    from ewoks_core.execution.orphans import exit_with_parent

    exit_with_parent()


def run_in_process(spec: Dict[str, Any], run: NodeRun, ctx_config: dict, relay_events: bool = False) -> Any:
    """Process-pool entry point: run the node unless the job already stopped."""
    stop, cancel = _POOL_FLAGS
    if stop is not None and stop.is_set():
        return SKIPPED
    return _run(spec, run, ctx_config, cancel, relay_events)


def _run(spec: Dict[str, Any], run: NodeRun, ctx_config: dict, cancel: Any, relay_events: bool) -> NodeOutcome:
    if not relay_events:
        return run_node_remote(spec, run, ctx_config, cancel)
    from ewoks_core.events.relay import run_relaying

    return run_relaying(run_node_remote, spec, run, ctx_config, cancel)


# -- distributed workers: several runs share a worker process; flags are keyed by a token per run
_JOBS: "OrderedDict[str, Tuple[threading.Event, threading.Event]]" = OrderedDict()
_LOCK = threading.Lock()
_MAX_JOBS = 1024


def _job_flags(token: str) -> Tuple[threading.Event, threading.Event]:
    with _LOCK:
        flags = _JOBS.get(token)
        if flags is None:
            flags = _JOBS[token] = (threading.Event(), threading.Event())
            while len(_JOBS) > _MAX_JOBS:
                _JOBS.popitem(last=False)
        else:
            _JOBS.move_to_end(token)
        return flags


def stop_job(token: str, cancel: bool = False) -> None:
    """Run on every worker (Client.run) when a run fails (no new node starts) or is cancelled (tasks see it)."""
    stop, cancel_event = _job_flags(token)
    stop.set()
    if cancel:
        cancel_event.set()


async def stop_job_async(token: str, cancel: bool = False) -> None:
    """Coroutine form of stop_job, for Client.run(..., wait=False)."""
    stop_job(token, cancel)


def run_on_worker(spec: Dict[str, Any], run: NodeRun, ctx_config: dict, token: str,
                  relay_events: bool = False) -> Any:
    """Distributed entry point: run the node unless its run (token) already stopped."""
    stop, cancel = _job_flags(token)
    if stop.is_set():
        return SKIPPED
    return _run(spec, run, ctx_config, cancel, relay_events)


def outcome_or_skipped(value: Any) -> Optional[NodeOutcome]:
    """The NodeOutcome of a worker result, or None when the run was skipped."""
    if value is SKIPPED or isinstance(value, _Skipped):
        return None
    return value
