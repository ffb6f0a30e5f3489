"""Flattening of sub-graph nodes (task_type 'graph'), as ewoks does it.

A graph node is replaced by the nodes of its sub-graph, ids becoming (node_id, sub_id). Links to
and from it address inner nodes with sub_target / sub_source: an alias of the sub-graph's
input_nodes / output_nodes (an alias may name several nodes: the link is made to each, with the
alias' link_attributes), or an inner node id. The graph node's default_inputs,
force_start_node, conditions_else_value and default_error_node go to every input-alias node
(replacing theirs, as in ewoks), sub_target_attributes to the link's target. Each sub-graph's own
default error nodes are connected within it before it is merged, as ewoks loads it.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from ..errors import GraphFormatError, name_list, node_label
from .error_handlers import connect_default_error_handlers
from .schema import upgrade_document
from .specs import LinkSpec, NodeSpec
from .subgraph_sources import inline_graph_objects, read_subgraph
from .validate import normalize_id, validate_document
from .workflow import NodeId, WorkflowGraph

__all__ = ["FlatGraph", "flatten", "connect_default_error_handlers", "MAX_NESTING"]

MAX_NESTING = 32
# graph node attributes that ewoks gives to every input node of the sub-graph
TRANSFERRED = ("default_inputs", "force_start_node", "conditions_else_value", "default_error_node")

_SUB_KEYS = frozenset(("sub_source", "sub_target", "sub_target_attributes"))
Alias = List[Tuple[NodeId, dict]]  # the flattened nodes an alias stands for, with its link attributes


class FlatGraph:
    """Nodes and links after sub-graph flattening, with the alias tables of the graph."""

    def __init__(self, graph_attrs: dict, nodes: Dict[NodeId, NodeSpec], links: List[LinkSpec],
                 source: Optional[str], subgraphs: Optional[Dict[NodeId, "FlatGraph"]] = None):
        self.graph = graph_attrs
        self.nodes = nodes
        self.links = links
        self.source = source
        subgraphs = subgraphs or {}
        self.input_aliases = _alias_table(graph_attrs.get("input_nodes") or [], nodes, subgraphs, source,
                                          "input_nodes")
        self.output_aliases = _alias_table(graph_attrs.get("output_nodes") or [], nodes, subgraphs, source,
                                           "output_nodes")


def _alias_table(aliases: List[dict], nodes: Dict[NodeId, NodeSpec], subgraphs: Dict[NodeId, "FlatGraph"], source,
                 field: str) -> Dict[Any, Alias]:
    """alias id -> [(flattened node id, link attributes)]: an id may be given more than once; `sub_node`
    (or a [graph node, inner] node id) names an alias or node of a nested sub-graph node."""
    table: Dict[Any, Alias] = {}
    for alias in aliases:
        node_id = normalize_id(alias["node"])
        inner = alias.get("sub_node")
        if inner is None and isinstance(node_id, tuple) and len(node_id) == 2 and node_id[0] in subgraphs:
            node_id, inner = node_id
        attrs = dict(alias.get("link_attributes") or {})
        entries = table.setdefault(normalize_id(alias["id"]), [])
        if node_id in subgraphs:
            for inner_id, inner_attrs in _resolve(subgraphs[node_id], inner, node_id, field == "output_nodes",
                                                  source, f"graph.{field}"):
                entries.append(((node_id, inner_id), {**inner_attrs, **attrs}))
            continue
        if node_id not in nodes:
            raise GraphFormatError(f"alias {alias['id']!r} points to unknown node {node_label(node_id)!r}",
                                   source=source, field=f"graph.{field}")
        entries.append((node_id, attrs))
    return table


def _resolve(sub: FlatGraph, name: Any, graph_node: NodeId, source_side: bool, source: Optional[str],
             where: str) -> Alias:
    """The inner nodes a link end names: an alias of the sub-graph, else an inner node id (ewoks' rule)."""
    aliases = sub.output_aliases if source_side else sub.input_aliases
    field = "sub_source" if source_side else "sub_target"
    if name is None:
        if len(aliases) == 1:
            return next(iter(aliases.values()))
        raise GraphFormatError(f"link to/from sub-graph node {node_label(graph_node)!r} needs {field!r}; choose one of "
                               f"[{name_list(sorted(map(str, aliases)))}]", source=source, field=where)
    name = normalize_id(name)
    if name in aliases:
        return aliases[name]
    if name in sub.nodes:
        return [(name, {})]
    raise GraphFormatError(f"sub-graph node {node_label(graph_node)!r} has no alias {node_label(name)!r}; choose one "
                           f"of [{name_list(sorted(map(str, aliases)))}] (or an inner node id: "
                           f"{sorted(node_label(n) for n in sub.nodes)})", source=source, field=where)


def flatten(graph: WorkflowGraph, root_dir: Optional[str] = None, root_module: Optional[str] = None,
            _depth: int = 0) -> FlatGraph:
    """Replace every 'graph' node by the nodes of its sub-graph, ids becoming (node_id, sub_id)."""
    if _depth > MAX_NESTING:
        raise GraphFormatError(f"sub-graphs nested deeper than {MAX_NESTING} levels (a graph including itself?)",
                               source=graph.source)
    root_dir = root_dir or graph.root_dir
    root_module = root_module or graph.root_module
    nodes: Dict[NodeId, NodeSpec] = {}
    links: List[LinkSpec] = []
    subgraphs: Dict[NodeId, FlatGraph] = {}
    for node_id, spec in graph.nodes.items():
        if spec.task_type != "graph":
            nodes[node_id] = spec
            continue
        sub = _load_subgraph(node_id, spec, graph, root_dir, root_module, _depth)
        subgraphs[node_id] = sub
        for sub_id, sub_spec in sub.nodes.items():
            nodes[(node_id, sub_id)] = sub_spec.with_id((node_id, sub_id))
        for link in sub.links:
            links.append(link.between((node_id, link.source), (node_id, link.target)))
        _transfer_graph_node_attributes(node_id, spec, sub, nodes, graph.source)

    for index, link in enumerate(graph.links):
        if link.source in subgraphs or link.target in subgraphs or not _SUB_KEYS.isdisjoint(link.document):
            links.extend(_relink(link, index, subgraphs, nodes, graph.source))
        else:
            links.append(link)
    flat = FlatGraph(dict(graph.graph), nodes, links, graph.source, subgraphs)
    if _depth:
        connect_default_error_handlers(flat)  # ewoks connects them when it loads the sub-graph
    return flat


def _load_subgraph(node_id: NodeId, spec: NodeSpec, parent: WorkflowGraph, root_dir: Optional[str],
                   root_module: Optional[str], depth: int) -> FlatGraph:
    doc, name, base_dir = read_subgraph(spec.task_identifier, node_id, parent.source, parent.base_dir,
                                        root_dir, root_module)
    if not isinstance(doc, dict):
        raise GraphFormatError("a sub-graph must be a mapping with 'graph', 'nodes' and 'links'", source=name)
    inline_graph_objects(doc)
    upgrade_document(doc, name)
    validate_document(doc, name)
    return flatten(WorkflowGraph(doc, name, base_dir), root_dir, root_module, depth + 1)


def _relink(link: LinkSpec, index: int, subgraphs: Dict[NodeId, FlatGraph], nodes: Dict[NodeId, NodeSpec],
            source: Optional[str]) -> List[LinkSpec]:
    """A link of this graph, made between flattened nodes: one per inner source/target pair."""
    sub_source, sub_target, target_attributes = link.sub_source, link.sub_target, link.sub_target_attributes
    attrs = {k: v for k, v in link.document.items() if k not in _SUB_KEYS}
    src, dst = link.source, link.target
    if src in subgraphs:
        sources = [((src, n), a) for n, a in _resolve(subgraphs[src], sub_source, src, True, source,
                                                        f"links[{index}].sub_source")]
    else:
        if sub_source is not None:
            raise GraphFormatError(f"{node_label(src)!r} is not a graph node: 'sub_source' must not be given",
                                   source=source, field=f"links[{index}].sub_source")
        sources = [(src, {})]
    if dst in subgraphs:
        targets = [((dst, n), a) for n, a in _resolve(subgraphs[dst], sub_target, dst, False, source,
                                                        f"links[{index}].sub_target")]
    else:
        for key, value in (("sub_target", sub_target), ("sub_target_attributes", target_attributes)):
            if value is not None:
                raise GraphFormatError(f"{node_label(dst)!r} is not a graph node: {key!r} must not be given",
                                       source=source, field=f"links[{index}].{key}")
        targets = [(dst, {})]
    made = []
    for new_source, source_attrs in sources:
        for new_target, target_attrs in targets:
            if target_attributes:
                nodes[new_target] = nodes[new_target].merged(target_attributes)
            made.append(LinkSpec.from_dict({**source_attrs, **target_attrs, **attrs, "source": new_source,
                                            "target": new_target}))
    return made


def _transfer_graph_node_attributes(node_id: NodeId, spec: NodeSpec, sub: FlatGraph, nodes: Dict[NodeId, NodeSpec],
                                    source: Optional[str]) -> None:
    """ewoks gives a graph node's default_inputs, force_start_node, conditions_else_value and
    default_error_node to every input-alias node of its sub-graph, replacing theirs. A default input
    with an `id` (an alias or inner node id) goes to that node only, merged by name."""
    attrs = spec.document  # the attributes given, not their defaults: only those are transferred
    transfer = {k: attrs[k] for k in TRANSFERRED if k in attrs}
    targeted = []
    if "default_inputs" in transfer:
        items = transfer.pop("default_inputs") or []
        targeted = [d for d in items if isinstance(d, dict) and d.get("id") is not None]
        plain = [{"name": d["name"], "value": d.get("value")} for d in items if d not in targeted]
        if plain or not targeted:
            transfer["default_inputs"] = plain
    if transfer:
        for inner_ids in sub.input_aliases.values():
            for inner_id, _ in inner_ids:
                key = (node_id, inner_id)
                nodes[key] = nodes[key].merged(transfer)
    for item in targeted:
        alias = normalize_id(item["id"])
        if alias in sub.input_aliases:
            inner = [n for n, _ in sub.input_aliases[alias]]
        elif alias in sub.nodes:
            inner = [alias]
        else:
            raise GraphFormatError(f"default input {item.get('name')!r} names unknown sub-graph alias {alias!r}",
                                   source=source, node_id=node_id, field="default_inputs")
        for target in inner:
            flat = nodes[(node_id, target)]
            kept = [d for d in flat.document.get("default_inputs") or [] if d["name"] != item["name"]]
            nodes[(node_id, target)] = flat.with_attributes(
                default_inputs=kept + [{"name": item["name"], "value": item.get("value")}])
