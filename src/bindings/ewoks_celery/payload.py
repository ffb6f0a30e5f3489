"""The job message: built on the client, parsed on the worker. Plain JSON (see codec.py).

By default the client loads the workflow and resolves its sub-graph files, and
sends the flattened document; with load_on="worker" it sends the path (or
JSON/YAML text) and the worker loads it, resolving sub-graphs on its side.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, fields, replace
from types import MappingProxyType
from typing import Any, Dict, List, Optional, Sequence

from ewoks_core.errors import EwoksError
from ewoks_core.events.emitter import SINK_ALIASES
from ewoks_core.graph import WorkflowGraph, compile_graph, load_graph
from ewoks_core.graph.compiled import CompiledGraph, apply_workflow_inputs
from ewoks_core.graph.subgraph import FlatGraph, connect_default_error_handlers, flatten
from ewoks_core.request import ExecuteRequest

from . import codec

VERSION = 2  # 2: execute_graph's arguments are one ewoks_core.request.ExecuteRequest
LOAD_ON = ("client", "worker")


@dataclass(frozen=True)
class JobRequest:
    """Everything a worker needs to run one job: the parsed arguments and the workflow."""

    job_id: str
    request: ExecuteRequest  # execinfo["handlers"]: the event handlers, checked by check_handlers
    document: Optional[dict] = None  # the flattened workflow (load_on="client")
    source: Optional[str] = None  # path or JSON/YAML text (load_on="worker")
    workflow_id: str = ""
    submitted: float = 0.0

    @property
    def handlers(self) -> List[dict]:
        """The event handlers the job asks for."""
        return list((self.request.execinfo or {}).get("handlers") or [])

    def to_message(self) -> Dict[str, Any]:
        """The task's keyword argument (JSON)."""
        data = {"version": VERSION, "job_id": self.job_id, "request": self.request.to_json(),
                "document": self.document, "source": self.source, "workflow_id": self.workflow_id,
                "submitted": self.submitted}
        try:
            return codec.encode(data, what="job")
        except codec.EncodingError:
            for item in self.request.inputs:  # name the workflow input when it is one
                codec.encode(item.get("value"), what=f"workflow input {item.get('name')!r}")
            raise

    @classmethod
    def from_message(cls, message: Dict[str, Any]) -> "JobRequest":
        """Parse a message (the arguments are checked again, as on the client)."""
        data = codec.decode(message)
        version = data.pop("version", None)
        if version != VERSION:
            raise EwoksError(f"job message version {version!r} is not supported by this worker (expects {VERSION})",
                             hint="Use the same ewoks_core version on clients and workers.")
        request = ExecuteRequest.from_json(data.pop("request"))
        names = {f.name for f in fields(cls)}
        return cls(request=request, **{k: v for k, v in data.items() if k in names})

    def load(self) -> CompiledGraph:
        """The compiled workflow with the job's inputs applied (sub-graph files are read here for load_on="worker")."""
        if self.document is not None:
            graph = load_graph(self.document)
        else:
            graph = load_graph(self.source, **self.request.load_options.kwargs())
        return compile_graph(graph, inputs=self.request.input_list())


def flat_document(flat: FlatGraph, graph_id: Any) -> dict:
    """A loadable document of a flattened graph (aliases of the graph point to flattened node ids)."""
    attrs = dict(flat.graph)
    attrs["id"] = graph_id
    for key, table in (("input_nodes", flat.input_aliases), ("output_nodes", flat.output_aliases)):
        if key in attrs:
            attrs[key] = [{"id": alias, "node": node_id, **({"link_attributes": extra} if extra else {})}
                          for alias, entries in table.items() for node_id, extra in entries]
    nodes = [{"id": node_id, **spec.document} for node_id, spec in flat.nodes.items()]
    links = [{"source": link.source, "target": link.target, **link.document} for link in flat.links]
    return copy.deepcopy({"directed": True, "multigraph": False, "graph": attrs, "nodes": nodes, "links": links})


def check_handlers(handlers: Sequence[Any]) -> List[dict]:
    """Event handlers a worker may instantiate: the known sink classes, configured with JSON arguments."""
    checked = []
    for handler in handlers:
        if not isinstance(handler, dict) or handler.get("class") not in SINK_ALIASES:
            name = handler.get("class") if isinstance(handler, dict) else type(handler).__name__
            raise EwoksError(f"event handler {name!r} cannot be used on a worker", field="execinfo.handlers",
                             hint=f"Use one of {sorted(k for k in SINK_ALIASES if '.' not in k and k != 'memory')}.")
        checked.append(handler)
    return checked


def build_request(graph: Any, request: ExecuteRequest, *, job_id: str, handlers: Sequence[dict],
                  load_on: str = "client") -> JobRequest:
    """Validate what can be validated here and build the job message (`handlers` replace the request's)."""
    if load_on not in LOAD_ON:
        raise EwoksError(f"load_on={load_on!r} is not one of {LOAD_ON}", field="load_on")
    execinfo = {**(request.execinfo or {}), "job_id": job_id, "handlers": check_handlers(handlers)}
    request = replace(request, execinfo=MappingProxyType(execinfo))
    if load_on == "worker":
        if not isinstance(graph, str):
            raise EwoksError("load_on='worker' needs the workflow as a path or a JSON/YAML string",
                             hint=f"Got {type(graph).__name__}; load it on the client instead (the default).")
        return JobRequest(job_id=job_id, request=request, source=str(graph), workflow_id=str(graph),
                          submitted=time.time())
    wg: WorkflowGraph = load_graph(graph, **request.load_options.kwargs())
    flat = flatten(wg, request.load_options.root_dir, request.load_options.root_module)
    document = flat_document(flat, wg.id)
    connect_default_error_handlers(flat)  # only to check the inputs against the graph here
    if request.inputs:
        apply_workflow_inputs(CompiledGraph(flat, wg.id), request.input_list() or [])
    return JobRequest(job_id=job_id, request=request, document=document, workflow_id=str(wg.id),
                      submitted=time.time())
