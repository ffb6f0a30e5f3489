"""The job message: built on the client, parsed on the worker. Plain JSON (see codec.py).

By default the client loads the workflow and resolves its sub-graph files, and
sends the flattened document; with load_on="worker" it sends the path (or
JSON/YAML text) and the worker loads it, resolving sub-graphs on its side.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence

from ewoks_core.errors import EwoksError
from ewoks_core.events.emitter import SINK_ALIASES
from ewoks_core.graph import WorkflowGraph, compile_graph, load_graph
from ewoks_core.graph.compiled import CompiledGraph, apply_workflow_inputs
from ewoks_core.graph.subgraph import FlatGraph, connect_default_error_handlers, flatten
from ewoks_core.graph.workflow import load_options_kwargs

from . import codec

VERSION = 1
LOAD_ON = ("client", "worker")


@dataclass
class JobRequest:
    """Everything a worker needs to run one job."""

    job_id: str
    engine: Optional[str] = None
    engine_options: Dict[str, Any] = field(default_factory=dict)
    document: Optional[dict] = None  # the flattened workflow (load_on="client")
    source: Optional[str] = None  # path or JSON/YAML text (load_on="worker")
    load_options: Dict[str, Any] = field(default_factory=dict)
    inputs: List[dict] = field(default_factory=list)
    outputs: Optional[List[dict]] = None
    merge_outputs: bool = True
    varinfo: Optional[dict] = None
    handlers: List[dict] = field(default_factory=list)
    workflow_id: str = ""
    submitted: float = 0.0

    def to_message(self) -> Dict[str, Any]:
        """The task's keyword argument (JSON)."""
        data = {"version": VERSION, **{k: getattr(self, k) for k in self.__dataclass_fields__}}
        try:
            return codec.encode(data, what="job")
        except codec.EncodingError:
            for item in self.inputs:  # name the workflow input when it is one
                codec.encode(item.get("value"), what=f"workflow input {item.get('name')!r}")
            raise

    @classmethod
    def from_message(cls, message: Dict[str, Any]) -> "JobRequest":
        data = codec.decode(message)
        version = data.pop("version", None)
        if version != VERSION:
            raise EwoksError(f"job message version {version!r} is not supported by this worker (expects {VERSION})",
                             hint="Use the same ewoks_core version on clients and workers.")
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    def load(self) -> CompiledGraph:
        """The compiled workflow with the job's inputs applied (sub-graph files are read here for load_on="worker")."""
        if self.document is not None:
            graph = load_graph(self.document)
        else:
            graph = load_graph(self.source, **load_options_kwargs(self.load_options))
        return compile_graph(graph, inputs=self.inputs or None)


def flat_document(flat: FlatGraph, graph_id: Any) -> dict:
    """A loadable document of a flattened graph (aliases of the graph point to flattened node ids)."""
    attrs = dict(flat.graph)
    attrs["id"] = graph_id
    for key, table in (("input_nodes", flat.input_aliases), ("output_nodes", flat.output_aliases)):
        if key in attrs:
            attrs[key] = [{"id": alias, "node": node_id, **({"link_attributes": extra} if extra else {})}
                          for alias, entries in table.items() for node_id, extra in entries]
    nodes = [{"id": node_id, **node_attrs} for node_id, node_attrs in flat.nodes.items()]
    return copy.deepcopy({"directed": True, "multigraph": False, "graph": attrs, "nodes": nodes,
                          "links": flat.links})


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


def build_request(graph: Any, *, job_id: str, engine: Optional[str], inputs: Optional[Sequence[dict]],
                  outputs: Optional[Sequence[dict]], merge_outputs: bool, varinfo: Optional[dict],
                  handlers: Sequence[dict], load_options: Optional[dict], load_on: str,
                  engine_options: Dict[str, Any]) -> JobRequest:
    """Validate what can be validated here and build the job message."""
    if load_on not in LOAD_ON:
        raise EwoksError(f"load_on={load_on!r} is not one of {LOAD_ON}", field="load_on")
    load_options = dict(load_options or {})
    request = JobRequest(job_id=job_id, engine=engine, engine_options=dict(engine_options),
                         inputs=list(inputs or []), outputs=None if outputs is None else list(outputs),
                         merge_outputs=merge_outputs, varinfo=varinfo, handlers=check_handlers(handlers),
                         submitted=time.time())
    if load_on == "worker":
        if not isinstance(graph, str):
            raise EwoksError("load_on='worker' needs the workflow as a path or a JSON/YAML string",
                             hint=f"Got {type(graph).__name__}; load it on the client instead (the default).")
        request.source, request.load_options = str(graph), load_options
        request.workflow_id = str(graph)
    else:
        wg: WorkflowGraph = load_graph(graph, **load_options_kwargs(load_options))
        flat = flatten(wg, load_options.get("root_dir"), load_options.get("root_module"))
        request.document = flat_document(flat, wg.id)
        request.workflow_id = str(wg.id)
        connect_default_error_handlers(flat)  # only to check the inputs against the graph here
        if request.inputs:
            apply_workflow_inputs(CompiledGraph(flat, wg.id), request.inputs)
    return request
