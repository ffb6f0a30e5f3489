"""The life of one job, shared by every engine: prepare, events, run, results, errors.

`prepare_job` parses and checks everything before anything runs; `run_job`
brackets the engine's scheduling with job/workflow start and end events and
always emits the end events (finally), then raises the first error.
"""

from __future__ import annotations

import threading
import warnings
from typing import Any, Dict, Optional, Sequence, Tuple

from ..events.delivery import EventDelivery, check_sinks
from ..events.emitter import EventEmitter, emitter_from_execinfo, job_id_of
from ..execution import RunContext, collect_results, nodes_to_keep, parse_outputs
from ..execution.results import Selection
from ..execution.validation import (
    check_given_input_values,
    check_links_against_tasks,
    resolve_all_tasks,
    undeclared_default_inputs,
)
from ..graph.compiled import CompiledGraph
from ..graph.validate import check_distinct_labels
from ..stream import new_schedule
from .base import Engine, Job
from .plain_options import RunOptions
from .registry import check_capabilities


def prepare_job(engine: Engine, graph: CompiledGraph, *, outputs: Optional[Sequence[dict]] = None,
                varinfo: Optional[dict] = None, execinfo: Optional[dict] = None,
                engine_options: Optional[Dict[str, Any]] = None, check_tasks: bool = True,
                emitter: Optional[EventEmitter] = None, cancel_event: Any = None,
                stacklevel: int = 3) -> Tuple[Job, RunOptions, Selection]:
    """Everything that can be refused is refused here, before any node runs (`stacklevel`: of the warnings,
    so that they point at the user's call)."""
    options = engine.parse_options(dict(engine_options or {}))
    check_capabilities(engine, graph.required_capabilities(), graph)
    check_distinct_labels(graph.nodes, graph.source)  # after flattening: ("sub", "a") and "sub/a"
    if check_tasks:
        classes = resolve_all_tasks(graph)
        check_links_against_tasks(graph, classes)
        check_given_input_values(graph, classes)
        for message in undeclared_default_inputs(graph, classes):
            warnings.warn(message, UserWarning, stacklevel=stacklevel)
    selection = parse_outputs(graph, outputs)
    if emitter is None:
        emitter = emitter_from_execinfo(execinfo, engine=engine.name, workflow_id=graph.id)
        check_sinks(emitter, job_id_given=job_id_of(execinfo or {}) is not None)
    ctx = RunContext(str(graph.id), emitter, varinfo or None, cancel_event or threading.Event())
    state = new_schedule(graph, ctx, max_iterations=options.max_iterations, keep_outputs=nodes_to_keep(selection))
    return Job(graph, state, ctx), options, selection


def run_job(engine: Engine, job: Job, options: RunOptions, selection: Selection,
            merge_outputs: bool = True) -> Dict[Any, Any]:
    """Run a prepared job on the engine; return the selected results or raise the job's error.
    Lost events end the job as execinfo["on_events_lost"] asks (ewoks_core.events.delivery)."""
    emitter = job.ctx.emitter
    delivery = EventDelivery(emitter, job.ctx.cancel_event)
    emitter.emit("job", "start")
    emitter.emit("workflow", "start")
    error: Optional[BaseException] = delivery.start()  # a sink that cannot write refuses the job here
    try:
        if error is None:
            engine.run(job, options)
    except BaseException as exc:  # KeyboardInterrupt / SystemExit included: end events still go out
        job.ctx.cancel_event.set()
        job.state.fail(exc)
        error = exc
    finally:
        error = delivery.job_error(error or job.state.error)
        emitter.emit("workflow", "end", error=error)
        emitter.emit("job", "end", error=error)
        failures = delivery.finish()
    if error is not None:
        delivery.report_lost(failures, error)
        raise error
    results = collect_results(job.graph, selection, job.state.outputs, merge_outputs)
    delivery.check_complete(failures, results)
    return results
