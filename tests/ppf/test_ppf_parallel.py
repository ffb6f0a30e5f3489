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
