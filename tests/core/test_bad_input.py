"""Every kind of bad input gets a clear error naming where and what to do, before anything runs."""

import json

import pytest

from ewoks_core import execute_graph, load_graph
from ewoks_core.errors import (
    CapabilityError,
    GraphFormatError,
    MissingInputsError,
    TaskFailedError,
    TaskImportError,
    TaskNotFoundError,
)
from ewoks_core.events.sinks.memory import MemorySink
from ewoks_core.testing.builders import cond, graph, link, node


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def test_malformed_json_has_line_and_column(tmp_path):
    path = write(tmp_path, "bad.json", '{"graph": {"id": "x"},\n "nodes": [\n  {"id": "a",}\n ]}')
    with pytest.raises(GraphFormatError, match=r"bad.json: invalid JSON at line 3, column 14: Expecting property name"):
        load_graph(path)


def test_malformed_yaml_has_line_and_column(tmp_path):
    path = write(tmp_path, "bad.yaml", "graph:\n  id: x\nnodes:\n  - id: a\n   task_identifier: [\n")
    with pytest.raises(GraphFormatError, match=r"bad.yaml: invalid YAML at line \d+, column \d+"):
        load_graph(path)


def test_non_utf8_file(tmp_path):
    path = write(tmp_path, "latin.json", '{"graph": {"label": "caf\xe9"}, "nodes": []}'.encode("latin-1"))
    with pytest.raises(GraphFormatError, match=r"latin.json: not UTF-8 text \(byte 0xe9 at line 1\)"):
        load_graph(path)


def test_missing_file():
    with pytest.raises(GraphFormatError, match="file not found"):
        load_graph("does/not/exist.json")


def test_huge_file_is_refused_without_reading_it(tmp_path, monkeypatch):
    import ewoks_core.graph.io as io

    monkeypatch.setattr(io, "MAX_FILE_BYTES", 1000)
    path = write(tmp_path, "huge.json", json.dumps(graph("h", [node(f"n{i}", "SumTask") for i in range(100)], [])))
    with pytest.raises(GraphFormatError, match=r"huge.json: file is .* above the"):
        load_graph(path)


def test_yaml_alias_bomb(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 12):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i-1}"] * 10) + "]")
    path = write(tmp_path, "bomb.yaml", "\n".join(lines) + "\nnodes: []\n")
    with pytest.raises(GraphFormatError, match="YAML aliases expand to more than"):
        load_graph(path)


def test_schema_error_names_node_and_field():
    doc = graph("g", [node("a", "SumTask"), {"id": "b", "task_type": "class", "default_inputs": [{"value": 1}]}], [])
    with pytest.raises(GraphFormatError, match=r"node 'b', field 'default_inputs.0.name': Field required"):
        load_graph(doc)


def test_missing_task_identifier():
    with pytest.raises(GraphFormatError, match=r"node 'a'.*missing 'task_identifier'"):
        load_graph(graph("g", [{"id": "a", "task_type": "class"}], []))


def test_exclusive_link_attributes():
    doc = graph("g", [node("a", "SumTask", {"a": 1}), node("b", "SumTask")],
                [link("a", "b", {"result": "a"}, map_all_data=True)])
    with pytest.raises(GraphFormatError, match=r"links\[0\].*'map_all_data' and 'data_mapping' exclude each other"):
        load_graph(doc)
    doc = graph("g", [node("a", "SumTask", {"a": 1}), node("b", "SumTask")],
                [link("a", "b", on_error=True, conditions=cond(result=1))])
    with pytest.raises(GraphFormatError, match="'on_error' and 'conditions' exclude each other"):
        load_graph(doc)


def test_link_to_unknown_node_suggests_nearest():
    doc = graph("g", [node("integrate", "SumTask", {"a": 1}), node("save", "SumTask")],
                [link("integrate", "sav", {"result": "a"})])
    with pytest.raises(GraphFormatError, match=r"unknown node 'sav'. Did you mean 'save'\?"):
        load_graph(doc)


def test_duplicate_node_ids():
    doc = graph("g", [node("a", "SumTask"), node("b", "SumTask"), node("a", "SumTask")], [])
    with pytest.raises(GraphFormatError, match=r"node 'a', field 'id': duplicate node id \(also node #0\)"):
        load_graph(doc)


def test_unknown_task_suggests_nearest_name():
    doc = graph("g", [node("a", "ewoks_core.testing.tasks.SumTsk", {"a": 1})], [])
    with pytest.raises(TaskNotFoundError, match=r"node 'a', field 'task_identifier'.*Did you mean 'SumTask'"):
        execute_graph(doc)


def test_unknown_module():
    doc = graph("g", [node("a", "no_such_package.tasks.Sum", {"a": 1})], [])
    with pytest.raises(TaskNotFoundError, match="no module named 'no_such_package'"):
        execute_graph(doc)


