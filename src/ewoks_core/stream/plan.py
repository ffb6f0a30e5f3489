"""The stream section of a workflow (extension 'stream' 1.0) and what execution needs from it.

`graph.stream` names a source node, the per-item nodes and, optionally, a reducer node:

    "extensions": {"stream": "1.0"},
    "stream": {"source": "frames", "item_nodes": ["integrate"], "reducer": "stack", "max_in_flight": 8}

The graph is split once, before anything runs, into:
- the outer graph: every node but the item nodes. A link from an outer node to an item node becomes
  a link to the source node (so the source starts after it), its data kept for every item;
  a link from an item node to the reducer becomes a link from the source node, whose final outputs
  are the lists of the per-item values, in item order (link attribute `stream_reduce`, for all its
  target inputs or as {target_input: mode}: "list", the default; "first" or "last": only that item's
  value, for values that are the same for every item);
- the item graph: the item nodes and the links between them, run once per item. Links from the
  source node to item nodes deliver each item (the outputs the source yields).
Anything else (an item node feeding another outer node, a link back to the source) is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import GraphFormatError, did_you_mean, node_label
from ..graph.compiled import CompiledGraph, Link
from ..graph.specs import LinkSpec, NodeSpec
from ..graph.subgraph import FlatGraph
from ..graph.validate import normalize_id

CONST = "__stream_const__"  # prefix of the source inputs that carry data for the item nodes
REDUCE = "__stream_reduce__"  # prefix of the source outputs that carry the reduced lists
REDUCE_MODES = ("list", "first", "last")  # a reducer link's stream_reduce: every item's value, or one


class StreamSection(BaseModel):
    """graph.stream of a workflow document."""

    model_config = ConfigDict(extra="forbid")

    source: Any = Field(description="Id of the source node: a StreamSource task yielding one dict of outputs per item.")
    item_nodes: List[Any] = Field(min_length=1, description="Ids of the nodes run once per item.")
    reducer: Optional[Any] = Field(None, description="Id of the node that receives the per-item results, in order.")
    max_in_flight: int = Field(8, ge=1, description="Items being processed at most (bounds memory).")


@dataclass
class StreamPlan:
    """The split graph (see the module docstring)."""

    section: StreamSection
    source: Any
    item_nodes: List[Any]
    outer: CompiledGraph
    items: CompiledGraph
    item_links: List[Link]  # source -> item node (full graph's links)
    # key of a source input -> (item node, target input; None: the whole dict is the node's inputs)
    consts: Dict[str, Tuple[Any, Any]] = field(default_factory=dict)
    # key of a source output -> (item node, source output (None: its whole outputs), "list"|"first"|"last")
    reduced: Dict[str, Tuple[Any, Any, str]] = field(default_factory=dict)

    @property
    def max_in_flight(self) -> int:
        return self.section.max_in_flight


def stream_section(graph: CompiledGraph) -> Optional[dict]:
    """The raw stream section of a compiled graph, or None."""
    section = graph.graph_attrs.get("stream") if isinstance(graph.graph_attrs, dict) else None
    return section if section is not None else None


def build_plan(graph: CompiledGraph) -> StreamPlan:
    """Check the stream section against the graph and split it; GraphFormatError names the field."""
    raw = stream_section(graph)
    where = graph.source
    try:
        section = StreamSection.model_validate(raw)
    except ValidationError as e:
        err = e.errors()[0]
        raise GraphFormatError(err["msg"].removeprefix("Value error, "), source=where,
                               field="graph.stream." + ".".join(map(str, err["loc"]))) from None
    names = [node_label(n) for n in graph.nodes]

    def node(value: Any, name: str) -> Any:
        nid = normalize_id(value)
        if nid not in graph.nodes:
            raise GraphFormatError(f"stream {name} {node_label(nid)!r} is not a node of the workflow."
                                   f"{did_you_mean(node_label(nid), names)}", source=where,
                                   field=f"graph.stream.{name}")
        return nid

    source = node(section.source, "source")
    items = [node(v, "item_nodes") for v in section.item_nodes]
    reducer = node(section.reducer, "reducer") if section.reducer is not None else None
    item_set = set(items)
    if source in item_set or reducer in item_set or reducer == source:
        raise GraphFormatError("the stream source, the item nodes and the reducer must be different nodes",
                               source=where, field="graph.stream")
    outer_links: List[LinkSpec] = []
    inner_links: List[LinkSpec] = []
    item_links: List[Link] = []
    consts: Dict[str, Tuple[Any, Any]] = {}
    reduced: Dict[str, Tuple[Any, Any, str]] = {}
    for link in graph.links:
        s_in, t_in = link.source in item_set, link.target in item_set
        what = f"link {node_label(link.source)!r} -> {node_label(link.target)!r}"
        spec = link.spec
        if s_in and t_in:
            inner_links.append(spec)
        elif t_in and link.source == source:
            item_links.append(link)
        elif t_in:  # outer node -> item node: its data goes to every item, through the source node
            if link.on_error or link.conditions:
                raise GraphFormatError(f"{what}: a link into the item nodes from outside the stream cannot have "
                                       "conditions or on_error", source=where, field=f"links[{link.index}]",
                                       hint="Put the condition on a link into the source node.")
            mapping = []
            pairs = [(None, None)] if link.map_all_data else list(link.data_mapping)
            for j, (out, target) in enumerate(pairs):
                key = f"{CONST}{link.index}_{j}"
                consts[key] = (link.target, target)
                mapping.append({"source_output": out, "target_input": key})
            outer_links.append(spec.without(("map_all_data",)).with_attributes(target=source, data_mapping=mapping))
        elif s_in:
            if link.target != reducer:
                raise GraphFormatError(f"{what}: an item node can only feed item nodes or the stream's reducer "
                                       f"({node_label(reducer) if reducer is not None else 'none named'})",
                                       source=where, field=f"links[{link.index}]",
                                       hint="Name the node that receives the per-item results in graph.stream.reducer.")
            if link.map_all_data or link.on_error or link.conditions:
                raise GraphFormatError(f"{what}: a link to the reducer takes a data_mapping (each target input "
                                       "receives the list of the per-item values); no map_all_data, conditions or "
                                       "on_error", source=where, field=f"links[{link.index}]")
            mapping = []
            modes = spec.extra.get("stream_reduce") or {}
            for j, (out, target) in enumerate(link.data_mapping):
                mode = modes if isinstance(modes, str) else modes.get(str(target), "list") \
                    if isinstance(modes, dict) else None
                if mode not in REDUCE_MODES:
                    raise GraphFormatError(f"{what}: stream_reduce must be one of {', '.join(REDUCE_MODES)} or a "
                                           f"mapping of target inputs to them, got {modes!r}", source=where,
                                           field=f"links[{link.index}].stream_reduce")
                key = f"{REDUCE}{link.index}_{j}"
                reduced[key] = (link.source, out, mode)
                mapping.append({"source_output": key, "target_input": target})
            outer_links.append(spec.without(("stream_reduce",)).with_attributes(source=source, data_mapping=mapping))
        elif link.target == source and link.source in item_set:
            raise GraphFormatError(f"{what}: an item node cannot feed the source", source=where,
                                   field=f"links[{link.index}]")
        else:
            outer_links.append(spec)
    if not item_links:
        raise GraphFormatError(f"no link from the stream source {node_label(source)!r} to an item node: the items "
                               "would reach no node", source=where, field="graph.stream.item_nodes")
    outer_nodes = {nid: n.spec for nid, n in graph.nodes.items() if nid not in item_set}
    outer = _compile(graph, outer_nodes, outer_links, f"{graph.id}")
    inner = _compile(graph, {nid: graph.nodes[nid].spec for nid in items}, inner_links, f"{graph.id}/items")
    if outer.is_cyclic and outer.nodes[source].scc in outer.cyclic_sccs:
        raise GraphFormatError(f"the stream source {node_label(source)!r} is in a loop: it runs once",
                               source=where, field="graph.stream.source")
    return StreamPlan(section, source, items, outer, inner, item_links, consts, reduced)


def _compile(graph: CompiledGraph, nodes: Dict[Any, NodeSpec], links: List[LinkSpec], graph_id: str) -> CompiledGraph:
    """A CompiledGraph of part of `graph`, keeping the default inputs (workflow inputs applied) of its nodes."""
    attrs = {k: v for k, v in graph.graph_attrs.items() if k not in ("input_nodes", "output_nodes")}
    part = CompiledGraph(FlatGraph(attrs, dict(nodes), links, graph.source), graph_id)
    for nid, n in part.nodes.items():
        n.default_inputs = dict(graph.nodes[nid].default_inputs)
    return part
