"""Public Python API with ewoks' shapes: execute_graph, load_graph, save_graph, convert_graph, submit_graph."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Union

from .engines.base import Engine
from .engines.lifecycle import prepare_job, run_job
from .engines.registry import get_engine
from .graph import WorkflowGraph, compile_graph
from .graph import load_graph as _load_graph
from .graph.io import dump_document, to_networkx
from .graph.schema import CURRENT_VERSION
from .request import ExecuteRequest, LoadOptions

GraphSource = Union[str, Path, dict, WorkflowGraph, Any]
SUBMITTERS_GROUP = "ewoks.submitters"


def load_graph(graph: GraphSource, *, root_dir: Optional[str] = None, root_module: Optional[str] = None,
               representation: Optional[str] = None, **unknown: Any) -> WorkflowGraph:
    """Load and validate a workflow from a path, JSON/YAML string, dict, networkx graph or WorkflowGraph.
    An unknown keyword is refused by name (GraphFormatError), never ignored."""
    options = LoadOptions.parse({"root_dir": root_dir, "root_module": root_module, "representation": representation,
                                 **unknown}, name="load_graph()")
    return _load_graph(graph, **options.kwargs())


def execute_graph(
    graph: GraphSource,
    engine: Union[str, Engine, None] = None,
    inputs: Optional[Sequence[dict]] = None,
    outputs: Optional[Sequence[dict]] = None,
    merge_outputs: bool = True,
    varinfo: Optional[dict] = None,
    execinfo: Optional[dict] = None,
    task_options: Optional[dict] = None,
    load_options: Optional[dict] = None,
    **engine_options: Any,
) -> Dict[Any, Any]:
    """Execute a workflow and return its results (merged outputs of the end nodes that ran by default).

    inputs: ewoks' [{"id"|"label"|"task_identifier": ..., "name": ..., "value": ..., "all": bool}];
    outputs: [{"id": ..., "name": ..., "new_name": ...}] or [{"all": True}]; varinfo: {"root_uri", "scheme"};
    execinfo: {"job_id", "handlers": [...]}; engine_options: the engine's own options (e.g. scheduler=...).
    task_options is accepted for ewoks compatibility; tasks here take no constructor options.
    Every argument is checked first (ewoks_core.request.ExecuteRequest): a bad one is refused by name
    before any event is sent.
    """
    request = ExecuteRequest.parse(engine=None if isinstance(engine, Engine) else engine, inputs=inputs,
                                   outputs=outputs, merge_outputs=merge_outputs, varinfo=varinfo, execinfo=execinfo,
                                   task_options=task_options, load_options=load_options,
                                   engine_options=engine_options)
    return execute_request(graph, request, engine=engine if isinstance(engine, Engine) else None, _stacklevel=4)


def execute_request(graph: GraphSource, request: ExecuteRequest, *, engine: Optional[Engine] = None,
                    _stacklevel: int = 3) -> Dict[Any, Any]:
    """Execute a workflow with parsed arguments (`engine`: an engine object instead of request.engine)."""
    eng = engine if engine is not None else get_engine(request.engine)
    wg = _load_graph(graph, **request.load_options.kwargs())
    inputs = request.input_list()
    compiled = compile_graph(wg, inputs=inputs)
    job, options, selection = prepare_job(eng, compiled, outputs=request.output_list(),
                                          varinfo=request.varinfo_dict(), execinfo=request.execinfo_dict(),
                                          engine_options=request.engine_options_dict(), stacklevel=_stacklevel)
    if inputs:
        _warn_unused_inputs(compiled, inputs, _stacklevel)
    return run_job(eng, job, options, selection, merge_outputs=request.merge_outputs)


def _warn_unused_inputs(compiled: Any, inputs: Sequence[dict], stacklevel: int) -> None:
    import warnings

    from .execution.validation import resolve_all_tasks, unused_workflow_inputs

    for message in unused_workflow_inputs(compiled, resolve_all_tasks(compiled), inputs):
        warnings.warn(message, UserWarning, stacklevel=stacklevel)


def save_graph(graph: GraphSource, destination: Union[str, Path, None] = None, *, fmt: Optional[str] = None,
               save_requirements: bool = False, **load_options: Any) -> Union[str, dict]:
    """Write a workflow to a .json/.yaml/.yml/.ows file (atomically; the extension gives the format);
    without destination return the dict.
    save_requirements: record this environment's packages as the graph's `requirements` (as convert_graph)."""
    wg = load_graph(graph, **load_options)
    doc = wg.to_dict()
    if save_requirements:
        from .requirements import installed_requirements

        doc["graph"]["requirements"] = installed_requirements()
    if destination is None:
        return doc
    return dump_document(doc, Path(destination), fmt=fmt)


def convert_graph(source: GraphSource, destination: Union[str, Path, None] = None, *, fmt: Optional[str] = None,
                  upgrade: bool = True, save_requirements: bool = True, **load_options: Any) -> Union[str, dict, Any]:
    """Convert between representations (JSON/YAML/.ows files by extension, dict, networkx 'networkx');
    upgrades the schema. Without destination, fmt 'json', 'yaml' or 'ows' returns the text.
    As in ewoks, the packages of this environment become the graph's `requirements` (replacing any)
    unless save_requirements=False (`ewoks convert --exclude-requirements`)."""
    wg = load_graph(source, **load_options)
    doc = wg.to_dict()
    if save_requirements:
        from .requirements import installed_requirements

        doc["graph"]["requirements"] = installed_requirements()
    if upgrade:
        doc["graph"]["schema_version"] = CURRENT_VERSION
    if destination == "networkx" or fmt == "networkx":
        return to_networkx(doc)
    if destination is None and fmt in ("json", "yaml", "ows"):
        return dump_document(doc, None, fmt=fmt)
    if destination is None:
        return doc
    return dump_document(doc, Path(destination), fmt=fmt)


def submit_graph(graph: GraphSource, *, submitter: Optional[str] = None, **kwargs: Any) -> Any:
    """Submit a workflow for remote execution and return its future (execute_graph's arguments plus the
    submitter's own). `submitter`: an `ewoks.submitters` entry point (default: the only one, or 'celery')."""
    from .errors import EngineError, did_you_mean
    from .plugins import load, targets

    found = targets(SUBMITTERS_GROUP)
    name = submitter or (next(iter(found)) if len(found) == 1 else "celery")
    if name not in found:
        raise EngineError(f"no submitter {name!r} for remote execution.{did_you_mean(name, found)}",
                          field="submitter", hint="pip install 'ewoks_core[celery]'" if not found
                          else f"Installed submitters: {', '.join(sorted(found))}.")
    try:
        submit = load(found[name])
    except ImportError as e:
        raise EngineError(f"remote execution with {name!r} is not installed ({e.name or e})",
                          hint=f"pip install 'ewoks_core[{name}]'") from None
    return submit(graph, **kwargs)


def engine_names() -> List[str]:
    """Names of the engines installed here."""
    from .engines.registry import list_engines

    return [info.name for info in list_engines()]
