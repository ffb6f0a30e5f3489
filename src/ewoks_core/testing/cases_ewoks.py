"""Conformance cases of ewoks' own behaviour, which files written for ewoks rely on.

Sub-workflows given inline or by file name without extension, aliases naming several nodes, links
naming inner nodes, sub_target_attributes, graph node attributes given to the input nodes, each
sub-graph's own default error nodes; conditions of ppfmethod links testing keys inside _ppfdict;
the default else value None; start nodes of graphs where every node has a predecessor; what an
error handler receives. Expected values are written by hand from these rules (docs/semantics.md
and docs/format.md "Compatibility with ewoks"), never computed by an engine.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List

from .builders import cond, graph, link, node
from .case import FAILED, OK, Case, failure, loop_runs

PPF: Dict[str, Any] = {"task_type": "ppfmethod"}


def _offset_sub(b: int = 100) -> dict:
    """A sub-workflow: node add (SumTask, b) behind the aliases in/out."""
    return graph("offset", [node("add", "SumTask", {"b": b})], [],
                 input_nodes=[{"id": "in", "node": "add"}], output_nodes=[{"id": "out", "node": "add"}])


def _around(name: str, sub: Any, **graph_node_attrs: Any) -> dict:
    """P1 (a=1) -> G (sub, in -> out) -> P2 (b=1000)."""
    return graph(name, [node("P1", "SumTask", {"a": 1}), node("G", sub, task_type="graph", **graph_node_attrs),
                        node("P2", "SumTask", {"b": 1000})],
                 [link("P1", "G", {"result": "a"}, sub_target="in"),
                  link("G", "P2", {"result": "a"}, sub_source="out")])


def _around_case(name: str, sub: Any, **kw: Any) -> Case:
    return Case(name, _around(name, sub), {"result": 1101},
                {"P1": {"result": 1}, "G/add": {"result": 101}, "P2": {"result": 1101}},
                {"P1": OK, "G/add": OK, "P2": OK}, **kw)


def _in_memory_subgraph_cases() -> List[Case]:
    """A sub-workflow given as a loaded graph object, and as a networkx graph when networkx is installed."""
    from ..graph.workflow import load_graph

    cases = [_around_case("subgraph_loaded_object", load_graph(_offset_sub()))]
    try:
        from ..graph.io import to_networkx

        cases.append(_around_case("subgraph_networkx", to_networkx(_offset_sub())))
    except Exception:  # networkx is optional
        pass
    return cases


_LEVEL3 = graph("lvl3", [node("deep", "SumTask", {"b": 3000})], [], input_nodes=[{"id": "in", "node": "deep"}],
                output_nodes=[{"id": "out", "node": "deep"}])
_LEVEL2 = graph("lvl2", [node("mid", "SumTask", {"b": 200}), node("g3", _LEVEL3, task_type="graph")],
                [link("mid", "g3", {"result": "a"}, sub_target="in")], input_nodes=[{"id": "in", "node": "mid"}],
                output_nodes=[{"id": "out", "node": "g3", "sub_node": "out"}])

EWOKS_CASES: List[Case] = [
    # -- sub-workflows ---------------------------------------------------------------------------
    _around_case("subgraph_inline_dict", _offset_sub()),
    _around_case("subgraph_inline_json_string", json.dumps(_offset_sub())),
    *_in_memory_subgraph_cases(),
    _around_case("subgraph_file_without_extension", "offset", subgraphs={"offset.yaml": _offset_sub()}),
    Case("subgraph_nested_inline",
         graph("subgraph_nested_inline", [node("P1", "SumTask", {"a": 1}), node("G", _LEVEL2, task_type="graph")],
               [link("P1", "G", {"result": "a"}, sub_target="in")]),
         {"result": 3201}, {"P1": {"result": 1}, "G/mid": {"result": 201}, "G/g3/deep": {"result": 3201}},
         {"P1": OK, "G/mid": OK, "G/g3/deep": OK}),
    Case("subgraph_alias_to_two_nodes",  # one alias id given twice: the link goes to both nodes
         graph("subgraph_alias_to_two_nodes",
               [node("P1", "SumTask", {"a": 10}), node("G", "fan.json", task_type="graph"), node("P2", "SumTask")],
               [link("P1", "G", {"result": "a"}, sub_target="in"),
                link("G", "P2", {"result": "a"}, sub_source="out")]),
         {"a": 10, "result": 11}, {"P1": {"result": 10}, "G/l": {"result": 11}, "G/r": {"a": 10}, "P2": {"result": 11}},
         {"P1": OK, "G/l": OK, "G/r": OK, "P2": OK},
         subgraphs={"fan.json": graph("fan", [node("l", "SumTask", {"b": 1}), node("r", "Echo")], [],
                                      input_nodes=[{"id": "in", "node": "l"}, {"id": "in", "node": "r"}],
                                      output_nodes=[{"id": "out", "node": "l"}])}),
    Case("subgraph_link_to_inner_node_id",  # no alias of that name: sub_target/sub_source name inner nodes
         graph("subgraph_link_to_inner_node_id",
               [node("P1", "SumTask", {"a": 1}), node("G", "pair.json", task_type="graph"), node("P2", "SumTask")],
               [link("P1", "G", {"result": "a"}, sub_target="first"),
                link("G", "P2", {"result": "a"}, sub_source="second")]),
         {"result": 13}, {"P1": {"result": 1}, "G/first": {"result": 3}, "G/second": {"result": 13},
                          "P2": {"result": 13}},
         {"P1": OK, "G/first": OK, "G/second": OK, "P2": OK},
         subgraphs={"pair.json": graph("pair", [node("first", "SumTask", {"b": 2}), node("second", "SumTask",
                                                                                          {"b": 10})],
                                       [link("first", "second", {"result": "a"})])}),
    Case("subgraph_target_attributes",  # attributes given to the inner target node (default_inputs replaced)
         graph("subgraph_target_attributes",
               [node("P1", "SumTask", {"a": 1}), node("G", _offset_sub(), task_type="graph")],
               [link("P1", "G", {"result": "a"}, sub_target="in",
                     sub_target_attributes={"default_inputs": [{"name": "b", "value": 7}]})]),
         {"result": 8}, {"P1": {"result": 1}, "G/add": {"result": 8}}, {"P1": OK, "G/add": OK}),
    Case("subgraph_node_inputs_replace_inner",  # a graph node's default_inputs replace its input nodes' own
         graph("subgraph_node_inputs_replace_inner", [node("G", _offset_sub(), {"a": 5}, task_type="graph")], []),
         {"result": 5}, {"G/add": {"result": 5}}, {"G/add": OK}),
    Case("subgraph_own_default_error_node",  # handles the sub-graph's nodes only: F fails the workflow
         graph("subgraph_own_default_error_node",
               [node("P", "SumTask", {"a": 1}), node("G", "guarded.json", task_type="graph"), node("F", "Fail")],
               [link("P", "G", {"result": "a"}, sub_target="in"), link("G", "F", {"result": "a"}, sub_source="out")]),
         {}, {"P": {"result": 1}, "G/s": {"result": 2}}, {"P": OK, "G/s": OK, "F": FAILED}, error_node="F",
         subgraphs={"guarded.json": graph("guarded", [node("s", "SumTask", {"b": 1}),
                                                      node("h", "ErrorReport", default_error_node=True)], [],
                                          input_nodes=[{"id": "in", "node": "s"}],
                                          output_nodes=[{"id": "out", "node": "s"}])}),
    # -- ppfmethod: conditions test keys inside _ppfdict -----------------------------------------
    Case("ppf_loop_condition_in_dict",
         graph("ppf_loop_condition_in_dict",
               [node("a", "ewoks_core.testing.tasks.ppf_add", {"a": 0, "limit": 3}, force_start_node=True, **PPF),
                node("c", "ewoks_core.testing.tasks.ppf_check", **PPF), {"id": "end", "task_type": "ppfport"}],
               [link("a", "c", map_all_data=True),
                link("c", "a", map_all_data=True, conditions=cond(doContinue="true")),
                link("c", "end", map_all_data=True, conditions=cond(doContinue="false"))]),
         {"_ppfdict": {"a": 3, "limit": 3, "doContinue": "false"}},
         {"a": {"_ppfdict": {"a": 3, "limit": 3, "doContinue": "true"}},
          "c": {"_ppfdict": {"a": 3, "limit": 3, "doContinue": "false"}},
          "end": {"_ppfdict": {"a": 3, "limit": 3, "doContinue": "false"}}},
         {"a": loop_runs(3), "c": loop_runs(3), "end": OK}, needs={"dag", "conditions", "cycles"}),
    Case("ppf_condition_else_none",
         graph("ppf_condition_else_none",
               [node("c", "ewoks_core.testing.tasks.ppf_check", {"a": 5}, **PPF), node("x", "SumTask", {"a": 1}),
                node("y", "SumTask", {"a": 2})],
               [link("c", "x", conditions=cond(doContinue="true")), link("c", "y", conditions=cond(doContinue=None))]),
         {"result": 2}, {"c": {"_ppfdict": {"a": 5, "doContinue": "false"}}, "y": {"result": 2}}, {"c": OK, "y": OK},
         needs={"dag", "conditions"}),
    # -- the default else value is None ----------------------------------------------------------
    Case("else_none_by_default",
         graph("else_none_by_default",
               [node("A", "Classify", {"value": 5}), node("B", "SumTask", {"a": 1}), node("C", "SumTask", {"a": 2}),
                node("D", "SumTask")],
               [link("A", "B", conditions=cond(category="small")), link("A", "C", conditions=cond(category="large")),
                link("A", "D", {"value": "a"}, conditions=cond(category=None))]),
         {"result": 5}, {"A": {"value": 5, "category": "medium"}, "D": {"result": 5}}, {"A": OK, "D": OK},
         needs={"dag", "conditions"}),
    Case("loop_ends_on_else_none",
         graph("loop_ends_on_else_none",
               [node("S", "Status", {"x": 0, "limit": 3}, force_start_node=True), node("E", "Echo")],
               [link("S", "S", {"x": "x"}, conditions=cond(status="continue")),
                link("S", "E", {"x": "x"}, conditions=cond(status=None))]),
         {"x": 3}, {"S": {"x": 3, "status": "done"}, "E": {"x": 3}}, {"S": loop_runs(3), "E": OK},
         needs={"dag", "conditions", "cycles"}),
    Case("every_firing_runs_the_target",  # S fires at M three times: three runs of M, whenever R arrives
         graph("every_firing_runs_the_target",
               [node("S", "Increment", {"x": 0, "limit": 3}, force_start_node=True), node("R", "SumTask", {"a": 100}),
                node("M", "SumTask")],
               [link("S", "S", {"x": "x"}, conditions=cond(below_limit=True)), link("S", "M", {"x": "a"}),
                link("R", "M", {"result": "b"})]),
         {"result": 103}, {"S": {"x": 3, "below_limit": False}, "R": {"result": 100}, "M": {"result": 103}},
         {"S": loop_runs(3), "R": OK, "M": loop_runs(3)}, needs={"dag", "conditions", "cycles"}),
    # -- graphs where every node has a predecessor -------------------------------------------------
    Case("start_from_static_inputs",  # A has all its required inputs and no required incoming link
         graph("start_from_static_inputs",
               [node("A", "SumTask", {"a": 0, "b": 1}), node("B", "Increment", {"limit": 3}),
                node("C", "SumTask", {"b": 100})],
               [link("A", "B", {"result": "x"}), link("B", "A", {"x": "a"}, conditions=cond(below_limit=True)),
                link("B", "C", {"x": "a"}, conditions=cond(below_limit=False))]),
         {"result": 104}, {"A": {"result": 3}, "B": {"x": 4, "below_limit": False}, "C": {"result": 104}},
         {"A": loop_runs(2), "B": loop_runs(2), "C": OK}, needs={"dag", "conditions", "cycles"}),
    Case("start_also_a_task_without_required_inputs",  # E starts too, and runs again when the loop ends
         graph("start_also_a_task_without_required_inputs",
               [node("A", "SumTask", {"a": 0, "b": 1}), node("B", "Increment", {"limit": 3}), node("E", "Echo")],
               [link("A", "B", {"result": "x"}), link("B", "A", {"x": "a"}, conditions=cond(below_limit=True)),
                link("B", "E", {"x": "x"}, conditions=cond(below_limit=False))]),
         {"x": 4}, {"A": {"result": 3}, "B": {"x": 4, "below_limit": False}, "E": {"x": 4}},
         {"A": loop_runs(2), "B": loop_runs(2), "E": loop_runs(2)}, needs={"dag", "conditions", "cycles"}),
    Case("no_start_node_refused",
         graph("no_start_node_refused", [node("A", "SumTask", {"b": 1}), node("B", "Increment", {"limit": 3})],
               [link("A", "B", {"result": "x"}), link("B", "A", {"x": "a"}, conditions=cond(below_limit=True))]),
         {}, {}, {}, refused=["no start node", "force_start_node"]),  # refused by every engine
    # -- what an error handler receives ----------------------------------------------------------
    Case("error_handler_gets_the_failed_inputs",
         graph("error_handler_gets_the_failed_inputs",
               [node("a", "SumTask", {"a": 5}), node("f", "Fail"), node("h", "ErrorInputs")],
               [link("a", "f", {"result": "a"}), link("f", "h", on_error=True, map_all_data=True)]),
         {"a": 5, "error_message": failure("f")}, {"a": {"result": 5}, "h": {"a": 5, "error_message": failure("f")}},
         {"a": OK, "f": FAILED, "h": OK}, needs={"dag", "on_error"}),
]
