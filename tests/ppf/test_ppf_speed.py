"""Guards against the pathologies measured with ewoksppf (a 100-iteration loop not finishing in 300 s).

No timed assertions: benchmarks/bench_ppf.py measures; pytest-timeout turns a hang into a failure.
"""

import pytest

from ewoks_core.api import execute_graph
from ewoks_core.testing.builders import cond, graph, link, node, noop_chain


def loop(n: int) -> dict:
    return graph("loop", [node("A", "Increment", {"x": 0, "limit": n}, force_start_node=True)],
                 [link("A", "A", {"x": "x"}, conditions=cond(below_limit=True))])


@pytest.mark.slow
@pytest.mark.timeout(120)
@pytest.mark.parametrize("pool_type, n", [("thread", 1000), ("process", 300)])
def test_loop(pool_type, n, no_orphans):
    assert execute_graph(loop(n), engine="ppf", pool_type=pool_type) == {"x": n, "below_limit": False}


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_chain(no_orphans):
    assert execute_graph(noop_chain(1000, value=1), engine="ppf") == {"value": 1}
