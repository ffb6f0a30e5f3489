"""Loading, saving and converting workflow documents."""

import json

import pytest

from ewoks_core import convert_graph, load_graph, save_graph
from ewoks_core.errors import GraphFormatError, SchemaVersionError
from ewoks_core.graph.models import graph_json_schema
from ewoks_core.testing.builders import graph, link, node

DOC = graph("g", [node("a", "SumTask", {"a": 1}, my_key={"kept": True}), node("b", "SumTask")],
            [link("a", "b", {"result": "a"}, custom="x")], custom_graph_key=[1, 2])


def test_sources_are_equivalent(tmp_path):
    path = tmp_path / "wf.json"
    path.write_text(json.dumps(DOC))
    yaml_path = tmp_path / "wf.yaml"
    convert_graph(path, yaml_path)
    for source in (path, str(path), yaml_path, DOC, json.dumps(DOC), yaml_path.read_text(), load_graph(DOC)):
        g = load_graph(source)
        assert list(g.nodes) == ["a", "b"]
        assert g.links[0].data_mapping == (("result", "a"),)


def test_unknown_keys_round_trip(tmp_path):
    for name in ("out.json", "out.yaml"):
        save_graph(DOC, tmp_path / name)
        back = load_graph(tmp_path / name).to_dict()
        assert back["graph"]["custom_graph_key"] == [1, 2]
        assert back["nodes"][0]["my_key"] == {"kept": True}
        assert back["links"][0]["custom"] == "x"


def test_networkx_round_trip():
    nx_graph = convert_graph(DOC, "networkx")
    assert nx_graph.nodes["a"]["my_key"] == {"kept": True}
    assert load_graph(nx_graph).to_dict()["links"][0]["custom"] == "x"


@pytest.mark.parametrize("version", ["1.0", "1.1", "1.2"])
def test_supported_versions_upgrade(version):
    doc = dict(DOC, graph={"id": "g", "schema_version": version})
    assert convert_graph(doc)["graph"]["schema_version"] == "1.2"


def test_newer_version_is_refused():
    with pytest.raises(SchemaVersionError, match=r"newer than this ewoks_core supports \(1.0, 1.1, 1.2\)"):
        load_graph(dict(DOC, graph={"id": "g", "schema_version": "1.3"}))


def test_multigraph_links_are_merged():
    doc = graph("m", [node("a", "Echo", {"a": 1, "b": 2}), node("b", "SumTask")],
                [link("a", "b", {"a": "a"}), link("a", "b", {"b": "b"})])
    doc["multigraph"] = True
    g = load_graph(doc)
    assert len(g.links) == 1 and g.links[0].data_mapping == (("a", "a"), ("b", "b"))
    from ewoks_core import execute_graph

    assert execute_graph(doc) == {"result": 3}


def test_networkx_edges_key_accepted():
    doc = dict(DOC)
    doc["edges"] = doc.pop("links")
    assert len(load_graph(doc).links) == 1


def test_json_schema_describes_nodes_and_links():
    schema = graph_json_schema()
    assert "nodes" in schema["properties"] and "links" in schema["properties"]
    assert "task_identifier" in schema["$defs"]["NodeModel"]["properties"]


def test_subgraph_from_root_module_and_missing_file(tmp_path, monkeypatch):
    from ewoks_core import execute_graph
    from ewoks_core.graph import compile_graph

    pkg = tmp_path / "my_workflows"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    sub = graph("sub", [node("s", "SumTask", {"a": 1, "b": 1})], [], output_nodes=[{"id": "out", "node": "s"}])
    (pkg / "inner.json").write_text(json.dumps(sub))
    monkeypatch.syspath_prepend(str(tmp_path))
    doc = graph("p", [node("g", "inner", task_type="graph")], [])
    assert execute_graph(doc, load_options={"root_module": "my_workflows"}) == {"result": 2}
    with pytest.raises(GraphFormatError, match="sub-graph file 'inner' not found"):
        compile_graph(load_graph(doc))


def test_loading_and_running_never_change_the_callers_document(tmp_path):
    """Upgrade, validation, merging parallel links, inlining a sub-graph given as a dict, workflow inputs
    and a run all work on copies: the caller's document (and its nested values) stays as it was."""
    import copy

    from ewoks_core import execute_graph
    from ewoks_core.graph import compile_graph

    inner = graph("inner", [node("x", "SumTask", {"a": 1, "b": [1, 2][0]})], [])
    doc = graph("outer", [node("a", "Echo", {"a": 1, "b": 2}), node("b", "SumTask"),
                          node("sub", inner, task_type="graph")],
                [link("a", "b", {"a": "a"}), link("a", "b", {"b": "b"})])
    doc["graph"]["schema_version"] = "1.0"
    doc["multigraph"] = True
    doc["nodes"][0]["default_inputs"].append({"name": "extra", "value": {"nested": [1, 2]}})
    before = copy.deepcopy(doc)
    loaded = load_graph(doc, root_dir=str(tmp_path))
    assert loaded.root_dir == str(tmp_path) and loaded.graph["schema_version"] == "1.2"
    compile_graph(loaded, inputs=[{"name": "a", "value": 5, "all": True}])
    with pytest.warns(UserWarning, match="'extra' are not inputs of task"):
        execute_graph(doc, inputs=[{"name": "a", "value": 5, "id": "a"}], outputs=[{"all": True}])
    save_graph(doc)
    assert doc == before
