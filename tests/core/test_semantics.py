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


