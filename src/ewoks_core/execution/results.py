"""Selecting and merging workflow results (ewoks' `outputs` and `merge_outputs`)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

from ..errors import GraphFormatError
from ..graph.compiled import CompiledGraph, node_selector
from ..task.missing import MISSING

# (node_id, output name or None for all, new name or None)
Selection = List[Tuple[Any, Optional[str], Optional[str]]]


def parse_outputs(graph: CompiledGraph, outputs: Optional[Sequence[dict]]) -> Selection:
    """Resolve ewoks' outputs spec: None -> all outputs of the end nodes; [{"all": True}] -> every node;
    items with id/label/task_identifier select nodes, `name` one output and `new_name` renames it."""
    if outputs is None:
        outputs = [{"all": False}]
    selection: Selection = []
    for i, item in enumerate(outputs):
        if not isinstance(item, dict):
            raise GraphFormatError(f"outputs[{i}] must be a mapping", field="outputs")
        selector = node_selector(item)
        if selector:
            nodes = graph.find_nodes(**selector)
            if not nodes:
                raise GraphFormatError(f"outputs[{i}]: no node matches {selector}", field="outputs")
        elif item.get("all"):
            nodes = list(graph.nodes)
        else:
            nodes = list(graph.end_nodes)
        for nid in nodes:
            selection.append((nid, item.get("name"), item.get("new_name")))
    return selection


def nodes_to_keep(selection: Selection) -> Set[Any]:
    """Node ids whose outputs the job must keep in memory."""
    return {nid for nid, _, _ in selection}


def collect_results(graph: CompiledGraph, selection: Selection, node_outputs: Dict[Any, Dict[str, Any]],
                    merge_outputs: bool = True) -> Dict[Any, Any]:
    """Merged dict of the selected outputs of nodes that ran (graph order), or {node_id: outputs}."""
    order = {nid: n.order for nid, n in graph.nodes.items()}
    per_node: Dict[Any, Dict[str, Any]] = {}
    for nid, name, new_name in sorted(selection, key=lambda s: order[s[0]]):
        outputs = node_outputs.get(nid)
        if outputs is None:
            continue
        target = per_node.setdefault(nid, {})
        if name is None:
            target.update((k, v) for k, v in outputs.items() if v is not MISSING)
        elif outputs.get(name, MISSING) is not MISSING:
            target[new_name or name] = outputs[name]
    if not merge_outputs:
        return per_node
    merged: Dict[str, Any] = {}
    for values in per_node.values():
        merged.update(values)
    return merged
