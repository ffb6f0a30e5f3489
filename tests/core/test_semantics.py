"""Semantics beyond the conformance kit: requiredness, caching of optional links, outputs selection."""

import pytest

from ewoks_core import execute_graph
from ewoks_core.graph import compile_graph, load_graph
from ewoks_core.testing.builders import cond, graph, link, node


def test_requiredness_is_linear_and_follows_ewoks():
    # a -cond-> b -> c ; d -> c : b->c optional (optional link upstream), d->c required
    doc = graph("r", [node("a", "Classify", {"value": 1}), node("b", "SumTask"), node("c", "SumTask"),
                      node("d", "SumTask", {"a": 1})],
                [link("a", "b", {"value": "a"}, conditions=cond(category="small")), link("b", "c", {"result": "a"}),
                 link("d", "c", {"result": "b"}), link("a", "c", required=True)])
    compiled = compile_graph(load_graph(doc))
    req = {(lk.source, lk.target): lk.required for lk in compiled.links}
    assert req == {("a", "b"): False, ("b", "c"): False, ("d", "c"): True, ("a", "c"): True}


def test_long_default_chain_compiles_fast():
    n = 20000
    doc = graph("long", [node(i, "Noop") for i in range(n)], [link(i, i + 1) for i in range(n - 1)])
    compiled = compile_graph(load_graph(doc))
    assert all(lk.required for lk in compiled.links)
    assert compiled.start_nodes == [0] and compiled.end_nodes == [n - 1]


def test_optional_link_data_used_once_cached_link_kept():
    # loop: L runs 3 times; 'once' delivers b on the first run only, the cached link keeps it
    def build(cache):
        return graph("c", [node("src", "Echo", {"b": 100}), node("L", "Increment", {"x": 0, "limit": 3},
                                                                 force_start_node=True),
                           node("E", "Echo")],
                     [link("L", "L", {"x": "x"}, conditions=cond(below_limit=True)),
                      link("src", "L", {"b": "limit"}, required=False, cache_if_optional=cache),
                      link("L", "E", {"x": "x"}, conditions=cond(below_limit=False))])
    # cached: limit=100 stays for every later run; not cached: used by one run, then the default limit 3
    assert execute_graph(build(True), outputs=[{"id": "L"}])["x"] == 100
    assert execute_graph(build(False), outputs=[{"id": "L"}])["x"] == 3


def test_ewoks_spelling_cache_if_not_required():
    doc = graph("c", [node("src", "Echo", {"b": 100}), node("L", "Increment", {"x": 0, "limit": 3},
                                                            force_start_node=True)],
                [link("L", "L", {"x": "x"}, conditions=cond(below_limit=True)),
                 link("src", "L", {"b": "limit"}, required=False, cache_if_not_required=True)])
    assert execute_graph(doc, outputs=[{"id": "L"}])["x"] == 100


def test_outputs_selection_and_rename():
    doc = graph("o", [node("a", "SumTask", {"a": 1}), node("b", "SumTask", {"b": 1})],
                [link("a", "b", {"result": "a"})])
    assert execute_graph(doc, outputs=[{"id": "a", "name": "result", "new_name": "first"}]) == {"first": 1}
    assert execute_graph(doc, outputs=[{"all": True}], merge_outputs=False) == {"a": {"result": 1}, "b": {"result": 2}}
    assert execute_graph(doc, outputs=[]) == {}
    assert execute_graph(doc, outputs=None) == {"result": 2}


def test_workflow_inputs_for_all_nodes_and_by_label():
    doc = graph("i", [node("a", "SumTask", {"a": 1}, label="first"), node("b", "SumTask", {"a": 1})], [])
    out = execute_graph(doc, inputs=[{"name": "b", "value": 5, "all": True}], outputs=[{"all": True}],
                        merge_outputs=False)
    assert out == {"a": {"result": 6}, "b": {"result": 6}}
    out = execute_graph(doc, inputs=[{"label": "first", "name": "b", "value": 9}], outputs=[{"id": "a"}])
    assert out == {"result": 10}
    from ewoks_core.errors import GraphFormatError

    with pytest.raises(GraphFormatError, match="no node with label 'frist'. Did you mean 'first'"):
        execute_graph(doc, inputs=[{"label": "frist", "name": "b", "value": 9}])


def test_timeout_cancels_long_task():
    from ewoks_core.errors import TaskFailedError, WorkflowCancelled

    doc = graph("t", [node("s", "Sleep", {"seconds": 5}), node("n", "Noop")], [link("s", "n")])
    with pytest.raises((TaskFailedError, WorkflowCancelled)):
        execute_graph(doc, timeout=0.2)


@pytest.mark.parametrize("order", [["X", "A"], ["A", "X"]])
def test_result_does_not_depend_on_node_order(order):
    """A force-start node with an incoming link runs at the start and again when the link fires."""
    nodes = {"X": node("X", "SumTask", {"a": 7}), "A": node("A", "Echo", {"a": 1}, force_start_node=True)}
    doc = graph("o", [nodes[n] for n in order], [link("X", "A", {"result": "a"})])
    from ewoks_core.events.sinks.memory import MemorySink

    sink = MemorySink()
    assert execute_graph(doc, outputs=[{"id": "A"}], execinfo={"handlers": [sink]}) == {"a": 7}
    assert sum(1 for e in sink.events if e.node_id == "A" and e.type == "end") == 2


def test_fresh_loop_data_wins_over_kept_required_data():
    """Link order in the file does not matter: the self-loop's fresh x overrides the kept entry x."""
    def build(loop_first):
        entry = link("start", "count", {"result": "x"})
        loop = link("count", "count", {"x": "x"}, conditions=cond(below_limit=True))
        exit_ = link("count", "end", {"x": "x"}, conditions=cond(below_limit=False))
        return graph("l", [node("start", "SumTask", {"a": 1}), node("count", "Increment", {"limit": 5}),
                           node("end", "Echo")], [loop, entry, exit_] if loop_first else [entry, loop, exit_])
    assert execute_graph(build(True), max_iterations=50) == execute_graph(build(False), max_iterations=50) == {"x": 5}


def test_cancel_during_last_node_is_reported():
    """A last task that ignores self.cancelled and returns normally: the timeout is still reported."""
    from ewoks_core.errors import WorkflowCancelled

    doc = graph("t", [node("s", "time.sleep", {0: 0.3}, task_type="method")], [])
    with pytest.raises(WorkflowCancelled, match="timed out"):
        execute_graph(doc, timeout=0.05)


def test_task_stopping_on_cancelled_reports_the_timeout():
    """A task that raises because self.cancelled became true: the job says why it stopped."""
    from ewoks_core.errors import WorkflowCancelled

    doc = graph("t", [node("s", "Sleep", {"seconds": 30}), node("after", "Noop")], [link("s", "after")])
    with pytest.raises(WorkflowCancelled, match=r"timed out after 0.2 s"):
        execute_graph(doc, timeout=0.2)