def test_task_module_failing_to_import_shows_the_import_error(tmp_path, monkeypatch):
    (tmp_path / "broken_tasks.py").write_text(
        "import numpy\nraise ImportError('libfoo.so: cannot open shared object')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    doc = graph("g", [node("a", "broken_tasks.Sum", {"a": 1})], [])
    with pytest.raises(TaskImportError, match="libfoo.so: cannot open shared object"):
        execute_graph(doc)


def test_missing_required_inputs_before_anything_runs():
    sink = MemorySink()
    doc = graph("g", [node("a", "SumTask", {"a": 1}), node("b", "SumTask")], [link("a", "b", {"result": "b"})])
    with pytest.raises(MissingInputsError, match=r"node 'b': required inputs \['a'\]"):
        execute_graph(doc, execinfo={"handlers": [sink]})
    assert sink.events == []


def test_missing_inputs_at_run_time_name_node_and_inputs():
    doc = graph("g", [node("a", "SumTask")], [])
    with pytest.raises(MissingInputsError, match=r"node 'a'.*required inputs \['a'\]"):
        execute_graph(doc)


def test_data_mapping_names_undeclared_output():
    doc = graph("g", [node("a", "SumTask", {"a": 1}), node("b", "SumTask")], [link("a", "b", {"reslt": "a"})])
    with pytest.raises(GraphFormatError, match=r"maps output 'reslt'.*Did you mean 'result'\?"):
        execute_graph(doc)


def test_condition_on_undeclared_output_warns():
    # ewoks runs such a graph (the link never fires): warned, not refused
    doc = graph("c", [node("a", "SumTask", {"a": 1}), node("b", "Echo")],
                [link("a", "b", {"result": "a"}, conditions=cond(reslt=1))])
    with pytest.warns(UserWarning, match=r"condition on output 'reslt'.*can never hold.*Did you mean 'result'"):
        assert execute_graph(doc, outputs=[{"all": True}]) == {"result": 1}


def test_link_setting_an_undeclared_input_warns():
    doc = graph("t", [node("a", "SumTask", {"a": 1}), node("b", "SumTask")], [link("a", "b", {"result": "aa"})])
    with pytest.warns(UserWarning, match=r"sets input 'aa', which task .*SumTask' does not declare.*Did you mean 'a'"):
        with pytest.raises(MissingInputsError):
            execute_graph(doc)


def test_deeply_nested_documents(tmp_path):
    with pytest.raises(GraphFormatError, match="nested deeper than 100 levels"):
        load_graph(write(tmp_path, "deep.json", "[" * 5000 + "]" * 5000))
    with pytest.raises(GraphFormatError, match="nested deeper than 100 levels"):
        load_graph(write(tmp_path, "deep.yaml", "a: " + "[" * 2000 + "]" * 2000))


def test_conflicting_required_inputs():
    doc = graph("g", [node("a", "SumTask", {"a": 1}), node("b", "SumTask", {"a": 2}), node("c", "SumTask")],
                [link("a", "c", {"result": "a"}), link("b", "c", {"result": "a"})])
    with pytest.raises(GraphFormatError, match=r"node 'c'.*required input 'a' is set by 2 required links"):
        execute_graph(doc)


def test_cycle_refused_on_engine_without_cycles():
    from ewoks_core.engines.sequential import SequentialEngine

    class DagOnly(SequentialEngine):
        name = "dag-only"
        capabilities = frozenset({"dag", "conditions"})

    doc = graph("g", [node("a", "Increment", {"x": 0, "limit": 3}, force_start_node=True)],
                [link("a", "a", {"x": "x"}, conditions=cond(below_limit=True))])
    with pytest.raises(CapabilityError, match=r"cannot run this graph: it needs cycles \(nodes 'a' form a cycle\).*"
                                              r"Use engine .*'sequential'"):
        execute_graph(doc, engine=DagOnly())


def test_unknown_engine_and_option():
    from ewoks_core.errors import EngineError

    doc = graph("g", [node("a", "SumTask", {"a": 1})], [])
    with pytest.raises(EngineError, match="unknown engine 'sequentail'. Did you mean 'sequential'"):
        execute_graph(doc, engine="sequentail")
    with pytest.raises(EngineError, match="has no option 'max_iteration'. Did you mean 'max_iterations'"):
        execute_graph(doc, max_iteration=3)


def test_endless_loop_is_bounded():
    from ewoks_core.errors import MaxIterationsError

    doc = graph("g", [node("a", "Increment", {"x": 0, "limit": 10**9}, force_start_node=True)],
                [link("a", "a", {"x": "x"}, conditions=cond(below_limit=True))])
    with pytest.raises(MaxIterationsError, match=r"node 'a': ran 50 time\(s\): a loop that never ends\?"):
        execute_graph(doc, max_iterations=50)


def test_failing_task_error_chain_and_complete_events():
    sink = MemorySink()
    doc = graph("g", [node("a", "SumTask", {"a": 1}), node("b", "Fail"), node("c", "SumTask")],
                [link("a", "b", {"result": "a"}), link("b", "c", {"result": "a"})])
    with pytest.raises(TaskFailedError) as info:
        execute_graph(doc, execinfo={"handlers": [sink]})
    err = info.value
    assert err.node_id == "b" and err.task_identifier == "ewoks_core.testing.tasks.Fail"
    assert isinstance(err.__cause__, RuntimeError) and "intentional failure" in str(err)
    last = {(e.context, e.node_id, e.type): e for e in sink.events}
    node_end = last[("node", "b", "end")]
    assert node_end.error and node_end.error_message == "RuntimeError: intentional failure"
    assert "raise RuntimeError" in node_end.error_traceback
    assert last[("workflow", None, "end")].error and last[("job", None, "end")].error
    assert ("node", "c", "start") not in last


def test_subgraph_alias_errors(tmp_path):
    sub = graph("sub", [node("s", "SumTask", {"a": 1})], [], input_nodes=[{"id": "in", "node": "s"}],
                output_nodes=[{"id": "out", "node": "s"}])
    (tmp_path / "sub.json").write_text(json.dumps(sub))
    doc = graph("p", [node("p", "SumTask", {"a": 1}), node("g", "sub.json", task_type="graph")],
                [link("p", "g", {"result": "b"}, sub_target="inn")])
    with pytest.raises(GraphFormatError, match=r"has no alias 'inn'; choose one of \['in'\]"):
        execute_graph(doc, load_options={"root_dir": str(tmp_path)})
