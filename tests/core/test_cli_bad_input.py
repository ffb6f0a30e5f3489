"""Every bad command line gets one clear line and exit 2 (issue 10, point 5).

Commands that could hang on the code this replaced (a FIFO, /dev/zero) run in a subprocess
with a timeout, so a regression fails instead of blocking the suite.
"""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from ewoks_core import execute_graph, load_graph
from ewoks_core.cli.main import main
from ewoks_core.errors import GraphFormatError
from ewoks_core.persistence.atomic import atomic_write_text
from ewoks_core.testing.builders import graph, link, node

ROOT = Path(__file__).resolve().parents[2]
DEMO = str(ROOT / "workflows" / "demo.yaml")
EWOKS = [sys.executable, "-m", "ewoks_core.cli.main"]
TEMP_MARK = "ewoks-tmp"  # temporary files of atomic writes: .<name>.ewoks-tmp-<host hash>-<pid>-<random>
STALE_AFTER = 24 * 3600  # seconds after which another host's temporary file is stale


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err):
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
    return lines[0]


def run_subprocess(argv, cwd, timeout=60):
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    try:
        return subprocess.run([*EWOKS, *map(str, argv)], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                              env=env)
    except subprocess.TimeoutExpired:
        pytest.fail(f"ewoks {' '.join(map(str, argv))} did not end within {timeout} s")


# ---- paths that are not workflow or event files


