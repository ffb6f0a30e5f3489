"""run_node(): instantiate a node's task, run it, emit its events and persist its outputs.

Every engine calls this for every node run, in whatever thread or process it
schedules the node; nothing else executes tasks.
"""

from __future__ import annotations

from typing import Any, Optional

from ..errors import PersistenceError, node_label
from ..events.emitter import EventEmitter
from ..graph.compiled import Node
from ..graph.specs import NodeSpec
from ..task.discovery import resolve_task_class
from .context import RunContext, context_from_config
from .outcome import NodeOutcome, NodeRun
from .startmarks import clear_mark, mark_started, run_started


def run_node(node: Node, run: NodeRun, ctx: RunContext, flush_start: bool = False) -> NodeOutcome:
    """Execute one run of a node; never raises for task errors (they are in the outcome).
    `flush_start`: write the start event before the task runs (worker processes, which may die)."""
    emitter = ctx.emitter
    events = emitter.enabled
    task_id = node.task_identifier or node.task_type
    if events:
        if flush_start and run_started(run):  # an earlier attempt started, and its worker died before it ended
            _end_lost_attempt(node, run, emitter, task_id)
        emitter.node_start(node.id, task_id, run.input_uris)
        if flush_start:
            emitter.flush()
            mark_started(run)
    try:
        outcome = _execute(node, run, ctx, task_id)
    except KeyboardInterrupt:
        if events:
            emitter.emit("node", "end", node_id=node.id, task_id=task_id, error=KeyboardInterrupt("interrupted"),
                         input_uris=run.input_uris)
        raise
    except BaseException as exc:  # SystemExit from a task fails the node, not the engine
        outcome = NodeOutcome.from_exception(exc)
    if events:
        emitter.node_end(node.id, task_id, outcome, run.input_uris)
    return outcome


def _end_lost_attempt(node: Node, run: NodeRun, emitter: EventEmitter, task_id: str) -> None:
    """The end event of an earlier attempt of this run that started in a worker which then died: the
    scheduler (dask distributed reschedules the tasks of a lost worker) runs it again here."""
    error = WorkerLostError(f"the worker running node {node_label(node.id)!r} was lost; the scheduler runs it "
                            "again on another worker")
    emitter.emit("node", "end", node_id=node.id, task_id=task_id, error=error, error_traceback="",
                 input_uris=run.input_uris)


def _execute(node: Node, run: NodeRun, ctx: RunContext, task_id: str) -> NodeOutcome:
    cls = resolve_task_class(node.task_type, node.task_identifier, node.id, node.spec.document)
    node_varinfo = node.spec.varinfo
    try:
        store = ctx.store_for(node_varinfo) if (ctx.varinfo or node_varinfo) else None
    except OSError as e:
        raise PersistenceError(f"cannot open the result store: {type(e).__name__}: {e}", field="varinfo.root_uri",
                               hint="Check that root_uri is a writable folder or .h5 file.") from e
    key = None
    if store is not None:
        identity = f"{node.task_type}:{task_id}:{getattr(cls, 'cache_version', '')}"
        key = store.cache_key(identity, run.inputs)
        if key is not None:
            hit = store.lookup(str(ctx.workflow_id), node_label(node.id), key)
            if hit is not None:
                return NodeOutcome(outputs=hit.outputs, task_uri=hit.task_uri, output_uris=hit.output_uris, cached=True)
    progress = None
    if ctx.emitter.enabled:
        emitter = ctx.emitter

        def progress(value: float) -> None:
            emitter.emit("node", "progress", node_id=node.id, task_id=task_id, progress=value)

    task = cls(run.inputs, node_id=node.id, node_attrs=node.spec.document, progress_callback=progress,
               cancel_event=ctx.cancel_event)
    outputs = task.execute()
    if store is None:
        return NodeOutcome(outputs=outputs)
    try:
        stored = store.save(str(ctx.workflow_id), node_label(node.id), key, outputs, task_identifier=task_id,
                            inputs=run.inputs)
    except OSError as e:  # the task succeeded: say that saving failed, and where
        raise PersistenceError(f"the task ran but its results could not be saved: {type(e).__name__}: {e}",
                               field="varinfo.root_uri",
                               hint="Check that root_uri is a writable folder or .h5 file.") from e
    return NodeOutcome(outputs=outputs, task_uri=stored.task_uri, output_uris=stored.output_uris)


def run_node_remote(spec: NodeSpec, run: NodeRun, ctx_config: dict,
                    cancel_event: Optional[Any] = None) -> NodeOutcome:
    """Entry point in a worker process: rebuild node and context from plain data, run, flush events."""
    node = Node(spec, 0)
    ctx = context_from_config(ctx_config, cancel_event)
    try:
        return run_node(node, run, ctx, flush_start=True)  # a worker killed mid-task leaves its start
    finally:
        ctx.emitter.flush()
        clear_mark(run)


def node_spec(node: Node) -> NodeSpec:
    """What describes a node to a worker process: its spec (picklable; the workflow inputs of this run
    arrive with each NodeRun's inputs)."""
    return node.spec


class WorkerLostError(RuntimeError):
    """The worker running a node died or became unreachable: the node's outcome is lost."""


def _unsendable(exc: BaseException) -> bool:
    """The worker ran the node (and wrote its end event) but could not send its outputs back."""
    import pickle

    return isinstance(exc, pickle.PicklingError) or (isinstance(exc, (TypeError, AttributeError)) and
                                                     "pickle" in str(exc).lower())


def report_lost(node: Node, run: NodeRun, ctx: RunContext, where: str, exc: BaseException,
                remote: bool = False) -> NodeOutcome:
    """The outcome of a run whose worker did not return it: the node fails with a WorkerLostError.

    Its events are completed here: the end event a dead worker never wrote and, when the run has a
    start mark (execution.startmarks), the start event of a run no worker started, or, for a run
    that started, its start event for the sinks that only receive events with the outcome. `remote`:
    the run was sent to another process, so those sinks never saw its start, marked or not.
    Outputs that could not be pickled back come from a run that ended (its events exist)."""
    label = node_label(node.id)
    if _unsendable(exc):
        error = WorkerLostError(f"node {label!r} ran on a {where} worker but its outputs cannot be sent back: "
                                f"{type(exc).__name__}: {exc}")
        error.__cause__ = exc
        return NodeOutcome.from_exception(error)
    started = run_started(run)
    if started is False:
        message = f"node {label!r} was lost with its {where} before it started"
    else:
        message = f"the {where} worker running node {label!r} was lost or failed to return its result"
    error = WorkerLostError(f"{message}: {type(exc).__name__}: {exc}")
    error.__cause__ = exc
    outcome = NodeOutcome.from_exception(error)
    emitter = ctx.emitter
    if emitter.enabled:
        task_id = node.task_identifier or node.task_type
        if started is False:  # no sink has its start
            starts: Optional[EventEmitter] = emitter
        elif started or remote:  # the worker wrote its start to the sinks it rebuilt, not to sink objects here
            starts = emitter.only(emitter.local_sinks)
        else:  # it ran in this process: every sink has its start
            starts = None
        if starts is not None:
            starts.emit("node", "start", node_id=node.id, task_id=task_id, input_uris=run.input_uris)
        emitter.emit("node", "end", node_id=node.id, task_id=task_id, error=error,
                     error_traceback=outcome.error_traceback, input_uris=run.input_uris)
    return outcome
