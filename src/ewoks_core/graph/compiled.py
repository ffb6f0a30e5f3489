"""CompiledGraph: a flattened workflow analysed once for execution.

Everything an engine needs is computed here in linear time: link requiredness,
strongly connected components (cycles), start and end nodes, condition
tables and the capabilities the graph needs.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

from ..equality import values_equal
from ..errors import GraphFormatError, node_label
from .error_handlers import connect_default_error_handlers
from .selectors import (  # node_selector, apply_workflow_inputs, ewoks_node_name: re-exported
    apply_workflow_inputs,
    ewoks_node_name,
    label_matches,
    node_selector,
    tuple_tail_matches,
)
from .specs import LinkSpec, NodeSpec
from .subgraph import FlatGraph, flatten
from .workflow import NodeId, WorkflowGraph

__all__ = ["CompiledGraph", "Link", "Node", "compile_graph", "apply_workflow_inputs", "node_selector",
           "ewoks_node_name", "PPF_DICT", "PPF_TASK_TYPES"]

PPF_TASK_TYPES = ("ppfmethod", "ppfport")
PPF_DICT = "_ppfdict"


class Link:
    """One link with everything the execution needs: its spec's fields, and the analysis results."""

    __slots__ = ("index", "spec", "source", "target", "required", "on_error", "conditions", "map_all_data",
                 "data_mapping", "cache", "internal", "ppf_source")

    def __init__(self, index: int, spec: LinkSpec) -> None:
        self.index = index
        self.spec = spec
        self.source = spec.source
        self.target = spec.target
        self.on_error = spec.on_error
        self.map_all_data = spec.map_all_data
        self.data_mapping = spec.data_mapping
        self.cache = spec.cache
        # (source_output, value, covered values or None); covered values set for else-conditions
        conditions = spec.conditions
        self.conditions: Tuple[Tuple[Any, Any, Optional[tuple]], ...] = tuple(
            [(name, value, None) for name, value in conditions]) if conditions else ()
        self.required = False
        self.internal = False
        self.ppf_source = False  # conditions test the keys inside the source's _ppfdict output

    @property
    def conditional(self) -> bool:
        return self.on_error or bool(self.conditions)

    def __repr__(self) -> str:
        return f"Link({node_label(self.source)} -> {node_label(self.target)})"


class Node:
    """A node of a compiled graph: its spec, its links and the analysis results. `default_inputs`
    starts as the spec's and takes the workflow inputs of this run."""

    __slots__ = ("id", "spec", "order", "incoming", "outgoing", "scc", "is_start", "task_type",
                 "task_identifier", "default_inputs", "has_error_handler")

    def __init__(self, spec: NodeSpec, order: int) -> None:
        self.id = spec.id
        self.spec = spec
        self.order = order
        self.incoming: List[Link] = []
        self.outgoing: List[Link] = []
        self.scc = -1
        self.is_start = False
        self.task_type = spec.task_type
        self.task_identifier = spec.task_identifier
        self.default_inputs: Dict[Any, Any] = dict(spec.default_inputs) if "default_inputs" in spec.document else {}
        self.has_error_handler = False

    @property
    def label(self) -> str:
        """Its label, or its id as messages print it."""
        return self.spec.label or node_label(self.id)


