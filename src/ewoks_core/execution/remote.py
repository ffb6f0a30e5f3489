"""Node runs in worker processes (process pools, distributed workers): both sides of the boundary.

Worker side: `run_in_worker` is the one function a worker executes for a node run: it skips
runs of a halted job, runs the node with `run_node_remote` (events written from the worker),
and, while the task runs, turns Ctrl-C into `self.cancelled` (a terminal sends SIGINT to every
process of its group: a task killed by KeyboardInterrupt would leave no clean end event; the
calling process decides what stops). `init_worker_process` is the initializer of the pools
ewoks starts: an idle worker ignores Ctrl-C (a dead worker would break the pool).

Parent side: `RemoteRuns` holds what every run of a job sends (node specs, context config)
and hands node events returned with the outcomes to sinks of this process (events.relay).
Keep this module light: worker processes import it.
"""

from __future__ import annotations

import signal
from typing import Any, Optional, Tuple

from ..events.relay import EVENTS_KEY, local_sinks, relay, take_events, worker_config
from ..graph.specs import NodeSpec
from .flags import WorkerCancel, WorkerFlags
from .node import node_spec, run_node_remote
from .outcome import NodeOutcome, NodeRun


def run_in_worker(spec: NodeSpec, run: NodeRun, ctx_config: dict, flags: WorkerFlags,
                  relay_events: bool = False) -> Optional[NodeOutcome]:
    """Worker entry point: the run's outcome, or None when the job halted before the run started.
    Never raises (what escapes a task, e.g. SystemExit, fails its node)."""
    if flags.local:
        from .orphans import exit_with_parent

        exit_with_parent()  # once per process: no orphan if the caller is SIGKILLed
    if flags.halted():
        return None
    cancel = WorkerCancel(flags)
    previous = _set_sigint(lambda signum, frame: cancel.set())
    try:
        if relay_events:
            take_events()  # leftovers of a run that died before returning
        try:
            outcome = run_node_remote(spec, run, ctx_config, cancel)
        except BaseException as exc:
            outcome = NodeOutcome.from_exception(exc)
        if relay_events:
            outcome.extra[EVENTS_KEY] = take_events()
        return outcome
    finally:
        if previous is not _UNSET:
            _set_sigint(signal.SIG_DFL if previous is None else previous)


def init_worker_process() -> None:
    """Initializer of pool worker processes: ignore Ctrl-C between tasks (run_in_worker handles
    it during a task), exit when the calling process dies."""
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        _set_sigint(signal.SIG_IGN)
    from .orphans import exit_with_parent

    exit_with_parent()


_UNSET = object()


def _set_sigint(handler: Any) -> Any:
    try:
        return signal.signal(signal.SIGINT, handler)
    except (ValueError, OSError):  # not the main thread of the worker (distributed runs tasks in threads)
        return _UNSET


class RemoteRuns:
    """Parent side: the arguments of `run_in_worker` for each run of a job, and the relay of node
    events to the sinks that exist only in this process (sink objects, the CLI's progress line)."""

    def __init__(self, graph: Any, ctx: Any, flags: WorkerFlags) -> None:
        self.nodes = graph.nodes
        self.sinks = local_sinks(ctx.emitter)
        config = ctx.to_config()
        self.config = worker_config(config) if self.sinks else config
        self.flags = flags

    def args(self, run: NodeRun) -> Tuple[Any, ...]:
        """Positional arguments of run_in_worker for `run`."""
        return node_spec(self.nodes[run.node_id]), run, self.config, self.flags, bool(self.sinks)

    def received(self, outcome: Optional[NodeOutcome]) -> None:
        """An outcome came back: its node events go to the local sinks (before anything follows)."""
        if self.sinks and outcome is not None:
            relay(outcome, self.sinks)
