"""A run's events are complete or the run says they are not (issue 10, point 4).

Faults are real: a corrupt SQLite file, a Redis server that is not there or is killed mid-run,
/dev/full, a file size limit (RLIMIT_FSIZE) set by a task, a tmpfs that a task fills, an
archive in a read-only (bind-mounted) folder.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from ewoks_core import execute_graph
from ewoks_core.errors import EventSinkError, EventsLostError, EwoksError
from ewoks_core.events.readers import follow_events, list_jobs, read_events
from ewoks_core.events.sinks.jsonl import JsonLinesSink
from ewoks_core.events.sinks.memory import MemorySink

ROOT = Path(__file__).resolve().parents[2]
DEMO = str(ROOT / "workflows" / "demo.yaml")
EWOKS = [sys.executable, "-m", "ewoks_core.cli.main"]

PROBE_TASKS = textwrap.dedent('''
    import os
    import resource


    def limit_file_size(size, value=None):
        """Writes beyond `size` bytes now fail with EFBIG (Python ignores SIGXFSZ)."""
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
        return value


    def fill_disk(folder):
        """Write zeros into `folder` until its file system is full."""
        fd = os.open(os.path.join(folder, "filler"), os.O_WRONLY | os.O_CREAT)
        try:
            while os.write(fd, b"0" * 4096):
                pass
        except OSError:
            pass
        finally:
            os.close(fd)
        return folder


    def touch(path):
        with open(path, "w") as f:
            f.write("ran")
        return path
''')


def _handler(kind, target):
    name = {"sqlite": "uri", "jsonl": "path", "redis": "url"}[kind]
    return {"class": kind, "arguments": [{"name": name, "value": str(target)}]}


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _one_line(text):
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in text, text
    return lines[0]


def _limited_workflow(tmp_path, limit=4096):
    """limit (sets RLIMIT_FSIZE in the running process) -> wait (0.6 s) -> mark (writes marker.txt)."""
    (tmp_path / "probe_tasks.py").write_text(PROBE_TASKS)
    doc = {"graph": {"id": "limited"}, "links": [{"source": "limit", "target": "wait"},
                                                 {"source": "wait", "target": "mark"}],
           "nodes": [{"id": "limit", "task_type": "method", "task_identifier": "probe_tasks.limit_file_size",
                      "default_inputs": [{"name": "size", "value": limit}]},
                     {"id": "wait", "task_identifier": "ewoks_core.testing.tasks.Sleep",
                      "default_inputs": [{"name": "seconds", "value": 0.6}, {"name": "value", "value": 1}]},
                     {"id": "mark", "task_type": "method", "task_identifier": "probe_tasks.touch",
                      "default_inputs": [{"name": "path", "value": "marker.txt"}]}]}
    path = tmp_path / "limited.json"
    path.write_text(json.dumps(doc))
    return path


def _prefill(path, size=20000):
    """An events file already larger than the size limit the workflow sets (earlier jobs' events)."""
    if str(path).endswith(".db"):
        from ewoks_core.events.record import Event
        from ewoks_core.events.sinks.sqlite import SqliteSink, close_connections

        sink = SqliteSink(str(path))
        for i in range(200):
            sink.emit(Event(context="node", type="progress", job_id="earlier", node_id=f"n{i}", progress=1.0))
        sink.close()
        close_connections()
    else:
        with open(path, "w") as f:
            while f.tell() < size:
                f.write(json.dumps({"context": "job", "type": "start", "job_id": "earlier"}) + "\n")
    assert os.path.getsize(path) > 4096


def _run_cli(args, cwd, prefix=(), timeout=120):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))
    return subprocess.run([*prefix, *EWOKS, *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=env)


# ---- a sink that cannot write at all refuses the job before its first node


@pytest.fixture(params=["corrupt-sqlite", "unreachable-redis", "dev-full-jsonl", "sqlite-in-a-file"])
def unwritable_handler(request, tmp_path):
    if request.param == "corrupt-sqlite":
        (tmp_path / "bad.db").write_bytes(b"this is not an SQLite database" * 100)
        return _handler("sqlite", tmp_path / "bad.db"), "bad.db"
    if request.param == "unreachable-redis":
        pytest.importorskip("redis")
        url = f"redis://127.0.0.1:{_free_port()}/0"
        return _handler("redis", url), url
    if request.param == "dev-full-jsonl":
        if not os.path.exists("/dev/full"):
            pytest.skip("no /dev/full")
        os.symlink("/dev/full", tmp_path / "full.jsonl")
        return _handler("jsonl", tmp_path / "full.jsonl"), "full.jsonl"
    (tmp_path / "plain").write_text("a file, not a folder")
    return _handler("sqlite", tmp_path / "plain" / "e.db"), "e.db"


def test_sink_that_cannot_write_refuses_the_job_before_its_first_node(unwritable_handler):
    handler, name = unwritable_handler
    memory = MemorySink()
    with pytest.raises(EventSinkError) as info:
        execute_graph(DEMO, execinfo={"handlers": [handler, memory]})
    line = _one_line(str(info.value))
    assert handler["class"] in line and name in line and handler["arguments"][0]["name"] in line
    assert not [e for e in memory.events if e.context == "node"]  # no node ran


def test_cli_refuses_a_corrupt_events_database_with_one_line(tmp_path):
    (tmp_path / "bad.db").write_bytes(b"garbage" * 1000)
    proc = _run_cli(["execute", DEMO, "--events", tmp_path / "bad.db"], tmp_path)
    assert proc.returncode == 2 and proc.stdout == ""
    line = _one_line(proc.stderr)
    assert line.startswith("error: ") and "sqlite" in line and "bad.db" in line and "not a database" in line


# ---- events lost while the job runs


@pytest.mark.parametrize("kind", ["jsonl", "sqlite"])
def test_events_lost_mid_run_exit_1_after_printing_results(tmp_path, kind):
    workflow = _limited_workflow(tmp_path)
    events = tmp_path / f"events.{'db' if kind == 'sqlite' else kind}"
    _prefill(events)
    proc = _run_cli(["execute", workflow, "--events", events, "--json"], tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout) == {"return_value": "marker.txt"}  # the workflow completed
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("error: job ") and "could not be written to event handler" in last
    assert "Traceback" not in proc.stderr


def test_events_lost_mid_run_fail_policy_stops_the_job(tmp_path):
    workflow = _limited_workflow(tmp_path)
    events = tmp_path / "events.jsonl"
    _prefill(events)
    proc = _run_cli(["execute", workflow, "--events", events, "--on-events-lost", "fail"], tmp_path)
    assert proc.returncode == 1 and proc.stdout == ""
    assert "on_events_lost='fail'" in proc.stderr.strip().splitlines()[-1]
    assert not (tmp_path / "marker.txt").exists()  # the node after the failed write did not start


def test_events_lost_mid_run_warn_policy_keeps_the_old_behaviour(tmp_path):
    workflow = _limited_workflow(tmp_path)
    events = tmp_path / "events.jsonl"
    _prefill(events)
    proc = _run_cli(["execute", workflow, "--events", events, "--on-events-lost", "warn", "--json"], tmp_path)
    assert proc.returncode == 0 and json.loads(proc.stdout) == {"return_value": "marker.txt"}
    assert "could not be written" in proc.stderr


def _private_mount_namespace():
    """The command prefix that runs a command in its own mount namespace, or None (skip)."""
    if shutil.which("unshare") is None or not sys.platform.startswith("linux"):
        return None
    for prefix in (["unshare", "-m"], ["unshare", "-rm"]):
        try:
            if subprocess.run([*prefix, "true"], capture_output=True, timeout=30).returncode == 0:
                return prefix
        except (OSError, subprocess.TimeoutExpired):
            pass
    return None


@pytest.mark.parametrize("kind", ["jsonl", "sqlite"])
def test_events_lost_on_a_full_disk(tmp_path, kind):
    """A real full file system: a 256 KiB tmpfs (in a private mount namespace) that a task fills."""
    prefix = _private_mount_namespace()
    if prefix is None:
        pytest.skip("cannot mount a tmpfs here (unshare -m / -rm not permitted)")
    (tmp_path / "probe_tasks.py").write_text(PROBE_TASKS)
    disk = tmp_path / "disk"
    disk.mkdir()
    # fill -> after1 -> ... -> after8: more events than the slack of the events file's last page
    after = [f"after{i}" for i in range(1, 9)]
    doc = {"graph": {"id": "fill"},
           "links": [{"source": s, "target": t, "map_all_data": s != "fill"}
                     for s, t in zip(["fill"] + after, after, strict=False)],
           "nodes": [{"id": "fill", "task_type": "method", "task_identifier": "probe_tasks.fill_disk",
                      "default_inputs": [{"name": "folder", "value": str(disk)}]}]
           + [{"id": name, "task_identifier": "ewoks_core.testing.tasks.Noop",
               "default_inputs": [{"name": "value", "value": 7}]} for name in after]}
    (tmp_path / "fill.json").write_text(json.dumps(doc))
    events = disk / f"events.{'db' if kind == 'sqlite' else kind}"
    cli = " ".join([*EWOKS, "execute", "fill.json", "--events", str(events), "--json"])
    script = f"mount -t tmpfs -o size=256k tmpfs {disk} && exec {cli}"
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    proc = subprocess.run([*prefix, "sh", "-c", script], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, env=env)
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout) == {"value": 7}
    last = proc.stderr.strip().splitlines()[-1]
    assert "could not be written to event handler" in last and ("full" in last or "No space" in last), last