class CompiledGraph:
    """The analysed, flattened workflow that engines execute."""

    def __init__(self, flat: FlatGraph, graph_id: Any) -> None:
        self.id = graph_id
        self.label = flat.graph.get("label") or str(graph_id)
        self.source = flat.source
        self.graph_attrs = flat.graph
        self.nodes: Dict[NodeId, Node] = {nid: Node(spec, i) for i, (nid, spec) in enumerate(flat.nodes.items())}
        nodes = self.nodes
        self.links: List[Link] = [Link(index, spec) for index, spec in enumerate(flat.links)]
        for link in self.links:
            source = nodes[link.source]
            if source.task_type in PPF_TASK_TYPES:
                link.ppf_source = True
            source.outgoing.append(link)
            nodes[link.target].incoming.append(link)
        self._else_conditions()
        self.scc_members: List[Sequence[NodeId]] = self._strongly_connected()
        self.cyclic_sccs: Set[int] = set()
        for i, members in enumerate(self.scc_members):
            if len(members) > 1:
                self.cyclic_sccs.add(i)
        for link in self.links:
            source = nodes[link.source]
            if source.scc == nodes[link.target].scc:
                link.internal = True
                if link.source == link.target:
                    self.cyclic_sccs.add(source.scc)
            if link.on_error:
                source.has_error_handler = True
        self._requiredness()
        self.start_nodes: List[NodeId] = self._start_nodes()
        self.end_nodes: List[NodeId] = self._end_nodes()

    # -- analysis ---------------------------------------------------------------------
    def _else_conditions(self) -> None:
        """A condition whose value equals the source's conditions_else_value (None when not set, as in
        ewoks) holds when no sibling condition's value does."""
        for node in self.nodes.values():
            if not node.outgoing or not any(link.conditions for link in node.outgoing):
                continue
            else_value = node.spec.conditions_else_value
            covered: Dict[Any, list] = {}
            for link in node.outgoing:
                for name, value, _ in link.conditions:
                    if not values_equal(value, else_value):
                        covered.setdefault(name, []).append(value)
            for link in node.outgoing:
                link.conditions = tuple(
                    (name, value, tuple(covered.get(name, ())) if values_equal(value, else_value) else None)
                    for name, value, _ in link.conditions)

    def _strongly_connected(self) -> List[Sequence[NodeId]]:
        """Iterative Tarjan; SCCs come out in reverse topological order, we store them topologically."""
        index: Dict[NodeId, int] = {}
        low: Dict[NodeId, int] = {}
        on_stack: Set[NodeId] = set()
        stack: List[NodeId] = []
        result: List[Sequence[NodeId]] = []
        counter = 0
        for root in self.nodes:
            if root in index:
                continue
            work = [(root, iter(self.nodes[root].outgoing))]
            index[root] = low[root] = counter
            counter += 1
            stack.append(root)
            on_stack.add(root)
            while work:
                node_id, links = work[-1]
                advanced = False
                for link in links:
                    nxt = link.target
                    if nxt not in index:
                        index[nxt] = low[nxt] = counter
                        counter += 1
                        stack.append(nxt)
                        on_stack.add(nxt)
                        work.append((nxt, iter(self.nodes[nxt].outgoing)))
                        advanced = True
                        break
                    if nxt in on_stack and index[nxt] < low[node_id]:
                        low[node_id] = index[nxt]
                if advanced:
                    continue
                work.pop()
                if work and low[node_id] < low[work[-1][0]]:
                    low[work[-1][0]] = low[node_id]
                if low[node_id] == index[node_id]:
                    members = []
                    while True:
                        m = stack.pop()
                        on_stack.discard(m)
                        members.append(m)
                        if m == node_id:
                            break
                    # a tuple for a node alone (most): the collector stops scanning a tuple of plain ids
                    result.append(members if len(members) > 1 else (node_id,))
        result.reverse()
        nodes = self.nodes
        for i, component in enumerate(result):
            if isinstance(component, list):
                component.sort(key=lambda nid: nodes[nid].order)
            for m in component:
                nodes[m].scc = i
        return result

    def _requiredness(self) -> None:
        """ewoks rule in linear time: explicit `required` wins, conditional links are optional, and a
        plain link is optional when any optional link lies upstream of its source."""
        tainted: Set[NodeId] = set()
        stack: List[NodeId] = []
        for link in self.links:
            explicit = link.spec.required
            if explicit is False or (explicit is None and link.conditional):
                if link.target not in tainted:
                    tainted.add(link.target)
                    stack.append(link.target)
        while stack:
            for link in self.nodes[stack.pop()].outgoing:
                if link.target not in tainted:
                    tainted.add(link.target)
                    stack.append(link.target)
        for link in self.links:
            explicit = link.spec.required
            if explicit is not None:
                link.required = explicit
            else:
                link.required = not link.conditional and link.source not in tainted

    def _start_nodes(self) -> List[NodeId]:
        """Nodes without predecessors and force_start_node ones. When every node has a predecessor,
        ewoks' rule: the class tasks whose required inputs are all static (default or workflow
        inputs) and that have no required incoming link."""
        starts = [nid for nid, n in self.nodes.items() if n.spec.force_start_node or not n.incoming]
        self.start_from_static_inputs = not starts
        if not starts:
            starts = [nid for nid, n in self.nodes.items()
                      if not any(link.required for link in n.incoming) and _has_static_required_inputs(n)]
        for node in self.nodes.values():
            node.is_start = False
        for nid in starts:
            self.nodes[nid].is_start = True
        return starts

    def update_start_nodes(self) -> None:
        """Recompute the start nodes once workflow inputs are applied (they count as static inputs)."""
        if self.start_from_static_inputs:
            self.start_nodes = self._start_nodes()

    def check_start_nodes(self) -> None:
        """A graph with nodes must have somewhere to start."""
        if self.nodes and not self.start_nodes:
            raise GraphFormatError(
                "no start node: every node has a predecessor, and none has all its required inputs from "
                "default_inputs or workflow inputs without a required incoming link (how ewoks finds where a "
                "loop starts)", source=self.source,
                hint="Mark where the loop starts with force_start_node: true, or give that node's required "
                     "inputs as default_inputs.")

    def _end_nodes(self) -> List[NodeId]:
        pure = [nid for nid, n in self.nodes.items() if all(link.on_error for link in n.outgoing)]
        if pure:
            return pure
        return [nid for nid, n in self.nodes.items() if _has_uncovered_conditions(n)]

    # -- queries ----------------------------------------------------------------------
    @property
    def is_cyclic(self) -> bool:
        return bool(self.cyclic_sccs)

    def required_capabilities(self) -> Set[str]:
        """Capabilities an engine needs to run this graph."""
        needs = {"dag"}
        if any(link.conditions for link in self.links):
            needs.add("conditions")
        if any(link.on_error for link in self.links):
            needs.add("on_error")
        if self.is_cyclic:
            needs.add("cycles")
        return needs

    def cycle_example(self) -> List[NodeId]:
        """The members of one cycle, for error messages."""
        for i in sorted(self.cyclic_sccs):
            return list(self.scc_members[i])
        return []

    def find_nodes(self, *, id: Any = None, label: Any = None, task_identifier: Any = None) -> List[NodeId]:
        """Node ids matching a selector of ewoks' inputs/outputs items: `label` is the node's label
        (a node without one is labelled by its id, 'g:n' or 'g/n' for a sub-graph node) and
        `task_identifier` matches the end of the node's task identifier, as in ewoks."""
        found = []
        for nid, node in self.nodes.items():
            if id is not None and nid != id and not (isinstance(nid, tuple) and tuple_tail_matches(nid, id)):
                continue
            if label is not None and not label_matches(nid, node, label):
                continue
            if task_identifier is not None and not (isinstance(node.task_identifier, str) and
                                                    node.task_identifier.endswith(str(task_identifier))):
                continue
            found.append(nid)
        if not found and id is not None:  # as printed: 'sub/node' for a sub-graph node, '3' for 3
            wanted = node_label(id)
            found = [nid for nid in self.nodes if node_label(nid) == wanted and
                     (label is None or label_matches(nid, self.nodes[nid], label)) and
                     (task_identifier is None or str(self.nodes[nid].task_identifier).endswith(str(task_identifier)))]
        return found

    def __repr__(self) -> str:
        return (f"CompiledGraph(id={self.id!r}, nodes={len(self.nodes)}, links={len(self.links)}, "
                f"cyclic={self.is_cyclic})")


