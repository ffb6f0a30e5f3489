"""The canvas as a user drives it (real Qt, real widgets, offscreen): build, set inputs, run, watch progress
and errors, cancel, change an input (live re-run), save and reopen; events reach the configured sinks."""

from __future__ import annotations

import json
import time

import pytest
from canvas_support import add_widget, connect, node_starts, plain, run_and_wait, same, type_input, widget

from ewoks_core import execute_graph, load_graph
from ewoks_core.errors import TaskFailedError, WorkflowCancelled
from ewoks_core.events.sinks.memory import MemorySink
from ewoks_core.testing import CASES

T = "ewoks_core.testing.tasks."


def test_build_connect_set_inputs_and_run(window, tmp_path):
    first = add_widget(window, T + "SumTask", "first", (100, 100))
    second = add_widget(window, T + "SumTask", "second", (300, 100))
    connect(window, first, "result", second, "a")
    type_input(widget(window, first), "a", "1")
    type_input(widget(window, first), "b", "2")
    type_input(widget(window, second), "b", "10")
    runner = window.runner()
    assert runner.wait(30)  # live mode ran it already, as inputs changed
    events = tmp_path / "events.db"
    window.event_handlers = [{"class": "sqlite", "arguments": [{"name": "uri", "value": str(events)}]}]
    window._connect_runner()
    runner = run_and_wait(window)
    assert runner.error is None and runner.results == {"result": 13}
    assert widget(window, second).output_view.toPlainText() == "result = 13"
    assert "Finished in" in window.statusBar().currentMessage()
    from ewoks_core.events import readers

    recorded = list(readers.read_events(str(events), job_id=runner.job_id))
    assert {e.engine for e in recorded} == {"orange-canvas"}
    assert sorted(node_starts(recorded)) == ["SumTask", "SumTask_2"]  # ids given to the nodes dropped
    assert [j for j in readers.list_jobs(str(events)) if j["job_id"] == runner.job_id]


def test_changing_an_input_reruns_that_node_and_what_depends_on_it(window):
    sink = MemorySink()
    window.event_handlers = [sink]
    window._connect_runner()
    a = add_widget(window, T + "SumTask", "a")
    b = add_widget(window, T + "SumTask", "b")
    c = add_widget(window, T + "SumTask", "c")
    other = add_widget(window, T + "SumTask", "other")
    connect(window, a, "result", b, "a")
    connect(window, b, "result", c, "a")
    for node, value in ((a, "1"), (other, "5")):
        type_input(widget(window, node), "a", value)
    runner = run_and_wait(window)
    assert runner.results == {"result": 1} or runner.results["result"] in (1, 5)
    sink.events.clear()
    type_input(widget(window, b), "b", "100")  # live: b and c run again, a and other do not
    assert runner.wait(30) and runner.error is None
    ids = {widget(window, n).ewoks_node_id: n.title for n in (a, b, c, other)}
    assert sorted(ids[i] for i in node_starts(sink.events)) == ["b", "c"]
    assert widget(window, c).ewoks_outputs == {"result": 101}
    window.live_action.setChecked(False)  # not live: changes wait for a run
    sink.events.clear()
    type_input(widget(window, a), "a", "2")
    assert runner.wait(5) and node_starts(sink.events) == []
    run_and_wait(window)
    assert widget(window, c).ewoks_outputs == {"result": 102}


def test_progress_is_shown_while_the_task_runs(window):
    node = add_widget(window, "ewoks_canvas_test_tasks.Steps", "steps")
    type_input(widget(window, node), "delay", "0.1")
    seen = []
    node.progress_changed.connect(seen.append)
    window.live_action.setChecked(False)
    runner = run_and_wait(window)
    assert runner.error is None
    assert [v for v in seen if v > 0][:4] == [25.0, 50.0, 75.0, 100.0]
    assert node.state() & node.Running == 0  # finished: no longer running


