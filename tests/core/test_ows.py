"""Orange .ows files with the core alone: read, write, convert, show and execute; lossless round trips;
files that ESRF's ewoksorange wrote; one clear error for what cannot be read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ewoks_core import convert_graph, execute_graph, load_graph
from ewoks_core.cli.main import main
from ewoks_core.errors import GraphFormatError
from ewoks_core.graph.io import to_plain
from ewoks_core.graph.ows import ALL_INPUTS, ALL_OUTPUTS, TRIGGER, parse_ows, write_ows
from ewoks_core.testing import CASES
from ewoks_core.testing.builders import cond, graph, link, node

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).parent / "data"
DEMO = ROOT / "workflows" / "demo.yaml"


def _doc(source) -> dict:
    return to_plain(load_graph(source).to_dict())


def _without_positions(doc: dict) -> dict:
    for n in doc["nodes"]:
        n.pop("ows", None)
    return doc


@pytest.mark.parametrize("case", [c for c in CASES if c.graph["nodes"]], ids=lambda c: c.name)
def test_catalogue_graphs_round_trip_without_loss(case):
    doc = _doc(case.graph)
    text = write_ows(doc)
    back = _doc(parse_ows(text, "x.ows"))
    assert write_ows(back) == text  # .ows -> ewoks -> .ows gives the same file
    assert _without_positions(back) == doc  # ewoks -> .ows -> ewoks: only the layout was added


def test_link_kinds_and_positional_inputs_survive_and_run(tmp_path):
    g = graph("kinds", [
        node("a", "SumTask", {"a": 1, "b": 2}, label="first sum", force_start_node=True),
        node("sub", "ewoks_core.testing.tasks.subtract", {1: 10}, task_type="method", conditions_else_value="else"),
        node("all", "Echo"), node("whole", "DictSummary"), node("after", "Noop", {"value": 5}),
        node("err", "Fail", {"a": 3}), node("handler", "ErrorReport")],
        [link("a", "sub", {"result": 0}),
         link("a", "all", map_all_data=True, required=True),
         link("a", "whole", {None: "data"}),
         link("a", "after"),  # no data: it only triggers
         link("err", "handler", {"WorkflowException": "WorkflowException"}, on_error=True),
         link("sub", "all", {"return_value": "b"}, conditions=cond(return_value=-7), cache_if_not_required=True)],
        requirements=["numpy"], input_nodes=[{"id": "in", "node": "a"}])
    ows = tmp_path / "kinds.ows"
    convert_graph(g, str(ows), save_requirements=False)
    text = ows.read_text()
    for channel in (ALL_OUTPUTS, ALL_INPUTS, TRIGGER):
        assert f'"{channel}"' in text
    assert 'sink_channel="0"' in text  # a positional input is named by its number
    back = _doc(str(ows))
    assert _without_positions(back) == _doc(g)
    (tmp_path / "kinds.json").write_text(json.dumps(back))
    assert execute_graph(str(ows), outputs=[{"all": True}], merge_outputs=False) == \
        execute_graph(g, outputs=[{"all": True}], merge_outputs=False)


def test_positions_labels_ids_and_annotations_survive_json(tmp_path):
    ows = tmp_path / "a.ows"
    ows.write_text((DATA / "ewoksorange_acyclic1.ows").read_text().replace("ewokscore.tests.examples.tasks.sumtask",
                                                                             "ewoks_core.testing.tasks"))
    for target in ("b.json", "c.yaml"):
        convert_graph(str(ows), str(tmp_path / target), save_requirements=False)
        convert_graph(str(tmp_path / target), str(tmp_path / ("back_" + target + ".ows")),
                      save_requirements=False)
        assert _doc(str(tmp_path / ("back_" + target + ".ows"))) == _doc(str(ows))
    doc = json.loads((tmp_path / "b.json").read_text())
    assert [n["ows"]["position"] for n in doc["nodes"]][:2] == ["(323.0, 166.0)", "(317.0, 320.0)"]
    assert [n["label"] for n in doc["nodes"]] == [f"task{i}" for i in range(1, 7)]
    assert len(doc["graph"]["ows"]["annotations"]) == 5


def test_ewoksorange_file_with_default_widgets_loads_and_runs(tmp_path):
    # written by ewoksorange 5.0.1 (ewoks_to_ows of ewokscore's example graph 'acyclic1'): tasks without a
    # widget of their own get ewoksorange's default widget, whose `name` is the task
    doc = _doc(str(DATA / "ewoksorange_acyclic1.ows"))
    assert doc["graph"]["id"] == "acyclic1"
    assert [n["id"] for n in doc["nodes"]] == ["0", "1", "2", "3", "4", "5"]
    assert {n["task_identifier"] for n in doc["nodes"]} == {"ewokscore.tests.examples.tasks.sumtask.SumTask"}
    assert doc["nodes"][0]["default_inputs"] == [{"name": "a", "value": 1}]
    assert doc["links"][3] == {"source": "3", "target": "4",
                               "data_mapping": [{"source_output": "result", "target_input": "b"}]}
    ours = tmp_path / "ours.ows"  # the same file naming a task installed here runs as ewoks runs it
    ours.write_text((DATA / "ewoksorange_acyclic1.ows").read_text().replace(
        "ewokscore.tests.examples.tasks.sumtask", "ewoks_core.testing.tasks"))
    assert execute_graph(str(ours)) == {"result": (1 + 3) + (2 + 4) + 6}  # task5's default b is linked over


def test_ewoksorange_file_with_a_missing_widget_names_it_and_its_package(capsys):
    # the tutorial that ewoksorange ships (saved by the Orange canvas): its widgets come with ewoksorange
    code = main(["show", str(DATA / "ewoksorange_sumtask_tutorial.ows")])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "'orangecontrib.ewokstest.sumtask.OWSumTaskTest' cannot be imported" in err
    assert "node '0' ('task1')" in err and "pip install ewoksorange" in err


def test_cli_converts_shows_and_executes_ows(tmp_path, capsys):
    ows, back = tmp_path / "demo.ows", tmp_path / "back.yaml"
    assert main(["convert", str(DEMO), str(ows), "--exclude-requirements"]) == 0
    assert ows.read_text().startswith("<?xml") and "<scheme" in ows.read_text()
    assert main(["show", str(ows)]) == 0
    assert "workflow 'Tiny pure-Python demo': 5 nodes, 5 links" in capsys.readouterr().out
    assert main(["execute", str(ows), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"x": 23}
    assert main(["convert", str(ows), str(back), "--exclude-requirements"]) == 0
    assert _without_positions(_doc(str(back))) == _doc(str(DEMO))
    assert main(["convert", str(ows), "-", "--format", "ows", "--exclude-requirements"]) == 0
    assert capsys.readouterr().out == ows.read_text()


@pytest.mark.parametrize("name", ["a.txt", "a", "a.ows.bak"])
def test_unknown_extension_is_refused_by_name(tmp_path, capsys, name):
    assert main(["convert", str(DEMO), str(tmp_path / name)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Use .json, .yaml, .yml or .ows" in err
    assert "extension" in err and not (tmp_path / name).exists()
    (tmp_path / name).write_text(DEMO.read_text())
    with pytest.raises(GraphFormatError, match="cannot read a workflow file with"):
        load_graph(str(tmp_path / name))


def test_format_must_agree_with_the_extension(tmp_path):
    with pytest.raises(GraphFormatError, match="does not match the extension"):
        convert_graph(str(DEMO), str(tmp_path / "a.json"), fmt="yaml")


@pytest.mark.parametrize("text, message", [
    ("<scheme version='2.0'><nodes>", "invalid .ows XML"),
    ("<workflow/>", "the root element is <workflow>"),
    ("<scheme version='1.0'/>", "version '1.0' is not supported"),
    ("<scheme version='2.0'><nodes><node id='0' qualified_name='ewoks_orange.task_widgets.ewoks_core.testing.tasks"
     ".Noop' title='n'/></nodes><node_properties><properties node_id='0' format='pickle'>gASVAAAA</properties>"
     "</node_properties></scheme>", "saved with pickle, which is not read"),
    ("<scheme version='2.0'><node_properties><properties node_id='0' format='literal'>{'a': </properties>"
     "</node_properties></scheme>", "cannot be read (literal)"),
])
def test_bad_files_get_one_clear_error(tmp_path, text, message):
    path = tmp_path / "bad.ows"
    path.write_text(text)
    with pytest.raises(GraphFormatError, match=message.replace("(", r"\(").replace(")", r"\)")) as info:
        load_graph(str(path))
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_nodes_added_without_ewoks_ids_get_orange_ids():
    # a node dropped in a canvas that does not assign ewoks ids: the task from the widget name, the id from Orange
    text = ("<scheme version='2.0' title='t'><nodes>"
            "<node id='0' name='SumTask' qualified_name='ewoks_orange.task_widgets.ewoks_core.testing.tasks.SumTask'"
            " title='SumTask' position='(1, 2)'/></nodes><links/><node_properties>"
            "<properties node_id='0' format='literal'>{'_ewoks_default_inputs': {'a': 4}, '_ewoks_node': {}}"
            "</properties></node_properties></scheme>")
    doc = parse_ows(text, "x.ows")
    assert doc["nodes"] == [{"id": "0", "label": "SumTask", "task_type": "class",
                             "task_identifier": "ewoks_core.testing.tasks.SumTask",
                             "default_inputs": [{"name": "a", "value": 4}], "ows": {"position": "(1, 2)"}}]
    assert execute_graph(doc) == {"result": 4}
