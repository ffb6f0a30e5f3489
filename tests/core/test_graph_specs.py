"""NodeSpec / LinkSpec: typed, immutable nodes and links kept after validation (graph/specs.py)."""

import copy
import pickle

import pytest

from ewoks_core import execute_graph, load_graph, save_graph
from ewoks_core.errors import GraphFormatError
from ewoks_core.graph import compile_graph
from ewoks_core.graph.specs import FrozenDict, LinkSpec, NodeSpec
from ewoks_core.testing.builders import graph, link, node

INNER = graph("inner", [node("x", "SumTask", {"a": 1}), node("y", "SumTask")], [link("x", "y", {"result": "a"})],
              input_nodes=[{"id": "in", "node": "x"}], output_nodes=[{"id": "out", "node": "y"}])


def _outer() -> dict:
    """A sub-graph node whose link gives its inner target attributes, a default input aimed at an alias,
    a default error node, and unknown keys everywhere."""
    return graph("outer", [
        node("a", "SumTask", {"a": 1, "b": 2}, my_key={"kept": [1]}),
        node("sub", copy.deepcopy(INNER), task_type="graph",
             default_inputs=[{"name": "b", "value": 10, "id": "in", "note": "aimed"}]),
        node("err", "Echo", default_error_node=True, default_error_attributes={"map_all_data": True}),
    ], [link("a", "sub", {"result": "a"}, sub_target="in", sub_target_attributes={"label": "X", "varinfo": {"k": 1}},
             custom={"deep": [1, 2]}),
        link("sub", "err", sub_source="out", cache_if_not_required=True)])


def test_defaults_are_stated_by_the_spec():
    spec = NodeSpec.from_dict("n", {"task_identifier": "mod.Task"})
    assert (spec.task_type, spec.label, spec.default_inputs, spec.force_start_node, spec.default_error_node,
            spec.varinfo, spec.extra) == ("class", None, (), False, False, None, {})
    edge = LinkSpec.from_dict({"source": "a", "target": "b", "cache_if_not_required": True, "x": 1})
    assert (edge.data_mapping, edge.conditions, edge.on_error, edge.map_all_data, edge.required, edge.cache,
            edge.extra) == ((), (), False, False, None, True, {"x": 1})


def test_specs_are_immutable():
    g = load_graph(_outer())
    spec = g.nodes["a"]
    with pytest.raises(AttributeError):
        spec.label = "changed"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        spec.other = 1  # type: ignore[attr-defined]
    inner = compile_graph(g).nodes[("sub", "x")].spec
    for frozen in (g.nodes, inner.varinfo):  # read-only mappings; `document` is typed as a Mapping
        for change in (lambda d: d.__setitem__("label", "x"), lambda d: d.update(label="x"), lambda d: d.pop("k"),
                       lambda d: d.setdefault("x", 1), lambda d: d.clear()):
            with pytest.raises(TypeError, match="read-only"):
                change(frozen)
        assert copy.deepcopy(frozen) == frozen and type(copy.deepcopy(frozen)) is dict
    entry = spec.to_dict()
    entry["default_inputs"][0]["value"] = 99  # a copy: the spec is unchanged
    assert spec.default_inputs == (("a", 1), ("b", 2))
    assert spec.default_inputs == (("a", 1), ("b", 2)) and spec.extra == {"my_key": {"kept": [1]}}
    assert g.links[0].extra == {"custom": {"deep": [1, 2]}} and g.links[1].cache


def test_saving_writes_back_what_was_read():
    doc = _outer()
    saved = save_graph(load_graph(doc))
    # unknown keys, a default input's alias id, sub_* link keys: all kept
    assert saved == {"directed": True, "multigraph": False, **doc}


def test_compiling_changes_neither_the_graph_nor_the_document():
    doc = _outer()
    before = copy.deepcopy(doc)
    g = load_graph(doc)
    saved = g.to_dict()
    first = compile_graph(g)
    second = compile_graph(g)  # flattening merges into new specs: the graph's stay as they were
    assert g.to_dict() == saved and doc == before
    inner_x = first.nodes[("sub", "x")]
    assert inner_x.spec.label == "X" and dict(inner_x.spec.varinfo) == {"k": 1}
    assert inner_x.default_inputs == {"a": 1, "b": 10}
    assert [(n, dict(s.default_inputs)) for n, s in ((n, c.spec) for n, c in second.nodes.items())] == \
        [(n, dict(s.default_inputs)) for n, s in ((n, c.spec) for n, c in first.nodes.items())]
    assert not first.nodes["err"].spec.default_error_node  # connected once, then dropped from its spec
    assert any(link.target == "err" and link.on_error for link in first.links)


def test_specs_cross_process_boundaries():
    g = load_graph(_outer())
    for spec in (*g.nodes.values(), *g.links):
        assert pickle.loads(pickle.dumps(spec)) == spec
    frozen = pickle.loads(pickle.dumps(FrozenDict({"a": [1]})))
    assert frozen == {"a": [1]} and type(frozen) is FrozenDict


def test_editing_makes_new_specs():
    spec = load_graph(_outer()).nodes["a"]
    renamed = spec.with_attributes(label="A")
    assert renamed.label == "A" and spec.label is None and renamed.default_inputs == spec.default_inputs
    merged = spec.merged({"my_key": {"more": 2}})
    assert merged.extra == {"my_key": {"kept": [1], "more": 2}} and spec.extra == {"my_key": {"kept": [1]}}
    assert spec.without(["default_inputs"]).default_inputs == ()


def test_workflow_runs_with_specs():
    doc = graph("run", [node("a", "SumTask", {"a": 1, "b": 2}), node("b", "SumTask", {"b": 3})],
                [link("a", "b", {"result": "a"}, required=True)])
    assert execute_graph(doc, inputs=[{"id": "a", "name": "b", "value": 5}]) == {"result": 9}


def test_graph_edits_make_new_graphs():
    g = load_graph(_outer())
    before = g.to_dict()
    edited = g.with_node({"id": "a", "task_identifier": "ewoks_core.testing.tasks.Echo", "label": "A"})
    assert edited.nodes["a"].label == "A" and list(edited.nodes) == ["a", "sub", "err"]
    added = g.with_node({"id": "z", "task_identifier": "ewoks_core.testing.tasks.Echo"})
    assert list(added.nodes)[-1] == "z" and added.nodes["z"].task_type == "class"
    removed = g.without_node("err")
    assert "err" not in removed.nodes and all("err" not in (lk.source, lk.target) for lk in removed.links)
    assert g.to_dict() == before
    with pytest.raises(GraphFormatError, match="default_inputs"):
        g.with_node({"id": "a", "task_identifier": "mod.Task", "default_inputs": [{"value": 1}]})
