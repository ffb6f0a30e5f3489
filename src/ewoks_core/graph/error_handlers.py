"""Default error handlers: a node with `default_error_node: true` handles the errors of every node
that has no error handler of its own (ewoks' connect_default_error_handlers)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Dict, List

from .specs import LinkSpec

if TYPE_CHECKING:
    from .subgraph import FlatGraph
    from .workflow import NodeId


_HANDLER_KEYS = ("default_error_node", "default_error_attributes")


def connect_default_error_handlers(flat: "FlatGraph") -> None:
    """Link every node without an error handler to the default error nodes (as ewoks does)."""
    handlers: Dict["NodeId", dict] = {}
    for node_id, spec in flat.nodes.items():
        if not spec.default_error_node:
            continue
        link_attrs = dict(spec.default_error_attributes or {})
        link_attrs["on_error"] = True
        if not ({"map_all_data", "data_mapping"} & set(link_attrs)):
            link_attrs["map_all_data"] = True
        handlers[node_id] = link_attrs
        # handled here, once: a parent graph flattening this sub-graph must not connect it again
        flat.nodes[node_id] = spec.without(_HANDLER_KEYS)
    if not handlers:
        return
    successors: Dict["NodeId", List["NodeId"]] = {n: [] for n in flat.nodes}
    has_handler = set()
    for link in flat.links:
        successors[link.source].append(link.target)
        if link.on_error:
            has_handler.add(link.source)
    downstream_of_handlers = set()
    stack = list(handlers)
    while stack:
        for nxt in successors[stack.pop()]:
            if nxt not in downstream_of_handlers:
                downstream_of_handlers.add(nxt)
                stack.append(nxt)
    existing = {(link.source, link.target) for link in flat.links}
    for source in flat.nodes:
        if source in handlers or source in has_handler or source in downstream_of_handlers:
            continue
        for target, link_attrs in handlers.items():
            if (source, target) not in existing:
                flat.links.append(LinkSpec.from_dict({"source": source, "target": target, **link_attrs}))
    # A default error node that nothing can trigger would otherwise run as a start node.
    targets = {link.target for link in flat.links}
    removed = {h for h in handlers if h not in targets}
    changed = bool(removed)
    while changed:
        changed = False
        for node_id in list(flat.nodes):
            if node_id in removed:
                continue
            preds = {link.source for link in flat.links if link.target == node_id}
            if preds and preds <= removed:
                removed.add(node_id)
                changed = True
    for node_id in removed:
        del flat.nodes[node_id]
    flat.links[:] = [link for link in flat.links if link.source not in removed and link.target not in removed]
