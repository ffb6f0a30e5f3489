"""ewoks' inputs/outputs items: which nodes a selector ({id | label | task_identifier}) names, and
applying workflow inputs to a compiled graph."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Sequence

from ..errors import GraphFormatError, node_label

if TYPE_CHECKING:
    from .compiled import CompiledGraph, Node


def label_matches(nid: Any, node: "Node", label: Any) -> bool:
    """ewoks' label selector: the node's label, or its id when it has none ('g:n' or 'g/n' in a sub-graph)."""
    own = node.spec.label
    if own:
        return own == label
    return label in (node_label(nid), ewoks_node_name(nid))


def ewoks_node_name(node_id: Any) -> str:
    """A node id as ewoks prints it: sub-graph levels joined with ':'."""
    if isinstance(node_id, tuple):
        return ":".join(ewoks_node_name(part) for part in node_id)
    return str(node_id)


def tuple_tail_matches(nid: tuple, wanted: Any) -> bool:
    """A flattened node id given as a list or a tuple."""
    if isinstance(wanted, list):
        wanted = tuple(wanted)
    return nid == wanted


def node_selector(item: dict) -> Dict[str, Any]:
    """The node selector of an ewoks inputs/outputs item: its id/label/task_identifier keys that are
    set (a JSON list id becomes the tuple id of a sub-graph node). Empty: no selector."""
    selector = {k: item[k] for k in ("id", "label", "task_identifier") if item.get(k) is not None}
    if isinstance(selector.get("id"), list):
        selector["id"] = tuple(selector["id"])
    return selector


def apply_workflow_inputs(compiled: "CompiledGraph", inputs: Sequence[dict]) -> None:
    """ewoks' `inputs=[{"id"|"label"|"task_identifier": ..., "name":..., "value":..., "all": bool}]`.

    Without a selector an input goes to the start nodes, or to all nodes with all=True.
    Workflow inputs take priority over default_inputs.
    """
    for i, item in enumerate(inputs):
        if not isinstance(item, dict) or "name" not in item:
            raise GraphFormatError(f"workflow input #{i} must be a mapping with 'name' and 'value'", field="inputs")
        selector = node_selector(item)
        if selector:
            targets = compiled.find_nodes(**selector)
            if not targets:
                from ..errors import did_you_mean

                what, value = next(iter(selector.items()))
                if what == "id":
                    names = [node_label(n) for n in compiled.nodes]
                else:
                    names = [str(getattr(n.spec, what)) for n in compiled.nodes.values()]
                raise GraphFormatError(f"workflow input {item['name']!r}: no node with {what} {value!r}."
                                       f"{did_you_mean(str(value), names)}", field="inputs")
        elif item.get("all"):
            targets = list(compiled.nodes)
        else:
            targets = compiled.start_nodes
        for nid in targets:
            compiled.nodes[nid].default_inputs[item["name"]] = item.get("value")