def test_the_canvas_stays_responsive_and_a_run_can_be_cancelled(window, qtbot):
    node = add_widget(window, T + "Sleep", "sleep")
    window.live_action.setChecked(False)
    type_input(widget(window, node), "seconds", "30")
    window.run_action.trigger()
    runner = window.runner()
    qtbot.waitUntil(lambda: runner.running and node.state() & node.Running, timeout=10000)
    t0 = time.monotonic()
    qtbot.wait(200)  # the GUI thread handles events while the task runs in the worker thread
    assert time.monotonic() - t0 < 2 and window.stop_action.isEnabled()
    window.stop_action.trigger()
    assert runner.wait(10)
    assert isinstance(runner.error, WorkflowCancelled)
    assert node.state() & node.Running == 0 and "Failed" in window.statusBar().currentMessage()


def test_a_task_error_is_shown_on_its_node(window):
    source = add_widget(window, T + "SumTask", "source")
    failing = add_widget(window, T + "Fail", "failing")
    connect(window, source, "result", failing, "a")
    window.live_action.setChecked(False)
    type_input(widget(window, source), "a", "1")
    runner = run_and_wait(window)
    assert isinstance(runner.error, TaskFailedError)
    failed = widget(window, failing)
    assert failed.Error.task_failed.is_shown() and "intentional failure" in failed.ewoks_error
    messages = [m for m in failing.state_messages() if m.severity == m.Error]
    assert messages and "intentional failure" in messages[0].contents
    assert not widget(window, source).Error.task_failed.is_shown()
    type_input(failed, "fail", "false")  # fixing the input clears the error on the next run
    run_and_wait(window)
    assert runner.error is None and not failed.Error.task_failed.is_shown()


# Not in the canvas: sub-graphs and workflow inputs (see docs/engines/orange.md "Limitations")
CANVAS_CASES = [c for c in CASES if c.graph["nodes"] and not c.subgraphs and not c.inputs
                and all(n.get("task_type", "class") in ("class", "method") for n in c.graph["nodes"])]


@pytest.mark.parametrize("case", CANVAS_CASES, ids=lambda c: c.name)
def test_conformance_graphs_run_in_the_canvas_as_on_every_engine(window, tmp_path, case):
    from ewoks_core import convert_graph

    path = tmp_path / f"{case.name}.ows"
    convert_graph(case.graph, str(path))
    window.live_action.setChecked(False)
    window.load_scheme(str(path))
    assert window.messages == []
    assert len(window.current_document().scheme().nodes) == len(case.graph["nodes"])
    runner = run_and_wait(window)
    if case.refused is not None:  # refused when the run starts, with the same words as every engine
        assert runner.error is not None and all(word in str(runner.error) for word in case.refused), runner.error
        assert runner.results is None or runner.results == {}
    elif case.error_node is not None:
        assert isinstance(runner.error, TaskFailedError) and str(runner.error.node_id) == case.error_node
    else:
        assert runner.error is None, runner.error
        same(runner.results, case.results)


def test_save_reopen_and_save_as_json_and_yaml(window, tmp_path, canvas_registry):
    from ewoks_orange.canvas.document import scheme_document
    from ewoks_orange.canvas.mainwindow import EwoksCanvasMainWindow

    window.load_scheme("workflows/demo.yaml")
    scheme = window.current_document().scheme()
    widget(window, scheme.nodes[0]).set_default_input("a", 7)
    assert window.runner().wait(30)
    saved = {}
    for suffix in ("ows", "json", "yaml"):
        path = tmp_path / f"demo.{suffix}"
        assert window.save_scheme_to(scheme, str(path))
        saved[suffix] = load_graph(str(path)).to_dict()
    assert saved["ows"] == saved["json"] == saved["yaml"]
    assert saved["json"]["nodes"][0]["default_inputs"] == [{"name": "a", "value": 7}, {"name": "b", "value": 2}]
    assert plain(dict(saved["json"], nodes=[dict(n) for n in saved["json"]["nodes"]]))["links"] == \
        load_graph("workflows/demo.yaml").to_dict()["links"]
    assert execute_graph(str(tmp_path / "demo.ows")) == {"x": 24}  # (7 + 2 + 10) + 5
    reopened = EwoksCanvasMainWindow()
    reopened.set_widget_registry(canvas_registry)
    try:
        reopened.load_scheme(str(tmp_path / "demo.ows"))
        again, _ = scheme_document(reopened.current_document().scheme())
        first, _ = scheme_document(scheme)
        assert again == first  # ids, labels, inputs, links, conditions, positions
    finally:
        reopened.current_document().setModified(False)
        reopened.close()


