"""In-memory graphs where ewoks takes them: a networkx graph, or an object holding one as `.graph` (the
shape of ewoks' TaskGraph, built here without ewoks), as the workflow and as a sub-workflow."""

from __future__ import annotations

import networkx

from ewoks_core import execute_graph, load_graph
from ewoks_core.graph.io import to_networkx
from ewoks_core.testing.builders import graph, link, node


class TaskGraphLike:
    """What ewokscore.load_graph returns: the networkx graph is its `graph` attribute."""

    def __init__(self, doc: dict) -> None:
        self.graph = to_networkx(doc)


SUB = graph("sub", [node("s", "SumTask", {"b": 10})], [], input_nodes=[{"id": "in", "node": "s"}])


def _parent(sub) -> dict:
    return graph("parent", [node("p", "SumTask", {"a": 1}), node("G", sub, task_type="graph")],
                 [link("p", "G", {"result": "a"}, sub_target="in")])


def test_a_graph_object_as_the_workflow():
    assert execute_graph(TaskGraphLike(graph("g", [node("a", "SumTask", {"a": 2})], []))) == {"result": 2}
    assert isinstance(to_networkx(SUB), networkx.DiGraph)
    assert execute_graph(to_networkx(_parent(SUB))) == {"result": 11}


def test_graph_objects_as_sub_workflows():
    for sub in (TaskGraphLike(SUB), to_networkx(SUB), load_graph(SUB)):
        assert execute_graph(_parent(sub)) == {"result": 11}


def test_a_loaded_workflow_holds_plain_data():
    """In-memory sub-graphs become documents when loaded: the workflow can be saved and sent to workers."""
    doc = load_graph(_parent(to_networkx(SUB))).to_dict()
    inline = doc["nodes"][1]["task_identifier"]
    assert isinstance(inline, dict) and inline["nodes"][0]["id"] == "s"