def test_events_lost_when_redis_dies_mid_run(tmp_path):
    pytest.importorskip("redis")
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server not found")
    port = _free_port()
    server = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
                               "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        import redis

        client = redis.Redis(port=port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                assert time.monotonic() < deadline and server.poll() is None
                time.sleep(0.05)
        client.close()
        url = f"redis://127.0.0.1:{port}/0"
        doc = {"graph": {"id": "kill"}, "links": [{"source": "kill", "target": "after"}],
               "nodes": [{"id": "kill", "task_type": "method", "task_identifier": "os.kill",
                          "default_inputs": [{"name": 0, "value": server.pid}, {"name": 1, "value": 9}]},
                         {"id": "after", "task_identifier": "ewoks_core.testing.tasks.Noop",
                          "default_inputs": [{"name": "value", "value": 5}]}]}
        with pytest.raises(EventsLostError) as info:
            execute_graph(doc, execinfo={"handlers": [_handler("redis", url)],
                                         "job_id": "killed"}, outputs=[{"id": "after"}])
        assert info.value.results == {"value": 5}
        assert "redis" in str(info.value) and str(port) in str(info.value)
    finally:
        server.kill()
        server.wait()


# ---- readers never write


def _read_only_runner(folder):
    """A command prefix under which `folder` is read-only (even for root), or None (skip)."""
    if os.geteuid() != 0:
        os.chmod(folder, 0o555)
        for child in folder.iterdir():
            os.chmod(child, 0o444)
        return lambda argv: argv
    prefix = _private_mount_namespace()
    if prefix is None:
        return None

    def wrap(argv):
        cmd = " ".join(f"'{a}'" for a in argv)
        return [*prefix, "sh", "-c", f"mount --bind {folder} {folder} && mount -o remount,ro,bind {folder} {folder}"
                f" && touch {folder}/write-probe 2>/dev/null && exit 99; exec {cmd}"]

    return wrap


def test_archived_events_in_a_read_only_folder_are_readable(tmp_path):
    archive = tmp_path / "archive"
    for name in ("events.db", "events.jsonl"):
        kind = "sqlite" if name.endswith(".db") else "jsonl"
        execute_graph(DEMO, execinfo={"job_id": "scan7", "handlers": [_handler(kind, archive / name)]})
    from ewoks_core.events.sinks.sqlite import close_connections

    close_connections()  # as after the writing process ended: no -wal/-shm files left
    before = {p.name: p.read_bytes() for p in archive.iterdir()}
    assert sorted(before) == ["events.db", "events.jsonl"]
    wrap = _read_only_runner(archive)
    if wrap is None:
        pytest.skip("cannot make a read-only folder here")
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    try:
        for name in before:
            for extra in (["--jobs"], ["--job", "scan7", "--type", "end"]):
                proc = subprocess.run(wrap([*EWOKS, "events", str(archive / name), *extra]), capture_output=True,
                                      text=True, timeout=120, env=env, cwd=tmp_path)
                assert proc.returncode == 0, (name, proc.stderr)
                assert "scan7" in proc.stdout and ("success" in proc.stdout or "end" in proc.stdout)
    finally:
        os.chmod(archive, 0o755)
    assert {p.name: p.read_bytes() for p in archive.iterdir()} == before  # nothing written, nothing created


def test_reading_creates_no_file_next_to_the_database(tmp_path, capsys):
    """Found by the fuzz test: a read-only connection to a WAL database left an "-shm" file behind."""
    from ewoks_core.cli.main import main
    from ewoks_core.events.sinks.sqlite import close_connections

    db = tmp_path / "events.db"
    execute_graph(DEMO, execinfo={"job_id": "j", "handlers": [_handler("sqlite", db)]})
    close_connections()
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(["events", str(db), "--jobs"]) == 0 and main(["events", str(db), "--job", "j"]) == 0
    assert len(list(read_events(str(db), job_id="j"))) == 16
    assert len(list(follow_events(str(db), job_id="j", timeout=10))) == 16
    assert sorted(p.name for p in tmp_path.iterdir()) == before == ["events.db"]


def test_reader_of_a_live_database_sees_new_events(tmp_path):
    """Read-only connections still follow a database being written (WAL)."""
    from ewoks_core.events.record import Event
    from ewoks_core.events.sinks.sqlite import SqliteSink

    sink = SqliteSink(str(tmp_path / "live.db"))
    sink.emit(Event(context="job", type="start", job_id="live"))
    sink.flush()
    assert [e.type for e in read_events(sink.uri)] == ["start"]
    sink.emit(Event(context="job", type="end", job_id="live", error=False))
    sink.flush()
    assert [e.type for e in read_events(sink.uri)] == ["start", "end"]
    assert list_jobs(sink.uri)[0]["status"] == "success"
    sink.close()


# ---- a job id is one job


@pytest.mark.parametrize("kind", ["sqlite", "jsonl", "redis"])
def test_reused_job_id_is_refused(tmp_path, kind, request):
    suffix = "db" if kind == "sqlite" else kind
    target = request.getfixturevalue("redis_url") if kind == "redis" else tmp_path / f"e.{suffix}"
    handler = _handler(kind, target)
    execute_graph(DEMO, execinfo={"job_id": "scan42", "handlers": [handler]})
    with pytest.raises(EventSinkError) as info:
        execute_graph(DEMO, execinfo={"job_id": "scan42", "handlers": [handler]})
    line = _one_line(str(info.value))
    assert "'scan42'" in line and "already has events" in line and "'scan42-2'" in line
    jobs = list_jobs(str(target))
    assert [(j["job_id"], j["n_events"]) for j in jobs] == [("scan42", 16)]  # nothing merged into it
    execute_graph(DEMO, execinfo={"job_id": "scan42-2", "handlers": [handler]})  # how to continue
    execute_graph(DEMO, execinfo={"handlers": [handler]})  # random ids are new
    assert len(list_jobs(str(target))) == 3


def test_cli_reused_job_id_exit_2(tmp_path):
    events = tmp_path / "events.db"
    assert _run_cli(["execute", DEMO, "--events", events, "--job-id", "j1"], tmp_path).returncode == 0
    proc = _run_cli(["execute", DEMO, "--events", events, "--job-id", "j1"], tmp_path)
    assert proc.returncode == 2 and proc.stdout == ""
    assert "job id 'j1' already has events" in _one_line(proc.stderr)


# ---- handler entries


def test_handler_argument_the_sink_does_not_take(tmp_path):
    handler = {"class": "jsonl", "arguments": [{"name": "uri", "value": str(tmp_path / "e.jsonl")}]}
    with pytest.raises(EwoksError) as info:
        execute_graph(DEMO, execinfo={"handlers": [handler]})
    line = _one_line(str(info.value))
    assert "'jsonl' takes no argument 'uri'" in line and "'path'" in line and "handlers[0]" in line


@pytest.mark.parametrize("execinfo, expected", [
    ({"handlers": [{"class": "sqlite"}]}, "needs the argument(s) 'uri'"),
    ({"handlers": [{"class": "nosuch"}]}, "is not 'module.Class'"),
    ({"handlers": [{"class": "sqlite", "arguments": [{"name": "uri", "value": "x.db"},
                                                     {"name": "timeout", "value": "soon"}]}]}, "cannot be created"),
    ({"handlers": ["events.db"]}, "an event handler is"),
    ({"handlers": {"class": "sqlite"}}, "'handlers' must be a list"),
    ({"handlers": [{"class": "sqlite", "arguments": "uri=x.db"}]}, "'arguments' must be a list"),
    ({"on_events_lost": "ignore"}, "on_events_lost 'ignore' is not one of 'raise', 'fail', 'warn'"),
    ({"job_id": ["a"]}, "is not a text or a number"),
])
def test_bad_execinfo_is_one_line(tmp_path, monkeypatch, execinfo, expected):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(EwoksError) as info:
        execute_graph(DEMO, execinfo=execinfo)
    assert expected in _one_line(str(info.value))
    assert not (tmp_path / "x.db").exists()


def test_jsonl_line_cut_by_a_full_disk_does_not_swallow_the_next_event(tmp_path):
    path = tmp_path / "e.jsonl"
    path.write_text('{"context": "job", "type": "start", "job_id": "a"}\n{"context": "job", "ty')  # cut
    sink = JsonLinesSink(str(path))
    execute_graph(DEMO, execinfo={"job_id": "b", "handlers": [sink]})
    sink.close()
    assert sorted(j["job_id"] for j in list_jobs(str(path))) == ["a", "b"]
    assert len(list(read_events(str(path), job_id="b"))) == 16
