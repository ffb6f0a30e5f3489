"""The conformance catalogue: graphs with their expected results and node events.

Every engine runs these (see ewoks_core.testing.runner). Expected values are
written by hand from DESIGN.md's semantics, never computed by an engine.
Node events are listed per node as "start", "end" and "end!" (end with error).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Set

from .builders import cond, graph, link, node

OK = ["start", "end"]
FAILED = ["start", "end!"]


@dataclass
class Case:
    """One conformance case."""

    name: str
    graph: dict
    results: Dict[str, Any]
    node_results: Dict[str, Dict[str, Any]]
    events: Dict[str, List[str]]
    inputs: Optional[list] = None
    subgraphs: Dict[str, dict] = field(default_factory=dict)
    error_node: Optional[str] = None
    needs: Set[str] = field(default_factory=lambda: {"dag"})


def _loop_runs(n: int) -> List[str]:
    return OK * n


def failure(node_id: str, task: str = "Fail", message: str = "intentional failure") -> str:
    """The errorMessage an on_error link delivers (ewoks' words) for a task of ewoks_core.testing.tasks."""
    return f"Execution failed for ewoks task {node_id!r} (id: {node_id!r}, task: 'ewoks_core.testing.tasks.{task}'): " \
           f"{message}"


CASES: List[Case] = [
    Case("empty", graph("empty", [], []), {}, {}, {}),
    Case("chain",
         graph("chain", [node("n1", "SumTask", {"a": 1, "b": 2}), node("n2", "SumTask", {"b": 3}),
                         node("n3", "SumTask", {"b": 4})],
               [link("n1", "n2", {"result": "a"}), link("n2", "n3", {"result": "a"})]),
         {"result": 10}, {"n1": {"result": 3}, "n2": {"result": 6}, "n3": {"result": 10}},
         {"n1": OK, "n2": OK, "n3": OK}),
    Case("diamond",
         graph("diamond", [node("a", "SumTask", {"a": 1}), node("b", "SumTask", {"b": 10}),
                           node("c", "SumTask", {"b": 20}), node("d", "SumTask")],
               [link("a", "b", {"result": "a"}), link("a", "c", {"result": "a"}),
                link("b", "d", {"result": "a"}), link("c", "d", {"result": "b"})]),
         {"result": 32}, {"a": {"result": 1}, "b": {"result": 11}, "c": {"result": 21}, "d": {"result": 32}},
         {"a": OK, "b": OK, "c": OK, "d": OK}),
    Case("many_sources",
         graph("many_sources", [node(f"s{i}", "SumTask", {"a": i}) for i in range(1, 6)]
               + [node("t", "ewoks_core.testing.tasks.sum_all", task_type="method")],
               [link(f"s{i}", "t", {"result": f"x{i}"}) for i in range(1, 6)]),
         {"return_value": 15}, {**{f"s{i}": {"result": i} for i in range(1, 6)}, "t": {"return_value": 15}},
         {**{f"s{i}": OK for i in range(1, 6)}, "t": OK}),
    Case("on_error_branch",
         graph("on_error_branch", [node("a", "Fail", {"a": 1}), node("b", "SumTask"), node("h", "ErrorReport")],
               [link("a", "b", {"result": "a"}), link("a", "h", on_error=True, map_all_data=True)]),
         {"error_node": "a", "error_message": failure("a")},
         {"h": {"error_node": "a", "error_message": failure("a")}},
         {"a": FAILED, "h": OK}, needs={"dag", "on_error"}),
    Case("no_outputs",
         graph("no_outputs", [node("a", "SumTask", {"a": 1}), node("b", "NoOutput")],
               [link("a", "b", {"result": "a"})]),
         {}, {"a": {"result": 1}, "b": {}}, {"a": OK, "b": OK}),
    Case("map_all_data",
         graph("map_all_data", [node("a", "Echo", {"a": 1, "b": 2}), node("b", "SumTask")],
               [link("a", "b", map_all_data=True)]),
         {"result": 3}, {"a": {"a": 1, "b": 2}, "b": {"result": 3}}, {"a": OK, "b": OK}),
    Case("trigger_only",
         graph("trigger_only", [node("a", "SumTask", {"a": 1}), node("b", "SumTask", {"a": 5})], [link("a", "b")]),
         {"result": 5}, {"a": {"result": 1}, "b": {"result": 5}}, {"a": OK, "b": OK}),
    Case("whole_dict_mapping",
         graph("whole_dict_mapping", [node("a", "Echo", {"a": 1, "b": 2}), node("b", "DictSummary")],
               [link("a", "b", {None: "data"})]),
         {"keys": ["a", "b"], "total": 3}, {"a": {"a": 1, "b": 2}, "b": {"keys": ["a", "b"], "total": 3}},
         {"a": OK, "b": OK}),
    Case("positional_inputs",
         graph("positional_inputs", [node("n1", "SumTask", {"a": 2}),
                                     node("n2", "ewoks_core.testing.tasks.subtract", {0: 10, 1: 3},
                                         task_type="method")],
               [link("n1", "n2", {"result": 1})]),
         {"return_value": 8}, {"n1": {"result": 2}, "n2": {"return_value": 8}}, {"n1": OK, "n2": OK}),
    Case("loop_until_condition",
         graph("loop_until_condition",
               [node("A", "Increment", {"x": 0, "step": 1, "limit": 5}, force_start_node=True),
                node("B", "Increment", {"step": 1, "limit": 5}), node("C", "SumTask")],
               [link("A", "B", {"x": "x"}), link("B", "A", {"x": "x"}, conditions=cond(below_limit=True)),
                link("B", "C", {"x": "a"}, conditions=cond(below_limit=False))]),
         {"result": 6}, {"A": {"x": 5, "below_limit": False}, "B": {"x": 6, "below_limit": False}, "C": {"result": 6}},
         {"A": _loop_runs(3), "B": _loop_runs(3), "C": OK}, needs={"dag", "conditions", "cycles"}),
    Case("three_node_cycle",
         graph("three_node_cycle",
               [node("A", "Increment", {"x": 0, "limit": 7}, force_start_node=True),
                node("B", "Increment", {"limit": 7}), node("C", "Increment", {"limit": 7}), node("D", "SumTask")],
               [link("A", "B", {"x": "x"}), link("B", "C", {"x": "x"}),
                link("C", "A", {"x": "x"}, conditions=cond(below_limit=True)),
                link("C", "D", {"x": "a"}, conditions=cond(below_limit=False))]),
         {"result": 9}, {"A": {"x": 7, "below_limit": False}, "B": {"x": 8, "below_limit": False},
                         "C": {"x": 9, "below_limit": False}, "D": {"result": 9}},
         {"A": _loop_runs(3), "B": _loop_runs(3), "C": _loop_runs(3), "D": OK}, needs={"dag", "conditions", "cycles"}),
    Case("self_trigger_merge",
         graph("self_trigger_merge",
               [node("S", "Increment", {"x": 0, "limit": 3}, force_start_node=True), node("I", "SumTask", {"a": 100}),
                node("M", "SumTask")],
               [link("S", "S", {"x": "x"}, conditions=cond(below_limit=True)),
                link("S", "M", {"x": "a"}, conditions=cond(below_limit=False)), link("I", "M", {"result": "b"})]),
         {"result": 103}, {"S": {"x": 3, "below_limit": False}, "I": {"result": 100}, "M": {"result": 103}},
         {"S": _loop_runs(3), "I": OK, "M": OK}, needs={"dag", "conditions", "cycles"}),
    Case("else_condition",
         graph("else_condition",
               [node("A", "Classify", {"value": 5}, conditions_else_value="other"), node("B", "SumTask", {"a": 1}),
                node("C", "SumTask", {"a": 2}), node("D", "SumTask")],
               [link("A", "B", conditions=cond(category="small")), link("A", "C", conditions=cond(category="large")),
                link("A", "D", {"value": "a"}, conditions=cond(category="other"))]),
         {"result": 5}, {"A": {"value": 5, "category": "medium"}, "D": {"result": 5}}, {"A": OK, "D": OK},
         needs={"dag", "conditions"}),
    Case("else_condition_not_taken",
         graph("else_condition_not_taken",
               [node("A", "Classify", {"value": 5}, conditions_else_value="other"), node("B", "SumTask", {"a": 1}),
                node("C", "SumTask", {"a": 2}), node("D", "SumTask")],
               [link("A", "B", conditions=cond(category="small")), link("A", "C", conditions=cond(category="large")),
                link("A", "D", {"value": "a"}, conditions=cond(category="other"))]),
         {"result": 2}, {"A": {"value": 50, "category": "large"}, "C": {"result": 2}}, {"A": OK, "C": OK},
         inputs=[{"id": "A", "name": "value", "value": 50}], needs={"dag", "conditions"}),
    Case("two_exits_one_loop",
         graph("two_exits_one_loop",
               [node("A", "Increment", {"x": 0, "limit": 6}, force_start_node=True),
                node("B", "Increment", {"limit": 6}), node("E1", "Echo"), node("E2", "SumTask")],
               [link("A", "B", {"x": "x"}), link("B", "A", {"x": "x"}, conditions=cond(below_limit=True)),
                link("B", "E1", {"x": "x"}, conditions=cond(below_limit=False)),
                link("A", "E2", {"x": "a"}, conditions=cond(x=3))]),
         {"x": 6, "result": 3}, {"A": {"x": 5, "below_limit": True}, "B": {"x": 6, "below_limit": False},
                                 "E1": {"x": 6}, "E2": {"result": 3}},
         {"A": _loop_runs(3), "B": _loop_runs(3), "E1": OK, "E2": OK}, needs={"dag", "conditions", "cycles"}),
    Case("branches_merge_again",
         graph("branches_merge_again",
               [node("A", "Classify", {"value": 1}), node("B", "SumTask", {"b": 1000}),
                node("C", "SumTask", {"b": 2000}), node("M", "SumTask")],
               [link("A", "B", {"value": "a"}, conditions=cond(category="small")),
                link("A", "C", {"value": "a"}, conditions=cond(category="large")),
                link("B", "M", {"result": "a"}), link("C", "M", {"result": "a"})]),
         {"result": 1001}, {"A": {"value": 1, "category": "small"}, "B": {"result": 1001}, "M": {"result": 1001}},
         {"A": OK, "B": OK, "M": OK}, needs={"dag", "conditions"}),
    Case("nested_subgraphs",
         graph("nested_subgraphs",
               [node("P1", "SumTask", {"a": 1}), node("G", "sub1.json", task_type="graph"),
                node("P2", "SumTask", {"b": 1000})],
               [link("P1", "G", {"result": "a"}, sub_target="in"), link("G", "P2", {"result": "a"}, sub_source="out")]),
         {"result": 1111}, {"P1": {"result": 1}, "G/s1": {"result": 11}, "G/g2/t1": {"result": 111},
                            "P2": {"result": 1111}},
         {"P1": OK, "G/s1": OK, "G/g2/t1": OK, "P2": OK},
         subgraphs={
             "sub1.json": graph("sub1", [node("s1", "SumTask", {"b": 10}), node("g2", "sub2.json", task_type="graph")],
                                [link("s1", "g2", {"result": "a"}, sub_target="in2")],
                                input_nodes=[{"id": "in", "node": "s1"}],
                                output_nodes=[{"id": "out", "node": "g2", "sub_node": "out2"}]),
             "sub2.json": graph("sub2", [node("t1", "SumTask", {"b": 100})], [],
                                input_nodes=[{"id": "in2", "node": "t1"}], output_nodes=[{"id": "out2", "node": "t1"}]),
         }),
    Case("default_error_node",
         graph("default_error_node",
               [node("a", "SumTask", {"a": 1}), node("b", "Fail"), node("c", "SumTask"),
                node("h", "ErrorReport", default_error_node=True)],
               [link("a", "b", {"result": "a"}), link("b", "c", {"result": "a"})]),
         {"error_node": "b", "error_message": failure("b")},
         {"a": {"result": 1}, "h": {"error_node": "b", "error_message": failure("b")}},
         {"a": OK, "b": FAILED, "h": OK}, needs={"dag", "on_error"}),
    Case("failing_task",
         graph("failing_task", [node("a", "SumTask", {"a": 1}), node("b", "Fail"), node("c", "SumTask")],
               [link("a", "b", {"result": "a"}), link("b", "c", {"result": "a"})]),
         {}, {"a": {"result": 1}}, {"a": OK, "b": FAILED}, error_node="b"),
    Case("numpy_arrays",
         graph("numpy_arrays", [node("a", "ArrayScale", {"array": [1, 2, 3], "factor": 2}),
                                node("b", "ArrayScale", {"factor": 0.5})],
               [link("a", "b", {"array": "array"})]),
         {"array": [1.0, 2.0, 3.0], "total": 6.0},
         {"a": {"array": [2.0, 4.0, 6.0], "total": 12.0}, "b": {"array": [1.0, 2.0, 3.0], "total": 6.0}},
         {"a": OK, "b": OK}),
    Case("ppf_methods",
         graph("ppf_methods", [node("a", "ewoks_core.testing.tasks.ppf_add", {"a": 1}, task_type="ppfmethod"),
                               {"id": "b", "task_type": "ppfport"},
                               node("c", "ewoks_core.testing.tasks.ppf_add", task_type="ppfmethod")],
               [link("a", "b", map_all_data=True), link("b", "c", map_all_data=True)]),
         {"_ppfdict": {"a": 3}},
         {"a": {"_ppfdict": {"a": 2}}, "b": {"_ppfdict": {"a": 2}}, "c": {"_ppfdict": {"a": 3}}},
         {"a": OK, "b": OK, "c": OK}),
    Case("input_priority",
         graph("input_priority", [node("s", "SumTask", {"a": 300}), node("t", "SumTask", {"a": 1, "b": 2}),
                                  node("u", "Echo", {"a": 1, "b": 2})],
               [link("s", "t", {"result": "a"})]),
         {"result": 320, "a": 1, "b": 0}, {"s": {"result": 300}, "t": {"result": 320}, "u": {"a": 1, "b": 0}},
         {"s": OK, "t": OK, "u": OK},
         inputs=[{"id": "t", "name": "a", "value": 7}, {"id": "t", "name": "b", "value": 20},
                 {"name": "b", "value": 0}]),
]

CASES_BY_NAME = {case.name: case for case in CASES}
