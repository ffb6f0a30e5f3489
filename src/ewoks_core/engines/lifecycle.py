"""The life of one job, shared by every engine: prepare, events, run, results, errors.

`prepare_job` parses and checks everything before anything runs; `run_job`
brackets the engine's scheduling with job/workflow start and end events and
always emits the end events (finally), then raises the first error.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Dict, Optional, Sequence, Tuple

from ..events.emitter import EventEmitter, emitter_from_execinfo
from ..execution import JobState, RunContext, collect_results, nodes_to_keep, parse_outputs
from ..execution.results import Selection
from ..execution.validation import check_links_against_tasks, resolve_all_tasks
from ..graph.compiled import CompiledGraph
from .base import Engine, EngineOptions, Job
from .registry import check_capabilities

logger = logging.getLogger(__name__)


def prepare_job(engine: Engine, graph: CompiledGraph, *, outputs: Optional[Sequence[dict]] = None,
                varinfo: Optional[dict] = None, execinfo: Optional[dict] = None,
                engine_options: Optional[Dict[str, Any]] = None, check_tasks: bool = True,
                emitter: Optional[EventEmitter] = None,
                cancel_event: Any = None) -> Tuple[Job, EngineOptions, Selection]:
    """Everything that can be refused is refused here, before any node runs."""
    options = engine.parse_options(dict(engine_options or {}))
    check_capabilities(engine, graph.required_capabilities(), graph)
    if check_tasks:
        check_links_against_tasks(graph, resolve_all_tasks(graph))
    selection = parse_outputs(graph, outputs)
    if emitter is None:
        emitter = emitter_from_execinfo(execinfo, engine=engine.name, workflow_id=graph.id)
    ctx = RunContext(str(graph.id), emitter, varinfo or None, cancel_event or threading.Event())
    state = JobState(graph, max_iterations=options.max_iterations, keep_outputs=nodes_to_keep(selection))
    return Job(graph, state, ctx), options, selection


def run_job(engine: Engine, job: Job, options: EngineOptions, selection: Selection,
            merge_outputs: bool = True) -> Dict[Any, Any]:
    """Run a prepared job on the engine; return the selected results or raise the job's error."""
    emitter = job.ctx.emitter
    emitter.emit("job", "start")
    emitter.emit("workflow", "start")
    if emitter.enabled:
        # written now: worker processes write their node events straight to the same files
        try:
            emitter.flush()
        except Exception as exc:  # the sink keeps the events and retries; the job runs
            logger.warning("job %s: events cannot be written yet: %s", emitter.job_id, exc)
    error: Optional[BaseException] = None
    try:
        engine.run(job, options)
    except BaseException as exc:  # KeyboardInterrupt / SystemExit included: end events still go out
        job.ctx.cancel_event.set()
        job.state.fail(exc)
        error = exc
    finally:
        error = error or job.state.error
        emitter.emit("workflow", "end", error=error)
        emitter.emit("job", "end", error=error)
        try:
            emitter.flush()
            emitter.close()
        except Exception as exc:  # a sink that cannot write must not turn a good result into an error
            if error is None:
                logger.error("job %s: events could not be written: %s", emitter.job_id, exc)
            else:
                logger.error("job %s: events could not be written (%s) after the job failed", emitter.job_id, exc)
    if error is not None:
        raise error
    return collect_results(job.graph, selection, job.state.outputs, merge_outputs)
