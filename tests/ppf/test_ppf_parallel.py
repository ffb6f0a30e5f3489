"""Independent branches run in parallel on the pool; results do not depend on the finishing order."""

import pytest
from _ppf_support import POOLS

from ewoks_core.api import execute_graph
from ewoks_core.testing.builders import graph, link, node


@pytest.mark.parametrize("pool_type", POOLS)
def test_independent_branches_overlap(pool_type, tmp_path, no_orphans):
    # each branch waits until the other one has started: only a parallel run can finish
    # (benchmarks/bench_ppf.py times two 1 s sleeps)
    meet = {"directory": str(tmp_path), "expect": ["a", "b"], "timeout": 60}
    g = graph("par", [node("a", "Rendezvous", {**meet, "name": "a", "value": 1}),
                      node("b", "Rendezvous", {**meet, "name": "b", "value": 2}),
                      node("j", "SumTask")],
              [link("a", "j", {"value": "a"}), link("b", "j", {"value": "b"})])
    assert execute_graph(g, engine="ppf", pool_type=pool_type, max_workers=2) == {"result": 3}


@pytest.mark.parametrize("pool_type", POOLS)
@pytest.mark.parametrize("slow", ["e1", "e2"])
def test_merged_results_do_not_depend_on_finishing_order(slow, pool_type):
    # two end nodes write the same output name: the graph order decides, not which finished last
    delays = {"e1": 0.0, "e2": 0.0, slow: 0.3}
    g = graph("ends", [node("s", "SumTask", {"a": 1}),
                       node("e1", "SumTask", {"b": 10, "delay": delays["e1"]}),
                       node("e2", "SumTask", {"b": 20, "delay": delays["e2"]}),
                       node("e3", "Echo", {"x": 5})],
              [link("s", "e1", {"result": "a"}), link("s", "e2", {"result": "a"})])
    assert execute_graph(g, engine="ppf", pool_type=pool_type) == {"result": 21, "x": 5}
    per_node = execute_graph(g, engine="ppf", pool_type=pool_type, merge_outputs=False)
    assert per_node == {"e1": {"result": 11}, "e2": {"result": 21}, "e3": {"x": 5}}


def test_branches_made_ready_in_a_pool_thread_overlap(tmp_path, no_orphans):
    # 's' runs in a pool thread; of the two runs it makes ready, one continues in that thread
    # (no trip through the pool's queue) and the other goes to the pool: they still overlap
    meet = {"directory": str(tmp_path), "expect": ["a", "b"], "timeout": 20}
    g = graph("fan", [node("s", "Noop", {"value": 1}),
                      node("a", "Rendezvous", {**meet, "name": "a"}), node("b", "Rendezvous", {**meet, "name": "b"})],
              [link("s", "a", {"value": "value"}), link("s", "b", {"value": "value"})])
    results = execute_graph(g, engine="ppf", pool_type="thread", max_workers=2, outputs=[{"all": True}],
                            merge_outputs=False)
    assert results["a"] == results["b"] == {"value": 1}


def test_a_long_run_in_a_pool_thread_does_not_hold_back_other_branches(tmp_path, no_orphans):
    # 'long' waits for 'y', which 'x' (another branch of 's') makes ready while 'long' runs:
    # the outcome of 'x' must be scheduled at once, not after the run that the thread of 's' kept
    meet = {"directory": str(tmp_path), "expect": ["long", "y"], "timeout": 20}
    g = graph("hold", [node("s", "Noop", {"value": 1}), node("long", "Rendezvous", {**meet, "name": "long"}),
                       node("x", "Noop"), node("y", "Rendezvous", {**meet, "name": "y"})],
              [link("s", "long", {"value": "value"}), link("s", "x", {"value": "value"}),
               link("x", "y", {"value": "value"})])
    results = execute_graph(g, engine="ppf", pool_type="thread", max_workers=2, outputs=[{"all": True}],
                            merge_outputs=False)
    assert results["long"] == results["y"] == {"value": 1}