def _has_uncovered_conditions(node: Node) -> bool:
    """ewoks' node_has_noncovered_conditions, to the letter (it decides the end nodes of graphs where
    every node has a successor): a condition value holds no other branch when the else value is not
    among the values tested on that output; a True/False value never counts as covered."""
    else_value = node.spec.conditions_else_value
    values: Dict[Any, list] = {}
    for link in node.outgoing:
        for name, value, _ in link.conditions:
            values.setdefault(name, []).append(value)
    for vals in values.values():
        for value in vals:
            if _is_boolean_key(value) or not any(values_equal(v, else_value) for v in vals):
                return True
    return False


def _has_static_required_inputs(node: Node) -> bool:
    """ewoks' has_required_static_inputs: only class tasks can tell (other task types never start this way)."""
    if node.task_type != "class":
        return False
    from ..task.discovery import resolve_task_class

    cls = resolve_task_class(node.task_type, node.task_identifier, node.id, node.spec.document)
    return set(cls.required_input_names()) <= set(node.default_inputs)


def _is_boolean_key(value: Any) -> bool:
    """True, False and the numbers equal to them (a dict lookup in ewoks)."""
    try:
        return hash(value) in (0, 1) and value in (True, False)
    except Exception:  # unhashable, or numpy values without a truth value
        return False


def compile_graph(graph: WorkflowGraph, *, inputs: Optional[Sequence[dict]] = None,
                  root_dir: Optional[str] = None, root_module: Optional[str] = None) -> CompiledGraph:
    """Flatten sub-graphs, add default error links, apply workflow inputs and analyse the graph."""
    flat = flatten(graph, root_dir, root_module)
    connect_default_error_handlers(flat)
    compiled = CompiledGraph(flat, graph.id)
    if inputs:
        apply_workflow_inputs(compiled, inputs)
        compiled.update_start_nodes()
    compiled.check_start_nodes()
    return compiled
