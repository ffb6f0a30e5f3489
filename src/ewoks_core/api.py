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
from .graph.workflow import load_options_kwargs

GraphSource = Union[str, Path, dict, WorkflowGraph, Any]


def load_graph(graph: GraphSource, *, root_dir: Optional[str] = None, root_module: Optional[str] = None,
               representation: Optional[str] = None, **_ignored: Any) -> WorkflowGraph:
    """Load and validate a workflow from a path, JSON/YAML string, dict, networkx graph or WorkflowGraph."""
    return _load_graph(graph, root_dir=root_dir, root_module=root_module, representation=representation)


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
    """
    _ewoks_only_arguments(engine_options)
    eng = engine if isinstance(engine, Engine) else get_engine(engine)
    wg = _load_graph(graph, **load_options_kwargs(load_options))
    compiled = compile_graph(wg, inputs=inputs)
    job, options, selection = prepare_job(eng, compiled, outputs=outputs, varinfo=varinfo, execinfo=execinfo,
                                          engine_options=engine_options)
    if inputs:
        _warn_unused_inputs(compiled, inputs)
    return run_job(eng, job, options, selection, merge_outputs=merge_outputs)


def _ewoks_only_arguments(engine_options: Dict[str, Any]) -> None:
    """ewoks' raise_on_error and output_tasks: their default values are what happens here; the others
    are refused with what to do instead (ewoks' engines disagree on what raise_on_error=False returns)."""
    from .errors import EwoksError

    if engine_options.pop("raise_on_error", True) is not True:
        raise EwoksError("raise_on_error=False is not supported: a failed task always raises TaskFailedError",
                         field="raise_on_error", hint="Catch TaskFailedError (it has node_id and the original "
                                                      "exception), or handle failures in the workflow with on_error "
                                                      "links or a default_error_node.")
    if engine_options.pop("output_tasks", False) is not False:
        raise EwoksError("output_tasks=True is not supported: results are the tasks' output values",
                         field="output_tasks", hint="Use outputs=[{'all': True}], merge_outputs=False.")


def _warn_unused_inputs(compiled: Any, inputs: Sequence[dict]) -> None:
    import warnings

    from .execution.validation import resolve_all_tasks, unused_workflow_inputs

    for message in unused_workflow_inputs(compiled, resolve_all_tasks(compiled), inputs):
        warnings.warn(message, UserWarning, stacklevel=3)


def save_graph(graph: GraphSource, destination: Union[str, Path, None] = None, *, fmt: Optional[str] = None,
               save_requirements: bool = False, **load_options: Any) -> Union[str, dict]:
    """Write a workflow to a .json/.yaml/.yml/.ows file (atomically; the extension gives the format);
    without destination return the dict.
    save_requirements: record this environment's packages as the graph's `requirements` (as convert_graph)."""
    wg = _load_graph(graph, **load_options)
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
    wg = _load_graph(source, **load_options)
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


def submit_graph(graph: GraphSource, **kwargs: Any) -> Any:
    """Submit a workflow to Celery workers; returns a future (needs ewoks_core[celery])."""
    from .errors import EngineError

    try:
        from ewoks_celery.client import submit_graph as _submit
    except ImportError as e:
        raise EngineError(f"remote execution needs the Celery binding ({e})",
                          hint="pip install 'ewoks_core[celery]'") from None
    return _submit(graph, **kwargs)


def engine_names() -> List[str]:
    """Names of the engines installed here."""
    from .engines.registry import list_engines

    return [info.name for info in list_engines()]
