"""Checking a submitted job before it is queued, and what the server stores for it.

A job request is refused (4xx naming the field) unless the policy accepts it and the core accepts
it as execute_graph would: the workflow loads and compiles, its tasks import and match its links,
the engine exists, has the needed capabilities and accepts the options (ewoks_core.engines.
lifecycle.prepare_job, the same checks as every execution).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, Dict, List, Tuple

from ewoks_core.engines.lifecycle import prepare_job
from ewoks_core.engines.registry import get_engine
from ewoks_core.errors import EngineError, EwoksError, node_label
from ewoks_core.graph import compile_graph, load_graph
from ewoks_core.graph.compiled import CompiledGraph
from ewoks_core.request import ExecuteRequest

from ..errors import ApiError
from ..policy import Policy
from .arguments import parse_arguments

CLIENT_KEYS = ("graph", "inputs", "outputs", "merge_outputs", "engine", "engine_options", "varinfo", "queue")


def execute_request(request: Dict[str, Any], prefix: str = "") -> ExecuteRequest:
    """execute_graph's arguments of a stored or submitted job, parsed once (ewoks_core.request); a bad one
    is a 422 naming its field."""
    try:
        return parse_arguments(request)
    except EwoksError as e:
        raise ApiError(422, str(e), field=prefix + (e.field or ""), type="request") from None


def check_request(request: Dict[str, Any], policy: Policy, workflows_dir: Path,
                  prefix: str = "") -> Tuple[CompiledGraph, List[str]]:
    """Refuse what the policy or the core refuses; (compiled graph, warnings for the submitter).
    `prefix`: where the arguments are in the request body (error fields are named from there)."""
    policy.check_arguments(varinfo=request.get("varinfo"), execinfo=request.get("execinfo"),
                           load_options=request.get("load_options"), task_options=request.get("task_options"),
                           engine_options=request.get("engine_options"), prefix=prefix)
    execute_request(request, prefix)  # after the policy: what only the server decides is a 403 first
    policy.check_document(request["graph"])
    try:
        graph = load_graph(request["graph"], root_dir=str(workflows_dir))
    except EwoksError as e:
        raise _refused(e, prefix) from None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            compiled = compile_graph(graph, inputs=request.get("inputs"), root_dir=str(workflows_dir))
        except EwoksError as e:
            raise _refused(e, prefix) from None
        policy.check_tasks(compiled)
        try:
            engine = get_engine(request.get("engine"))
        except EngineError as e:
            raise ApiError(422, str(e), field=prefix + "engine", type="engine") from None
        try:
            options = engine.parse_options(dict(request.get("engine_options") or {}))
        except EngineError as e:
            raise ApiError(422, str(e), field=prefix + _option_field(e), type="engine") from None
        policy.check_engine_options(options, prefix)  # before what the graph needs: a 403 names the option
        try:
            prepare_job(engine, compiled, outputs=request.get("outputs"),
                        engine_options=dict(request.get("engine_options") or {}))
        except EngineError as e:  # a capability the engine lacks
            raise ApiError(422, str(e), field=prefix + _option_field(e), type="engine") from None
        except EwoksError as e:
            raise _refused(e, prefix) from None
        if request.get("inputs"):
            from ewoks_core.execution.validation import resolve_all_tasks, unused_workflow_inputs

            for message in unused_workflow_inputs(compiled, resolve_all_tasks(compiled), request["inputs"]):
                warnings.warn(message, UserWarning, stacklevel=1)
    return compiled, [str(w.message) for w in caught]


def _option_field(error: EngineError) -> str:
    """The request field of an engine error: the engine, or one of its options."""
    if error.field is None:
        return "engine"
    return "engine_options" if error.field == "options" else f"engine_options.{error.field}"


def _refused(error: EwoksError, prefix: str) -> ApiError:
    """A 422 naming the field of the request: inputs/outputs items, else a field of the workflow document."""
    field = error.field or ""
    if field.split("[")[0].split(".")[0] in ("inputs", "outputs"):
        path = prefix + field
    else:
        path = f"{prefix}graph" + (f".{field}" if field else "")
    return ApiError(422, str(error), field=path, type="workflow", node_id=error.node_id)


def stored_request(request: Dict[str, Any], job_id: str, job_dir: Path, workflows_dir: Path,
                   events_handler: Dict[str, Any]) -> Dict[str, Any]:
    """request.json: the client's arguments, plus what the server decides (events, results, sub-workflows)."""
    client = {key: request.get(key) for key in CLIENT_KEYS if request.get(key) is not None}
    varinfo = {"root_uri": str(job_dir / "results"), "scheme": (request.get("varinfo") or {}).get("scheme") or "json"}
    return {**client, "job_id": job_id, "varinfo": varinfo,
            "execinfo": {"job_id": job_id, "handlers": [events_handler]},
            "load_options": {"root_dir": str(workflows_dir)}, "client": client}


def graph_summary(compiled: CompiledGraph) -> Dict[str, Any]:
    """Nodes (id, label, task, group path) and links of the flattened graph, for the job page."""
    nodes = []
    for nid, node in compiled.nodes.items():
        parts = list(nid) if isinstance(nid, tuple) else [nid]
        groups = [node_label(tuple(parts[:i])) for i in range(1, len(parts))]
        nodes.append({"id": node_label(nid), "label": str(node.spec.label or parts[-1]),
                      "task": node.task_identifier or node.task_type, "groups": groups,
                      "start": bool(node.is_start), "end": nid in compiled.end_nodes})
    links = []
    for link in compiled.links:
        kind = "error" if link.on_error else ("conditional" if link.conditions else "data")
        links.append({"source": node_label(link.source), "target": node_label(link.target), "kind": kind})
    return {"id": str(compiled.id), "label": compiled.label, "nodes": nodes, "links": links}
