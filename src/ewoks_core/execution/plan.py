"""Runs decided up front: what a backend may submit as one graph instead of node by node.

A node runs exactly once, after all its sources succeeded, with inputs that only depend on their
outputs, when it is a start node without incoming links, or when every incoming link is plain
(no conditions, not on_error, outside any cycle) and comes from such a node. Its run is then known
before anything runs: the plan is every such node, the part of the workflow before the first
condition, error handler target, cycle or cached result (varinfo). A backend that has
`submit_many` (a dask.distributed client: one graph, no client round trip per node) receives the
plan at the start; the rest runs dynamically, decided by the JobState as the job goes (planned
nodes that feed it are `urgent`: their outcomes are needed in the calling process at once).

The JobState still records every outcome in the calling process, in an order it accepts, and
decides the job's result, events and errors as for any run (engines.driver). A planned node whose
source did not succeed does not start (`run_planned` returns None), as dynamically: a failed
source without error handler fails the job; one with an error handler delivers nothing on its
plain links, which are then required (a link that is not required from a node with an error
handler is decided while the job runs: its target is not planned).
"""

from __future__ import annotations

from typing import Any, Dict, List, NamedTuple, Optional, Tuple

from ..graph.compiled import CompiledGraph, Link, Node
from ..graph.specs import NodeSpec
from ..task.missing import MISSING
from .flags import WorkerFlags
from .outcome import NodeOutcome, NodeRun
from .remote import run_in_worker


class PlannedNode(NamedTuple):
    """One node of a plan: its sources in link order, what it needs to assemble its inputs."""

    node_id: Any
    sources: Tuple[Any, ...]  # node ids, one per incoming link (same order as `links`)
    links: Tuple[Tuple[bool, Tuple[Tuple[Any, Any], ...]], ...]  # (map_all_data, data_mapping) per link
    defaults: Dict[Any, Any]
    urgent: bool = False  # a node outside the plan takes its outcome (or its error)


def static_plan(graph: CompiledGraph, varinfo: Optional[dict] = None) -> Optional[List[PlannedNode]]:
    """The runs decided up front, in topological order (see the module docstring); None when there are none."""
    if varinfo or not graph.nodes:
        return None  # persisted results may come from a cache and carry URIs: dynamic
    attrs = graph.graph_attrs
    if isinstance(attrs, dict) and attrs.get("stream") is not None:
        return None  # a stream (ewoks_core.stream): its items arrive while the job runs
    starts = set(graph.start_nodes)
    nodes = graph.nodes
    planned: Dict[Any, Node] = {}
    for node in sorted(nodes.values(), key=lambda n: n.scc):  # SCCs are numbered topologically
        if node.scc in graph.cyclic_sccs or node.spec.varinfo or (node.id in starts) != (not node.incoming):
            continue
        if all(_plain(link, nodes[link.source]) and link.source in planned for link in node.incoming):
            planned[node.id] = node
    if not planned:
        return None
    return [PlannedNode(node.id, tuple(link.source for link in node.incoming),
                        tuple(_link_spec(link) for link in node.incoming), dict(node.default_inputs),
                        any(link.target not in planned for link in node.outgoing))
            for node in planned.values()]


def _plain(link: Link, source: Node) -> bool:
    """The link delivers the source's outputs whenever its target can run (see the module docstring)."""
    if link.conditions or link.on_error or link.internal or link.source == link.target:
        return False
    return link.required or not source.has_error_handler


def _link_spec(link: Link) -> Tuple[bool, Tuple[Tuple[Any, Any], ...]]:
    return link.map_all_data, link.data_mapping


def planned_inputs(planned: PlannedNode, outputs: List[Dict[str, Any]]) -> Dict[Any, Any]:
    """The inputs JobState assembles for the node's one run: defaults, then each link's data in link
    order (execution.links.link_data; raises as it does when a mapped output is missing)."""
    inputs = dict(planned.defaults)
    for (map_all, mapping), values in zip(planned.links, outputs, strict=True):
        if map_all:
            inputs.update({k: v for k, v in values.items() if v is not MISSING})
            continue
        for source_output, target_input in mapping:
            if source_output is None:
                inputs[target_input] = {k: v for k, v in values.items() if v is not MISSING}
                continue
            value = values[source_output]
            if value is not MISSING:
                inputs[target_input] = value
    return inputs


def run_planned(spec: NodeSpec, planned: PlannedNode, ctx_config: dict, flags: WorkerFlags,
                relay_events: bool, *upstream: Optional[NodeOutcome]) -> Optional[NodeOutcome]:
    """Worker side: the node's run from its sources' outcomes (None: a source did not succeed, or
    its outputs lack a mapped name; the JobState fails the job there and this node never starts)."""
    for outcome in upstream:
        if outcome is None or outcome.error is not None:
            return None
    try:
        inputs = planned_inputs(planned, [outcome.outputs or {} for outcome in upstream])  # type: ignore[union-attr]
    except (KeyError, TypeError):
        return None
    return run_in_worker(spec, NodeRun(planned.node_id, inputs), ctx_config, flags, relay_events)
