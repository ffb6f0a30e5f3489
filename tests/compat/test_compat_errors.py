"""Bad input around ewoks' features gets one clear line: where, and what to write instead."""

from __future__ import annotations

import json
import warnings

import pytest

from ewoks_core import execute_graph
from ewoks_core.errors import EwoksError, GraphFormatError
from ewoks_core.testing.builders import cond, graph, link, node


def _parent(sub, **link_attrs):
    return graph("parent", [node("p", "SumTask", {"a": 1}), node("G", sub, task_type="graph")],
                 [link("p", "G", {"result": "a"}, **link_attrs)])


def test_a_missing_subgraph_file_names_every_place_looked(tmp_path, monkeypatch):
    (tmp_path / "main").mkdir()
    (tmp_path / "root").mkdir()
    main = tmp_path / "main" / "main.json"
    main.write_text(json.dumps(_parent("inner", sub_target="in")))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(GraphFormatError) as info:
        execute_graph(str(main), load_options={"root_dir": str(tmp_path / "root"), "root_module": "json"})
    message = str(info.value)
    assert "node 'G'" in message
    assert "sub-graph file 'inner' not found (nor inner.json, inner.yaml, inner.yml)" in message
    for place in (str(tmp_path / "main"), str(tmp_path / "root"), "package 'json'", f"working directory {tmp_path}"):
        assert place in message, place


def test_a_package_that_cannot_be_imported_is_named():
    with pytest.raises(GraphFormatError, match=r"package 'no_such_package' \(cannot be imported\)"):
        execute_graph(_parent("inner", sub_target="in"), load_options={"root_module": "no_such_package"})


def test_an_invalid_inline_subgraph_names_its_node():
    sub = {"graph": {"id": "sub"}, "nodes": [{"id": "s", "task_identifier": "ewoks_core.testing.tasks.SumTask"},
                                             {"id": "s", "task_identifier": "ewoks_core.testing.tasks.SumTask"}]}
    with pytest.raises(GraphFormatError, match=r"node 'G' \(inline sub-graph\), node 's', field 'id': duplicate"):
        execute_graph(_parent(sub, sub_target="s"))


def test_an_unknown_alias_lists_the_aliases_and_the_inner_nodes():
    sub = graph("sub", [node("s", "SumTask"), node("t", "SumTask", {"a": 1})], [],
                input_nodes=[{"id": "in", "node": "s"}])
    with pytest.raises(GraphFormatError, match=r"has no alias 'inn'; choose one of \['in'\] \(or an inner node id: "
                                               r"\['s', 't'\]\)"):
        execute_graph(_parent(sub, sub_target="inn"))


def test_sub_target_on_a_node_that_is_no_graph():
    doc = graph("g", [node("a", "SumTask", {"a": 1}), node("b", "SumTask")],
                [link("a", "b", {"result": "a"}, sub_target="x")])
    with pytest.raises(GraphFormatError, match=r"'b' is not a graph node: 'sub_target' must not be given"):
        execute_graph(doc)


def test_only_graph_nodes_hold_a_workflow():
    doc = graph("g", [{"id": "a", "task_type": "class", "task_identifier": {"graph": {}, "nodes": []}}], [])
    with pytest.raises(GraphFormatError, match=r"node 'a': 'task_identifier' must be a string.*only a "
                                               r"'graph' node may hold a sub-workflow"):
        execute_graph(doc)


def test_unknown_load_options_are_named():
    with pytest.raises(GraphFormatError, match=r"unknown load option\(s\) \['root_dri'\]. Did you mean 'root_dir'"):
        execute_graph(graph("g", [], []), load_options={"root_dri": "."})


def test_a_graph_that_cannot_start_says_what_to_write():
    doc = graph("g", [node("a", "SumTask", {"b": 1}), node("b", "Increment")],
                [link("a", "b", {"result": "x"}), link("b", "a", {"x": "a"}, conditions=cond(below_limit=True))])
    with pytest.raises(GraphFormatError, match=r"no start node.*force_start_node: true"):
        execute_graph(doc)


def test_a_condition_on_an_undeclared_output_warns_with_the_nearest_name():
    doc = graph("g", [node("a", "Increment", {"x": 1}), node("b", "Echo")],
                [link("a", "b", {"x": "x"}, conditions=cond(below_limt=True))])
    with pytest.warns(UserWarning, match=r"links\[0\] a -> b: condition on output 'below_limt'.*can never hold.*"
                                         r"Did you mean 'below_limit'"):
        execute_graph(doc)


def test_no_warning_for_conditions_inside_ppf_dicts():
    doc = graph("g", [node("a", "ewoks_core.testing.tasks.ppf_check", {"a": 5}, task_type="ppfmethod"),
                      node("b", "SumTask", {"a": 1})], [link("a", "b", conditions=cond(doContinue="false"))])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert execute_graph(doc) == {"result": 1}


def test_ewoks_only_arguments():
    doc = graph("g", [node("a", "SumTask", {"a": 1})], [])
    assert execute_graph(doc, raise_on_error=True, output_tasks=False) == {"result": 1}  # ewoks' defaults
    with pytest.raises(EwoksError, match=r"raise_on_error=False is not supported.*Catch TaskFailedError"):
        execute_graph(doc, raise_on_error=False)
    with pytest.raises(EwoksError, match=r"output_tasks=True is not supported.*outputs=\[\{'all': True\}\]"):
        execute_graph(doc, output_tasks=True)
