"""Runs decided up front: what a backend may submit as one graph instead of node by node.

A workflow without conditions, error handlers, cycles or re-started nodes runs every node exactly
once, after all its sources succeeded, with inputs that only depend on their outputs. Then the
JobState's decisions are known before anything runs, and a backend that has `submit_many` (a
dask.distributed client: one graph, no client round trip per node) receives the whole plan at
the start. The JobState still records every outcome in the calling process, in an order it
accepts, and decides the job's result, events and errors as for any run (engines.driver); a
node whose source failed does not start (`run_planned` returns None: the job fails at the
source, as it would dynamically).

Nodes are only planned when the whole workflow qualifies (the simplest sound case: no run
depends on a decision taken while the job runs); anything else runs dynamically.
"""

from __future__ import annotations

from typing import Any, Dict, List, NamedTuple, Optional, Tuple

from ..graph.compiled import CompiledGraph, Link
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


def static_plan(graph: CompiledGraph, varinfo: Optional[dict] = None) -> Optional[List[PlannedNode]]:
    """Every node's run decided up front, in topological order; None when any run depends on the job."""
    if varinfo or graph.cyclic_sccs or not graph.nodes:
        return None  # persisted results may come from a cache and carry URIs: dynamic
    attrs = graph.graph_attrs
    if isinstance(attrs, dict) and attrs.get("stream") is not None:
        return None  # a stream (ewoks_core.stream): its items arrive while the job runs
    for link in graph.links:
        if link.conditions or link.on_error or link.internal or link.source == link.target:
            return None
    starts = set(graph.start_nodes)
    for node in graph.nodes.values():
        if node.has_error_handler or node.spec.varinfo or (node.id in starts) != (not node.incoming):
            return None
    order = sorted(graph.nodes.values(), key=lambda n: n.scc)  # SCCs are numbered topologically
    return [PlannedNode(node.id, tuple(link.source for link in node.incoming), tuple(_link_spec(link)
                        for link in node.incoming), dict(node.default_inputs)) for node in order]


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
