"""The `ewoks` command line: results, parameters, conversions, errors with exit codes."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ewoks_core.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
DEMO = str(ROOT / "workflows" / "demo.yaml")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_execute_demo_with_parameters(capsys):
    code, out, _ = run(capsys, "execute", DEMO, "--json")
    assert code == 0 and json.loads(out) == {"x": 23}
    code, out, _ = run(capsys, "execute", DEMO, "-p", "a=1", "--json")
    assert json.loads(out) == {"x": 24}
    code, out, _ = run(capsys, "execute", DEMO, "--pn", "right:a=0", "--json", "--outputs", "all", "--no-merge-outputs")
    assert json.loads(out)["right"] == {"result": 0}
    code, out, _ = run(capsys, "execute", DEMO, "--pa", "step=100", "--json", "--outputs", "all", "--no-merge-outputs")
    assert json.loads(out)["count"] == {"x": 113, "below_limit": False}


def test_execute_engine_options_and_events(capsys, tmp_path):
    events = tmp_path / "ev.jsonl"
    code, out, _ = run(capsys, "execute", DEMO, "--engine", "core", "-o", "max_iterations=100", "--events",
                       str(events), "--job-id", "job42", "--json")
    assert code == 0
    lines = [json.loads(line) for line in events.read_text().splitlines()]
    assert {e["job_id"] for e in lines} == {"job42"} and lines[-1]["context"] == "job"
    code, out, _ = run(capsys, "events", str(events), "--job", "job42", "--node", "count")
    assert code == 0 and "count" in out


def test_user_errors_are_one_line_with_exit_2(capsys, tmp_path):
    code, _, err = run(capsys, "execute", str(tmp_path / "missing.yaml"))
    assert code == 2 and err.startswith("error: ") and "file not found" in err and "Traceback" not in err
    code, _, err = run(capsys, "execute", DEMO, "-o", "max_iteration=3")
    assert code == 2 and "Did you mean 'max_iterations'" in err
    code, _, err = run(capsys, "execute", DEMO, "-p", "novalue")
    assert code == 2 and "is not NAME=VALUE" in err


def test_failed_workflow_exit_1_and_verbose_traceback(capsys, tmp_path):
    wf = tmp_path / "fail.json"
    wf.write_text(json.dumps({"graph": {"id": "f"}, "nodes": [
        {"id": "boom", "task_type": "class", "task_identifier": "ewoks_core.testing.tasks.Fail"}], "links": []}))
    code, _, err = run(capsys, "execute", str(wf))
    assert code == 1 and "node 'boom'" in err and "intentional failure" in err and "Traceback" not in err
    code, _, err = run(capsys, "execute", str(wf), "--verbose")
    assert code == 1 and "Traceback" in err


def test_convert_show_tasks_schema_engines(capsys, tmp_path):
    out_json = tmp_path / "demo.json"
    assert run(capsys, "convert", DEMO, str(out_json))[0] == 0
    assert json.loads(out_json.read_text())["graph"]["id"] == "demo"
    code, out, _ = run(capsys, "show", str(out_json))
    assert code == 0 and "every required input is provided" in out and "conditional" in out
    code, out, _ = run(capsys, "tasks", "ewoks_core.testing.tasks", "--json")
    assert any(t["task_identifier"].endswith("SumTask") for t in json.loads(out))
    code, out, _ = run(capsys, "schema")
    assert json.loads(out)["title"].startswith("ewoks workflow")
    code, out, _ = run(capsys, "engines")
    assert code == 0 and "sequential" in out


def test_show_lists_unconnected_inputs(capsys, tmp_path):
    wf = tmp_path / "open.json"
    wf.write_text(json.dumps({"graph": {"id": "o"}, "nodes": [
        {"id": "s", "task_type": "class", "task_identifier": "ewoks_core.testing.tasks.SumTask"}], "links": []}))
    code, out, _ = run(capsys, "show", str(wf))
    assert "s: a" in out


def test_console_script_runs():
    exe = Path(sys.executable).with_name("ewoks")
    proc = subprocess.run([str(exe), "execute", DEMO, "--json"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"x": 23}


def test_unknown_start_node_parameter_warns(capsys):
    code, out, err = run(capsys, "execute", DEMO, "-p", "aa=3", "--json")
    assert code == 0 and "warning: workflow input 'aa' is not an input of any start node" in err
    assert "Did you mean 'a'" in err


def test_demo_data_writes_the_libraries_data(capsys, tmp_path):
    pytest.importorskip("larch")
    code, out, err = run(capsys, "demo-data", str(tmp_path), "--only", "xas")
    assert code == 0, err
    written = json.loads(out)
    assert list(written) == ["xas"] and len(written["xas"]["ascii"]) == 3
    assert all(Path(p).is_file() for p in written["xas"]["ascii"])
    assert sorted(p.name for p in (tmp_path / "xas").iterdir()) == [
        "cu_exafs_demo.h5", "cu_exafs_scan001.dat", "cu_exafs_scan002.dat", "cu_exafs_scan003.dat"]


def test_demo_data_unknown_name(capsys, tmp_path):
    code, _, err = run(capsys, "demo-data", str(tmp_path), "--only", "saxs")
    assert code == 2 and "no demo data named 'saxs'" in err and "xrpd" in err
    assert not any(tmp_path.iterdir())


def test_pn_reaches_nodes_as_show_prints_them_and_digits_are_positional(capsys, tmp_path):
    (tmp_path / "sub.yaml").write_text(
        "graph: {id: sub}\n"
        "nodes:\n"
        "  - {id: n, task_type: class, task_identifier: ewoks_core.testing.tasks.SumTask,"
        " default_inputs: [{name: a, value: 1}]}\n"
        "links: []\n")
    (tmp_path / "top.yaml").write_text(
        "graph: {id: top}\n"
        "nodes:\n"
        "  - {id: m, task_type: graph, task_identifier: sub.yaml}\n"
        "  - {id: '1', task_type: method, task_identifier: operator.sub}\n"
        "links: []\n")
    code, out, err = run(capsys, "execute", str(tmp_path / "top.yaml"), "--pn", "m/n:b=5", "--pn", "1:0=10",
                         "--pn", "1:1=3", "--outputs", "all")
    assert code == 0, err
    results = json.loads(out)
    assert results["result"] == 6 and results["return_value"] == 7
    code, _, err = run(capsys, "execute", str(tmp_path / "top.yaml"), "--pn", "m/x:b=5")
    assert code == 2 and "no node with id 'm/x'" in err and "m/n" in err


def test_workflow_name_lookup_and_unreadable_event_files(capsys, tmp_path):
    code, _, err = run(capsys, "execute", str(tmp_path / "nothere"))
    assert code == 2 and "file not found" in err
    code, out, err = run(capsys, "execute", "demo", "--root-dir", str(ROOT / "workflows"), "-p", "a=1")
    assert code == 0, err
    (tmp_path / "bad.db").write_text("not a database")
    (tmp_path / "dir.db").mkdir()
    for name, expected in (("bad.db", "cannot read it as an SQLite event database"), ("dir.db", "is a folder")):
        code, _, err = run(capsys, "events", str(tmp_path / name))
        assert code == 2 and expected in err


def test_events_file_that_cannot_be_written_is_refused_before_running(capsys, tmp_path):
    (tmp_path / "dir.db").mkdir()
    code, out, err = run(capsys, "execute", DEMO, "--events", str(tmp_path / "dir.db"))
    assert code == 2 and "is a folder" in err and out == ""
    (tmp_path / "file").write_text("")
    code, out, err = run(capsys, "execute", DEMO, "--events", str(tmp_path / "file" / "e.db"))
    assert code == 2 and "cannot be written" in err and out == ""


def test_tasks_of_a_package_with_a_broken_module(capsys, tmp_path, monkeypatch):
    pkg = tmp_path / "tpkg_audit"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "broken.py").write_text("raise RuntimeError('boom')\n")
    (pkg / "good.py").write_text("from ewoks_core import Task\n\nclass T(Task, input_names=['a']):\n"
                                 "    def run(self):\n        pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    code, out, err = run(capsys, "tasks", "tpkg_audit", "--json")
    assert code == 0 and "warning: tpkg_audit.broken: cannot import it (RuntimeError: boom)" in err
    assert [t["task_identifier"] for t in json.loads(out)] == ["tpkg_audit.good.T"]
    assert json.loads(out)[0]["description"] == ""  # not Task's own docstring
    code, _, err = run(capsys, "tasks", "no_such_module_here")
    assert code == 2 and "no module named 'no_such_module_here'" in err


def test_progress_line_keeps_its_clock_running_during_a_long_node():
    import io
    import time

    from ewoks_core.cli.progress import ConsoleProgress
    from ewoks_core.events.record import Event

    stream = io.StringIO()
    progress = ConsoleProgress(2, stream)
    progress.emit(Event(context="node", type="start", job_id="j", node_id="slow"))
    deadline = time.monotonic() + 10
    while stream.getvalue().count("\r") < 3 and time.monotonic() < deadline:  # redrawn without new events
        time.sleep(0.05)
    progress.close()
    assert stream.getvalue().count("\r") >= 3 and "running: slow" in stream.getvalue()
