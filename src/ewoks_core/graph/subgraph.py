"""Flattening of sub-graph nodes (task_type 'graph') and default error handler links."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from ..errors import GraphFormatError, name_list, node_label
from . import io
from .schema import upgrade_document
from .validate import normalize_id, validate_document
from .workflow import NodeId, WorkflowGraph

MAX_NESTING = 32


class FlatGraph:
    """Nodes and links after sub-graph flattening, with the alias tables of the graph."""

    def __init__(self, graph_attrs: dict, nodes: Dict[NodeId, dict], links: List[dict], source: Optional[str],
                 subgraphs: Optional[Dict[NodeId, "FlatGraph"]] = None):
        self.graph = graph_attrs
        self.nodes = nodes
        self.links = links
        self.source = source
        subgraphs = subgraphs or {}
        self.input_aliases = _alias_table(graph_attrs.get("input_nodes", []), nodes, subgraphs, source, "input_nodes")
        self.output_aliases = _alias_table(graph_attrs.get("output_nodes", []), nodes, subgraphs, source,
                                           "output_nodes")


def _alias_table(aliases: List[dict], nodes: Dict[NodeId, dict], subgraphs: Dict[NodeId, "FlatGraph"], source,
                 field) -> Dict[Any, Tuple[NodeId, dict]]:
    """alias id -> (flattened node id, link attributes); `sub_node` names an alias of a nested sub-graph node."""
    table = {}
    for alias in aliases:
        node_id = normalize_id(alias["node"])
        attrs = dict(alias.get("link_attributes") or {})
        if node_id in subgraphs:
            inner = subgraphs[node_id]
            inner_table = inner.input_aliases if field == "input_nodes" else inner.output_aliases
            inner_id, inner_attrs = _pick_alias(inner_table, alias.get("sub_node"), node_id, source, 0, "sub_node",
                                                where=f"graph.{field}")
            table[normalize_id(alias["id"])] = ((node_id, inner_id), {**inner_attrs, **attrs})
            continue
        if node_id not in nodes:
            raise GraphFormatError(f"alias {alias['id']!r} points to unknown node {node_label(node_id)!r}",
                                   source=source, field=f"graph.{field}")
        table[normalize_id(alias["id"])] = (node_id, attrs)
    return table


def _resolve_subgraph_file(identifier: str, parent: WorkflowGraph, root_dir: Optional[str],
                           root_module: Optional[str]) -> Path:
    dirs = [d for d in (parent.base_dir, root_dir) if d] + [None]
    return io.find_workflow_file(identifier, dirs, root_module)


def flatten(graph: WorkflowGraph, root_dir: Optional[str] = None, root_module: Optional[str] = None,
            _depth: int = 0) -> FlatGraph:
    """Replace every 'graph' node by the nodes of its sub-graph, ids becoming (node_id, sub_id)."""
    if _depth > MAX_NESTING:
        raise GraphFormatError(f"sub-graphs nested deeper than {MAX_NESTING} levels (a graph including itself?)",
                               source=graph.source)
    root_dir = root_dir or getattr(graph, "root_dir", None)
    root_module = root_module or getattr(graph, "root_module", None)
    nodes: Dict[NodeId, dict] = {}
    links: List[dict] = []
    subgraphs: Dict[NodeId, FlatGraph] = {}
    for node_id, attrs in graph.nodes.items():
        if attrs.get("task_type") != "graph":
            nodes[node_id] = dict(attrs)
            continue
        path = _resolve_subgraph_file(attrs["task_identifier"], graph, root_dir, root_module)
        if not path.is_file():
            raise GraphFormatError(f"sub-graph file {attrs['task_identifier']!r} not found", source=graph.source,
                                   node_id=node_id, field="task_identifier",
                                   hint="Paths are relative to the parent file, root_dir or root_module.")
        doc = io.read_document(path)
        upgrade_document(doc, str(path))
        validate_document(doc, str(path))
        sub = flatten(WorkflowGraph(doc, str(path), str(path.parent)), root_dir, root_module, _depth + 1)
        subgraphs[node_id] = sub
        for sub_id, sub_attrs in sub.nodes.items():
            nodes[(node_id, sub_id)] = sub_attrs
        for link in sub.links:
            links.append({**link, "source": (node_id, link["source"]), "target": (node_id, link["target"])})
        _apply_graph_node_inputs(node_id, attrs, sub, nodes, graph.source)

    for index, link in enumerate(graph.links):
        link = dict(link)
        source, target = link["source"], link["target"]
        extra_attrs: dict = {}
        if source in subgraphs:
            new_source, attrs = _pick_alias(subgraphs[source].output_aliases, link.pop("sub_source", None), source,
                                            graph.source, index, "sub_source")
            link["source"] = (source, new_source)
            extra_attrs.update(attrs)
        if target in subgraphs:
            new_target, attrs = _pick_alias(subgraphs[target].input_aliases, link.pop("sub_target", None), target,
                                            graph.source, index, "sub_target")
            link["target"] = (target, new_target)
            extra_attrs.update(attrs)
        links.append({**extra_attrs, **link})
    return FlatGraph(dict(graph.graph), nodes, links, graph.source, subgraphs)


def _pick_alias(aliases: Dict[Any, Tuple[NodeId, dict]], name: Any, graph_node: NodeId, source, index: int, field: str,
                where: Optional[str] = None):
    where = where or f"links[{index}].{field}"
    if name is None:
        if len(aliases) == 1:
            return next(iter(aliases.values()))
        raise GraphFormatError(f"link to/from sub-graph node {node_label(graph_node)!r} needs {field!r}; choose one of "
                               f"[{name_list(sorted(map(str, aliases)))}]", source=source, field=where)
    name = normalize_id(name)
    if name in aliases:
        return aliases[name]
    raise GraphFormatError(f"sub-graph node {node_label(graph_node)!r} has no alias {name!r}; choose one of "
                           f"[{name_list(sorted(map(str, aliases)))}]", source=source, field=where)


def _apply_graph_node_inputs(node_id: NodeId, attrs: dict, sub: FlatGraph, nodes: Dict[NodeId, dict], source) -> None:
    """default_inputs of a graph node go to the sub-graph node named by 'id' (an input alias or node id)."""
    for item in attrs.get("default_inputs", []):
        alias = item.get("id")
        if alias is not None and normalize_id(alias) in sub.input_aliases:
            targets = [sub.input_aliases[normalize_id(alias)][0]]
        elif alias is not None and normalize_id(alias) in sub.nodes:
            targets = [normalize_id(alias)]
        elif alias is None:
            targets = [t for t, _ in sub.input_aliases.values()]
        else:
            raise GraphFormatError(f"default input {item.get('name')!r} names unknown sub-graph alias {alias!r}",
                                   source=source, node_id=node_id, field="default_inputs")
        for target in targets:
            flat = nodes[(node_id, target)]
            flat["default_inputs"] = [d for d in flat.get("default_inputs", []) if d["name"] != item["name"]] + [
                {"name": item["name"], "value": item.get("value")}]


def connect_default_error_handlers(flat: FlatGraph) -> None:
    """Link every node without an error handler to the default error nodes (as ewoks does)."""
    handlers: Dict[NodeId, dict] = {}
    for node_id, attrs in flat.nodes.items():
        if not attrs.pop("default_error_node", False):
            continue
        link_attrs = dict(attrs.pop("default_error_attributes", None) or {})
        link_attrs["on_error"] = True
        if not ({"map_all_data", "data_mapping"} & set(link_attrs)):
            link_attrs["map_all_data"] = True
        handlers[node_id] = link_attrs
    if not handlers:
        return
    successors: Dict[NodeId, List[NodeId]] = {n: [] for n in flat.nodes}
    has_handler = set()
    for link in flat.links:
        successors[link["source"]].append(link["target"])
        if link.get("on_error"):
            has_handler.add(link["source"])
    downstream_of_handlers = set()
    stack = list(handlers)
    while stack:
        for nxt in successors[stack.pop()]:
            if nxt not in downstream_of_handlers:
                downstream_of_handlers.add(nxt)
                stack.append(nxt)
    existing = {(link["source"], link["target"]) for link in flat.links}
    for source in flat.nodes:
        if source in handlers or source in has_handler or source in downstream_of_handlers:
            continue
        for target, link_attrs in handlers.items():
            if (source, target) not in existing:
                flat.links.append({"source": source, "target": target, **link_attrs})
    # A default error node that nothing can trigger would otherwise run as a start node.
    targets = {link["target"] for link in flat.links}
    removed = {h for h in handlers if h not in targets}
    changed = bool(removed)
    while changed:
        changed = False
        for node_id in list(flat.nodes):
            if node_id in removed:
                continue
            preds = {link["source"] for link in flat.links if link["target"] == node_id}
            if preds and preds <= removed:
                removed.add(node_id)
                changed = True
    for node_id in removed:
        del flat.nodes[node_id]
    flat.links[:] = [link for link in flat.links if link["source"] not in removed and link["target"] not in removed]
