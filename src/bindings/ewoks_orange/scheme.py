"""An ewoks graph as an Orange canvas `Scheme`: one SchemeNode per node, one SchemeLink per link."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Dict, Tuple

from ewoks_core.errors import node_label
from ewoks_core.graph.compiled import CompiledGraph

OUTPUT_CHANNEL = "outputs"  # a node's outputs (dict) after each run
INPUT_CHANNEL = "inputs"  # outputs of the nodes linked to this one (one link each)
_QUALIFIED_NAME = "ewoks_orange.scheme.EwoksNode"  # what Orange records as the node's implementation


class EwoksNode:
    """Marker named by the nodes' widget descriptions: the ewoks task runs through ewoks_core.run_node."""


@dataclass
class OrangeWorkflow:
    """The scheme of one graph and the Orange nodes of its node ids (and back)."""

    scheme: Any
    nodes: Dict[Any, Any]
    ids: Dict[Any, Any]


def workflow_scheme(graph: CompiledGraph) -> OrangeWorkflow:
    """Build the Orange scheme of a compiled graph (loops allowed: Orange's signal manager handles cycles)."""
    from orangecanvas.scheme import Scheme, SchemeLink, SchemeNode

    scheme = _indexed_scheme_class()(title=str(graph.label))
    scheme.set_loop_flags(Scheme.AllowLoops | Scheme.AllowSelfLoops)
    nodes: Dict[Any, Any] = {}
    descriptions: Dict[Tuple[str, str], Any] = {}
    for node_id, node in graph.nodes.items():
        identifier = node.task_identifier or node.task_type
        key = (node.task_type, identifier)
        description = descriptions.get(key)
        if description is None:
            description = descriptions[key] = _description(node.task_type, identifier)
        nodes[node_id] = SchemeNode(description, title=str(node.label),
                                    properties={"ewoks_node_id": node_label(node_id), "task_type": node.task_type,
                                                "task_identifier": identifier})
        scheme.add_node(nodes[node_id])
    seen = set()
    for link in graph.links:
        if (link.source, link.target) in seen:  # Orange allows one link per channel pair; one carries both
            continue
        seen.add((link.source, link.target))
        source, sink = nodes[link.source], nodes[link.target]
        scheme.add_link(SchemeLink(source, source.output_channel(OUTPUT_CHANNEL),
                                   sink, sink.input_channel(INPUT_CHANNEL)))
    return OrangeWorkflow(scheme, nodes, {orange: node_id for node_id, orange in nodes.items()})


def _description(task_type: str, identifier: str) -> Any:
    from orangecanvas.registry import InputSignal, OutputSignal, WidgetDescription
    from orangecanvas.registry.description import Multiple, NonDefault

    return WidgetDescription(
        name=identifier.rpartition(".")[2] or identifier, id=f"ewoks.{task_type}.{identifier}",
        qualified_name=_QUALIFIED_NAME, category="ewoks", description=f"ewoks {task_type} task {identifier}",
        inputs=[InputSignal(INPUT_CHANNEL, "builtins.object", "set_inputs", flags=Multiple | NonDefault)],
        outputs=[OutputSignal(OUTPUT_CHANNEL, "builtins.object")],
    )


@functools.lru_cache(maxsize=None)
def _indexed_scheme_class() -> type:
    """Orange's Scheme with its links indexed by node: `find_links` scans every link of the scheme,
    and the signal manager calls it for every node at every step (a chain of 300 nodes took 5 s)."""
    from orangecanvas.scheme import Scheme

    class IndexedScheme(Scheme):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self._by_source: Dict[Any, list] = {}
            self._by_sink: Dict[Any, list] = {}
            self._scanning = False
            super().__init__(*args, **kwargs)

        def insert_link(self, index: int, link: Any) -> None:
            self._scanning = True  # Scheme.insert_link checks and looks up the link: use its own scan
            try:
                super().insert_link(index, link)
            finally:
                self._scanning = False
            links = self.links
            for table, node in ((self._by_source, link.source_node), (self._by_sink, link.sink_node)):
                table.setdefault(node, []).append(link)
                if index < len(links) - 1:  # inserted before the end: keep the scheme's order
                    table[node].sort(key=links.index)

        def remove_link(self, link: Any) -> None:
            super().remove_link(link)
            for table, node in ((self._by_source, link.source_node), (self._by_sink, link.sink_node)):
                if link in table.get(node, ()):
                    table[node].remove(link)

        def find_links(self, source_node: Any = None, source_channel: Any = None, sink_node: Any = None,
                       sink_channel: Any = None) -> list:
            if self._scanning:
                return super().find_links(source_node, source_channel, sink_node, sink_channel)
            if source_node is not None:
                candidates = self._by_source.get(source_node, [])
            elif sink_node is not None:
                candidates = self._by_sink.get(sink_node, [])
            else:
                return super().find_links(source_node, source_channel, sink_node, sink_channel)
            return [lk for lk in candidates
                    if (sink_node is None or lk.sink_node == sink_node)
                    and (source_channel is None or lk.source_channel == source_channel)
                    and (sink_channel is None or lk.sink_channel == sink_channel)]

    return IndexedScheme
