"""What a pool worker executes for one node run: ewoks_core.execution.run_node, nothing else.

Both functions return None when the job was halted before the run started (the
scheduler then discards the run: it never started, so it has no events), and
never raise: run_node reports task exceptions in the outcome, and what escapes
it (SystemExit from a task) is reported the same way, because pypushflow's pool
callbacks only handle Exception (anything else would leave the workflow waiting).
"""

from __future__ import annotations

import signal
import threading
from typing import Any, Dict, Optional

from ewoks_core.engines.base import Job
from ewoks_core.events.relay import EVENTS_KEY, take_events
from ewoks_core.execution import NodeOutcome, NodeRun, run_node_remote
from ewoks_core.execution.orphans import exit_with_parent

from .flags import FileFlag, WorkerCancel

_POOL_THREAD = threading.local()


def in_pool_thread(job: Job) -> bool:
    """True in a thread of the thread pool of `job` (it ran a node of the job before)."""
    return getattr(_POOL_THREAD, "job", None) is job


def run_in_thread(job: Job, run: NodeRun, halt: threading.Event) -> Optional[NodeOutcome]:
    """Thread pools: run the node in this process (events go straight to the job's sinks)."""
    _POOL_THREAD.job = job
    if halt.is_set() or job.ctx.cancel_event.is_set():
        return None
    try:
        return job.run_local(run)
    except BaseException as exc:
        return NodeOutcome.from_exception(exc)


def run_in_process(node_spec: Dict[str, Any], run: NodeRun, ctx_config: dict, halt_path: str,
                   cancel_path: str, relay_events: bool = False) -> Optional[NodeOutcome]:
    """Process pools: rebuild the node and context from plain data, run it, flush its events.

    While the task runs, SIGINT (Ctrl-C in a terminal reaches every process of the
    group) only sets `self.cancelled`: the task ends its own way and its end event
    is written, instead of dying mid-task as pypushflow's default handler makes it.
    `relay_events`: return the node's events with the outcome (see ewoks_core.events.relay).
    """
    exit_with_parent()  # once per worker process: no orphan if the caller is SIGKILLed
    if FileFlag(halt_path).is_set():
        return None
    cancel = WorkerCancel(FileFlag(cancel_path))
    previous = _set_sigint(lambda signum, frame: cancel.set())
    try:
        if relay_events:
            take_events()
        try:
            outcome = run_node_remote(node_spec, run, ctx_config, cancel)
        except BaseException as exc:
            outcome = NodeOutcome.from_exception(exc)
        if relay_events:
            outcome.extra[EVENTS_KEY] = take_events()
        return outcome
    finally:
        if previous is not _UNSET:
            _set_sigint(signal.SIG_DFL if previous is None else previous)


_UNSET = object()


def _set_sigint(handler: Any) -> Any:
    try:
        return signal.signal(signal.SIGINT, handler)
    except (ValueError, OSError):  # not the main thread of the worker
        return _UNSET