def _bad_paths(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    (tmp_path / "plain").write_text("a file")
    os.symlink(tmp_path / "loop_b.yaml", tmp_path / "loop_a.yaml")
    os.symlink(tmp_path / "loop_a.yaml", tmp_path / "loop_b.yaml")
    paths = {"folder": (tmp_path, "is a folder"), "fifo": (fifo, "not a regular file"),
             "proc-status": ("/proc/self/status", "proc file system"),
             "proc-mem": ("/proc/self/mem", "proc file system"),
             "dev-zero": ("/dev/zero", "not a regular file"),
             "through-a-file": (tmp_path / "plain" / "wf.yaml", "cannot be read"),
             "link-loop": (tmp_path / "loop_a.yaml", "cannot be read")}
    if os.geteuid() != 0:
        locked = tmp_path / "locked.yaml"
        locked.write_text("graph: {}")
        locked.chmod(0)
        paths["unreadable"] = (locked, "permission denied")
    return paths


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc, /dev/zero and FIFOs")
@pytest.mark.parametrize("command", ["execute", "show", "convert", "events"])
def test_paths_that_are_not_files_are_one_line_exit_2(tmp_path, capsys, command):
    for name, (path, expected) in _bad_paths(tmp_path).items():
        argv = [command, path] + ([tmp_path / "out.json"] if command == "convert" else [])
        if name in ("fifo", "dev-zero"):  # reading them would block or never end: in a subprocess
            proc = run_subprocess(argv, tmp_path)
            code, err = proc.returncode, proc.stderr
        else:
            code, _, err = run(capsys, *argv)
        assert code == 2, (name, err)
        line = one_line(err)
        assert expected in line or (command == "events" and "not found" in line and name == "through-a-file"), \
            (name, line)
        assert not (tmp_path / "out.json").exists()


def test_corrupt_event_files_are_one_line_exit_2(tmp_path, capsys):
    real = tmp_path / "real.db"
    handler = {"class": "sqlite", "arguments": [{"name": "uri", "value": str(real)}]}
    execute_graph(DEMO, execinfo={"handlers": [handler]})
    from ewoks_core.events.sinks.sqlite import close_connections

    close_connections()
    truncated = tmp_path / "truncated.db"
    truncated.write_bytes(real.read_bytes()[:3000])
    (tmp_path / "garbage.db").write_bytes(os.urandom(5000))
    (tmp_path / "garbage.jsonl").write_bytes(b"\x00\xff" * 3000 + b"\n" + os.urandom(3000) + b"\n")
    (tmp_path / "workflow.json").write_text(json.dumps({"graph": {"id": "w"}, "nodes": [], "links": []}) + "\n")
    (tmp_path / "lines.jsonl").write_text("[1, 2]\n" * 100 + "[" * 5000 + "]" * 5000 + "\n")
    for name in ("truncated.db", "garbage.db", "garbage.jsonl", "workflow.json", "lines.jsonl"):
        for extra in ([], ["--jobs"]):
            code, out, err = run(capsys, "events", tmp_path / name, *extra)
            assert code == 2, (name, err)
            assert name in one_line(err)


def test_event_file_with_some_bad_lines_warns_once(tmp_path):
    lines = ["not json"] * 50 + [json.dumps({"context": "job", "type": "start", "job_id": "j"})] + ["[1]"] * 50
    (tmp_path / "some.jsonl").write_text("\n".join(lines) + "\n")
    proc = run_subprocess(["events", tmp_path / "some.jsonl"], tmp_path)
    assert proc.returncode == 0 and "start" in proc.stdout
    warnings = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(warnings) == 1 and "skipped 100 line(s)" in warnings[0], proc.stderr


# ---- one nesting limit for the loader and the printer


def _nested(depth, leaf=1):
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


def _echo_doc(value):
    return {"graph": {"id": "deep"}, "links": [],
            "nodes": [{"id": "echo", "task_identifier": "ewoks_core.testing.tasks.Echo",
                       "default_inputs": [{"name": "a", "value": value}]}]}


@pytest.mark.parametrize("depth", [95, 96, 200, 985])
def test_documents_nested_beyond_the_limit_are_refused_everywhere(tmp_path, capsys, depth):
    path = tmp_path / "deep.json"
    value = "[" * depth + "1" + "]" * depth
    path.write_text(json.dumps(_echo_doc("VALUE")).replace('"VALUE"', value))
    fits = depth <= 95  # the document's own levels (nodes, a node, default_inputs, an input) + 95 + 1
    for argv in (["show", path], ["execute", path], ["convert", path, tmp_path / "out.yaml"],
                 ["convert", path, "-"]):
        code, out, err = run(capsys, *argv)
        if fits:
            assert code == 0, err
        else:
            assert code == 2 and "nested deeper than 100 levels" in one_line(err), argv
    if fits:
        assert load_graph(str(tmp_path / "out.yaml")).nodes["echo"].default_inputs[0][1] == _nested(depth)
    with pytest.raises(GraphFormatError, match="nested deeper than 100 levels"):
        load_graph(_echo_doc(_nested(200)))  # a dict from Python, not a file


def test_command_line_values_and_results_nested_too_deep(tmp_path, capsys):
    code, _, err = run(capsys, "execute", DEMO, "-p", "a=" + "[" * 5000 + "]" * 5000)
    assert code == 2 and "nested deeper than 100 levels" in one_line(err)
    code, _, err = run(capsys, "execute", DEMO, "-p", "a=" + "[" * 500 + "]" * 500)
    assert code == 2 and "nested deeper than 100 levels" in one_line(err)
    # a task may return anything: results deeper than the limit are printed down to it
    doc = {"graph": {"id": "deep"}, "links": [], "nodes": [
        {"id": "parse", "task_type": "method", "task_identifier": "json.loads",
         "default_inputs": [{"name": "s", "value": "[" * 900 + "]" * 900}]}]}
    (tmp_path / "deep_result.json").write_text(json.dumps(doc))
    for extra in ([], ["--json"]):
        code, out, err = run(capsys, "execute", tmp_path / "deep_result.json", *extra)
        assert code == 0, err
        assert "nested deeper than 100 levels" in out


# ---- node ids


def test_node_ids_written_the_same_are_refused(tmp_path, capsys):
    doc = graph("ids", [node(1, "SumTask", {"a": 1}), node("1", "SumTask", {"a": 2})], [])
    path = tmp_path / "ids.json"
    path.write_text(json.dumps(doc))
    for argv in (["execute", path], ["show", path], ["convert", path, tmp_path / "out.json"]):
        code, _, err = run(capsys, *argv)
        assert code == 2 and "node ids 1 and '1' are both written '1'" in one_line(err)
    with pytest.raises(GraphFormatError, match="both written"):
        execute_graph(doc)


def test_link_naming_a_node_by_the_other_type_says_so():
    doc = graph("ids", [node(1, "SumTask", {"a": 1}), node("b", "SumTask")], [link("1", "b", {"result": "a"})])
    with pytest.raises(GraphFormatError, match=r"unknown node '1'\. The node's id is 1 \(a int\), not '1' \(a str\)"):
        load_graph(doc)


def test_sub_graph_node_and_node_written_the_same_are_refused(tmp_path):
    (tmp_path / "sub.json").write_text(json.dumps(graph("sub", [node("a", "SumTask", {"a": 1})], [])))
    doc = {"graph": {"id": "top"}, "links": [], "nodes": [
        {"id": "sub", "task_type": "graph", "task_identifier": str(tmp_path / "sub.json")},
        {"id": "sub/a", "task_identifier": "ewoks_core.testing.tasks.SumTask",
         "default_inputs": [{"name": "a", "value": 2}]}]}
    with pytest.raises(GraphFormatError, match=r"node ids \('sub', 'a'\) and 'sub/a' are both written 'sub/a'"):
        execute_graph(doc)


# ---- default inputs the task does not declare


def test_undeclared_default_inputs_shown_and_warned(tmp_path, capsys):
    doc = graph("typo", [node("s", "SumTask", {"a": 1, "bb": 2, "delya": 0})], [])
    path = tmp_path / "typo.json"
    path.write_text(json.dumps(doc))
    code, out, _ = run(capsys, "show", path)
    assert code == 0 and "default inputs the tasks do not declare" in out
    assert "node 's': default input(s) 'bb', 'delya' are not inputs of task" in out and "Did you mean 'b'" in out
    code, out, err = run(capsys, "execute", path, "--json")
    assert code == 0 and json.loads(out) == {"result": 1}
    assert "warning: " in err and "'bb', 'delya' are not inputs" in err
    with pytest.warns(UserWarning, match="'bb', 'delya' are not inputs of task"):
        execute_graph(doc)


# ---- temporary files of interrupted writes


def test_temporary_file_of_a_killed_write_is_removed_by_the_next_write(tmp_path):
    target = tmp_path / "results" / "wf" / "node.json"
    script = textwrap.dedent(f"""
        import os, signal
        from ewoks_core.persistence.atomic import atomic_path
        with atomic_path({str(target)!r}) as tmp:
            tmp.write_text("half a result")
            os.kill(os.getpid(), signal.SIGKILL)
    """)
    proc = subprocess.run([sys.executable, "-c", script], env=dict(os.environ, PYTHONPATH=str(ROOT / "src")),
                          timeout=60)
    assert proc.returncode == -signal.SIGKILL
    folder = target.parent
    leftovers = [p.name for p in folder.iterdir()]
    assert len(leftovers) == 1 and TEMP_MARK in leftovers[0] and not target.exists()
    # files that are not ours, or not stale, stay
    keep = [".node.json.tmp", "notes.ewoks-tmp", f".x.{TEMP_MARK}-0123abcd-1-abcdefgh.bak",
            f".recent.json.{TEMP_MARK}-0123abcd-{os.getpid()}-abcdefgh"]
    for name in keep:
        (folder / name).write_text("not ours to remove")
    old = folder / f".old.json.{TEMP_MARK}-0123abcd-77-abcdefgh"  # another host's, two days old
    old.write_text("stale")
    os.utime(old, (time.time() - 2 * STALE_AFTER,) * 2)
    atomic_write_text(folder / "other.json", "{}")  # the next write into the folder
    assert sorted(p.name for p in folder.iterdir()) == sorted(keep + ["other.json"])


def test_interrupted_result_write_is_cleaned_by_the_next_run(tmp_path, capsys):
    root = tmp_path / "results"
    code, _, err = run(capsys, "execute", DEMO, "--data-root-uri", root, "--data-scheme", "json")
    assert code == 0, err
    folder = next(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    from ewoks_core.persistence.atomic import _host

    stale = folder / f".count.json.{TEMP_MARK}-{_host()}-{dead.pid}-abcdefgh"
    stale.write_text("half a result")
    code, _, err = run(capsys, "execute", DEMO, "--data-root-uri", root, "--data-scheme", "json", "-p", "a=2")
    assert code == 0, err
    assert not stale.exists()


# ---- long lists in messages


def test_messages_name_ten_nodes_and_how_many_more():
    sources = [node(f"src{i}", "SumTask", {"a": i}) for i in range(1000)]
    doc = graph("fanin", sources + [node("sum", "SumTask")], [link(f"src{i}", "sum", {"result": "a"})
                                                              for i in range(1000)])
    with pytest.raises(GraphFormatError) as info:
        execute_graph(doc)
    message = str(info.value)
    assert "set by 1000 required links" in message and "'src9' and 990 more" in message
    assert "'src10'" not in message and len(message) < 600


def test_unused_workflow_input_names_ten_start_nodes(recwarn):
    doc = graph("starts", [node(f"n{i}", "SumTask", {"a": i}) for i in range(50)], [])
    execute_graph(doc, inputs=[{"name": "aa", "value": 1}])
    messages = [str(w.message) for w in recwarn if "is not an input of any start node" in str(w.message)]
    assert len(messages) == 1 and "'n9' and 40 more" in messages[0] and "'n10'" not in messages[0]


# ---- cases the fuzz test (test_fuzz.py) found, kept as plain regression tests


def test_cases_found_by_the_fuzz_test(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("null_graph.json").write_text('{"graph": null, "nodes": [], "links": []}')
    Path("control.yaml").write_bytes(b"graph: {id: \x91}\n")
    Path("newline_ids.json").write_text(json.dumps(graph("g", [], [link("a\nb", "c\nd")])))
    lines = [{"context": "job", "job_id": "no-type"}, {"context": "job", "type": "start", "job_id": ["a", "list"]}]
    Path("odd.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    for argv, expected_code in ((["show", "/"], 2), (["execute", "null_graph.json"], 2), (["show", "x" * 300], 2),
                                (["convert", "control.yaml", "out.json"], 2), (["execute", "newline_ids.json"], 2),
                                (["events", "odd.jsonl"], 0), (["events", "odd.jsonl", "--jobs"], 0)):
        code, out, err = run(capsys, *argv)
        assert code == expected_code, (argv, err)
        if code:
            one_line(err)
    for name in ("\ud800", "a\x00b.json"):
        with pytest.raises(GraphFormatError, match="is not a valid file name"):
            load_graph(name)