def test_an_ewoksorange_file_naming_our_widgets_opens_and_runs(window):
    # written by ewoksorange 5.0.1 (ewoks_to_ows), which found our widgets through the orange.widgets entry point
    window.live_action.setChecked(False)
    window.load_scheme("tests/orange/data/ewoksorange_our_widgets.ows")
    assert [n.title for n in window.current_document().scheme().nodes] == ["n1", "n2", "n3"]
    runner = run_and_wait(window)
    assert runner.results == {"result": 113}


def test_link_attributes_are_edited_and_saved(window, tmp_path):
    from ewoks_orange.canvas.mainwindow import set_link_attributes

    counter = add_widget(window, T + "Increment", "counter")
    type_input(widget(window, counter), "x", "0")
    type_input(widget(window, counter), "limit", "3")
    attributes = widget(window, counter).node_attributes
    attributes.setText('{"force_start_node": true}')  # a loop of one node: say where it starts
    attributes.editingFinished.emit()
    loop = connect(window, counter, "x", counter, "x")
    set_link_attributes(window.current_document().scheme(), loop, {"conditions": [{"source_output": "below_limit",
                                                                                   "value": True}]})
    runner = run_and_wait(window)
    assert runner.error is None and runner.results == {"x": 3, "below_limit": False}
    path = tmp_path / "loop.json"
    assert window.save_scheme_to(window.current_document().scheme(), str(path))
    (link,) = json.loads(path.read_text())["links"]
    assert link["conditions"] == [{"source_output": "below_limit", "value": True}]
    assert link["data_mapping"] == [{"source_output": "x", "target_input": "x"}]


def test_cli_canvas_refuses_a_bad_file_before_opening(capsys, tmp_path):
    from ewoks_core.cli.main import main

    assert main(["canvas", str(tmp_path / "x.txt")]) == 2
    assert "Use .json, .yaml, .yml or .ows" in capsys.readouterr().err
    assert main(["canvas", str(tmp_path / "missing.ows")]) == 2
    assert "file not found" in capsys.readouterr().err


START_AND_QUIT = """
import sys
from AnyQt.QtCore import QTimer
from AnyQt.QtWidgets import QApplication
from ewoks_orange.canvas.app import EwoksCanvasMain
from ewoks_core.cli.main import main

def open_then_report(self, paths):
    original(self, paths)
    scheme = self.window.current_document().scheme()
    print("opened", [node.title for node in scheme.nodes], flush=True)
    QTimer.singleShot(0, QApplication.quit)

original = EwoksCanvasMain.open_files
EwoksCanvasMain.open_files = open_then_report
sys.exit(main(["canvas", *sys.argv[1:]]))
"""


def test_ewoks_canvas_command_opens_the_window_with_the_file(tmp_path):
    import os
    import subprocess
    import sys

    script = tmp_path / "start.py"  # a file, not python -c: Qt reads sys.argv[0]
    script.write_text(START_AND_QUIT)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_DATA_HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path),
               XDG_CACHE_HOME=str(tmp_path))
    out = subprocess.run([sys.executable, str(script), "workflows/demo.yaml", "--events", str(tmp_path / "ev.db")],
                         capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "opened ['left', 'right', 'total', 'count', 'report']" in out.stdout
