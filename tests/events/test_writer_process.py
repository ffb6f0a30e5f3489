"""The event writer process (events/sinks/offload.py): the same lines and rows as written in-process,
destination errors raised where the batch is kept, a killed writer loses nothing, it ends with its parent."""

import json
import logging
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time

import psutil
import pytest

from ewoks_core import execute_graph
from ewoks_core.events.record import JobInfo
from ewoks_core.events.sinks import offload
from ewoks_core.events.sinks.jsonl import JsonLinesSink
from ewoks_core.events.sinks.sqlite import TABLE, SqliteSink
from ewoks_core.testing.builders import noop_chain


@pytest.fixture
def writer_mode(monkeypatch):
    """Set EWOKS_EVENT_WRITER (every batch goes to the writer in "process" mode); no writer before or after."""
    offload.shutdown()
    monkeypatch.setattr(offload, "_STARTS", 0)
    monkeypatch.setattr(offload, "SMALL", 1)

    def set_mode(mode: str) -> None:
        monkeypatch.setenv("EWOKS_EVENT_WRITER", mode)

    yield set_mode
    offload.shutdown()


def _records(job, n, start=0):
    """n short records and, every 10th, a long one (error, traceback, progress, URIs)."""
    t = 1_700_000_000.25
    records = []
    for i in range(start, start + n):
        if i % 10 == 3:
            records.append((job, "node", "end", f"n{i}", "t.Task", t + i * 1e-4, True, "ValueError: bad \u00e9\n\"q\"",
                            "Traceback...\n", None, f"file:{i}.h5", {"a": f"file:a{i}"}, {"b": [1, 2.5, None]}))
        elif i % 10 == 7:
            records.append((job, "node", "progress", f"n{i}", "t.Task", t + i * 1e-4, None, None, None, 42.5, None,
                            None, None))
        else:
            records.append((job, "node", "start", f"n{i}", "t.Task", t + i * 1e-4, None))
    return records


def _write(sink, records):
    for record in records:
        sink.emit_record(record)
    sink.flush()


def _sqlite_rows(path):
    with sqlite3.connect(path) as conn:
        return conn.execute(f"SELECT * FROM {TABLE} ORDER BY rowid").fetchall()


def _refuse_here(monkeypatch):
    """Make this process's own writing fail: a batch written is then one the writer process wrote."""
    def refuse(self, events):
        raise AssertionError("written in the test process, not by the writer process")

    monkeypatch.setattr(JsonLinesSink, "_write", refuse)
    monkeypatch.setattr(SqliteSink, "_write", refuse)


@pytest.mark.parametrize("kind", ["jsonl", "sqlite"])
def test_same_lines_and_rows_as_written_here(tmp_path, writer_mode, monkeypatch, kind):
    job = JobInfo("job-1", "sequential", "wf")
    records = _records(job, 300)
    make = (lambda name: JsonLinesSink(str(tmp_path / f"{name}.jsonl"))) if kind == "jsonl" else \
        (lambda name: SqliteSink(str(tmp_path / f"{name}.db")))
    writer_mode("thread")
    here = make("here")
    _write(here, records)
    writer_mode("process")
    with monkeypatch.context() as m:
        _refuse_here(m)
        there = make("there")
        _write(there, records)
    assert offload.writer_pid() not in (None, os.getpid())
    if kind == "jsonl":
        data = (tmp_path / "there.jsonl").read_bytes()
        assert data == (tmp_path / "here.jsonl").read_bytes()
        assert len(data.splitlines()) == 300
        assert json.loads(data.splitlines()[0])["process_id"] == os.getpid()  # this process's events
    else:
        assert _sqlite_rows(tmp_path / "there.db") == _sqlite_rows(tmp_path / "here.db")
        assert len(_sqlite_rows(tmp_path / "there.db")) == 300


def test_destination_error_is_raised_and_the_batch_kept(tmp_path, writer_mode, monkeypatch):
    writer_mode("process")
    blocker = tmp_path / "not_a_dir"
    blocker.write_text("a file where the sink needs a directory")
    sink = JsonLinesSink(str(blocker / "events.jsonl"))
    job = JobInfo("job-2", "sequential", "wf")
    with monkeypatch.context() as m:
        _refuse_here(m)
        for record in _records(job, 120):
            sink.emit_record(record)
        with pytest.raises((NotADirectoryError, FileExistsError)):
            sink.flush()
        assert sink.pending() == 120
        blocker.unlink()
        sink.flush()
    assert sink.pending() == 0
    lines = (blocker / "events.jsonl").read_text().splitlines()
    assert [json.loads(line)["node_id"] for line in lines] == [f"n{i}" for i in range(120)]


def test_a_killed_writer_loses_nothing(tmp_path, writer_mode, caplog):
    writer_mode("process")
    sink = JsonLinesSink(str(tmp_path / "events.jsonl"))
    job = JobInfo("job-3", "sequential", "wf")
    _write(sink, _records(job, 100))
    first = offload.writer_pid()
    assert first is not None
    os.kill(first, signal.SIGKILL)
    psutil.Process(first).wait(10)
    with caplog.at_level(logging.WARNING, logger="ewoks_core.events"):
        _write(sink, _records(job, 100, start=100))  # written here: the writer is gone
    assert "cannot be reached" in caplog.text
    _write(sink, _records(job, 100, start=200))  # a new writer
    assert offload.writer_pid() not in (None, first)
    lines = (tmp_path / "events.jsonl").read_text().splitlines()
    assert [json.loads(line)["node_id"] for line in lines] == [f"n{i}" for i in range(300)]


def test_values_that_do_not_pickle_are_written_here(tmp_path, writer_mode):
    writer_mode("process")
    sink = JsonLinesSink(str(tmp_path / "events.jsonl"))
    job = JobInfo("job-4", "sequential", "wf")
    lock = threading.Lock()
    records = _records(job, 20) + [(job, "node", "end", "odd", "t", 1.0, False, None, None, None, None,
                                    {"lock": lock}, None)]
    _write(sink, records)
    lines = [json.loads(line) for line in (tmp_path / "events.jsonl").read_text().splitlines()]
    assert len(lines) == 21
    assert lines[-1]["input_uris"] == {"lock": str(lock)}


def test_a_sink_class_the_writer_cannot_import_is_written_here(tmp_path, writer_mode, monkeypatch):
    writer_mode("process")
    module = tmp_path / "only_here" / "my_sinks.py"
    module.parent.mkdir()
    module.write_text("from ewoks_core.events.sinks.jsonl import JsonLinesSink\n\n\n"
                      "class MySink(JsonLinesSink):\n    pass\n")
    monkeypatch.syspath_prepend(str(module.parent))
    from my_sinks import MySink

    job = JobInfo("job-5", "sequential", "wf")
    _write(JsonLinesSink(str(tmp_path / "first.jsonl")), _records(job, 10))  # starts the writer
    writer = offload.writer_pid()
    sink = MySink(str(tmp_path / "events.jsonl"))
    _write(sink, _records(job, 50))
    assert len((tmp_path / "events.jsonl").read_text().splitlines()) == 50
    assert offload.writer_pid() == writer  # still serving the others


def test_auto_starts_it_for_fast_emitters_only(tmp_path, writer_mode, monkeypatch):
    writer_mode("auto")
    monkeypatch.setattr(offload, "_WRITTEN", 0)
    monkeypatch.setattr(offload, "START_AFTER", 4000)  # 20,000 by default: ~0.3 s of this test

    def run(n):
        path = tmp_path / f"chain{n}.jsonl"
        handler = {"class": "jsonl", "arguments": [{"name": "path", "value": str(path)}]}
        execute_graph(noop_chain(n), execinfo={"handlers": [handler]})
        return [json.loads(line) for line in path.read_text().splitlines()]

    run(20)  # few events
    assert offload.writer_pid() is None
    run(1500)  # fast, but 3,000 events so far: starting would cost more than it saves
    assert offload.writer_pid() is None
    events = run(3000)
    assert offload.writer_pid() is not None
    node_events = [(e["node_id"], e["type"]) for e in events if e["context"] == "node"]
    assert node_events == [(str(i), kind) for i in range(3000) for kind in ("start", "end")]
    assert events[0]["context"] == "job" and events[-1]["context"] == "job"


def test_thread_mode_never_starts_it(tmp_path, writer_mode):
    writer_mode("thread")
    _write(JsonLinesSink(str(tmp_path / "events.jsonl")), _records(JobInfo("j", "e", "w"), 2000))
    assert offload.writer_pid() is None


def _may_start():
    return offload._may_start()


def test_pool_workers_write_themselves():
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        assert pool.apply(_may_start) is False
    assert offload._may_start() is True


_PARENT = textwrap.dedent("""
    import os, sys, time
    os.environ["EWOKS_EVENT_WRITER"] = "process"
    from ewoks_core.events.record import JobInfo
    from ewoks_core.events.sinks import offload
    from ewoks_core.events.sinks.jsonl import JsonLinesSink
    sink = JsonLinesSink(sys.argv[1])
    job = JobInfo("job-6", "sequential", "wf")
    for i in range(200):
        sink.emit_record((job, "node", "start", f"n{i}", "t", time.time(), None))
    sink.flush()
    child = os.fork()
    if child == 0:  # holds the pipes to the writer it inherited, unless they were closed
        time.sleep(60)
        os._exit(0)
    for i in range(200, 300):
        sink.emit_record((job, "node", "start", f"n{i}", "t", time.time(), None))
    import pickle
    from ewoks_core.events.sinks._frames import SEQ, send_frame
    payload = SEQ.pack(offload._CLIENT.seq + 1) + pickle.dumps((JsonLinesSink, sink._init_args, list(sink._queue)))
    send_frame(offload._CLIENT.requests, payload)  # sent, never waited for: the parent is killed next
    print(offload.writer_pid(), child, flush=True)
    time.sleep(60)
""")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_the_writer_ends_with_its_parent_and_writes_what_it_got(tmp_path):
    path = tmp_path / "events.jsonl"
    script = tmp_path / "parent.py"
    script.write_text(_PARENT)
    parent = subprocess.Popen([sys.executable, str(script), str(path)], stdout=subprocess.PIPE, text=True)
    writer, child = map(int, parent.stdout.readline().split())
    try:
        parent.kill()
        parent.wait()
        try:
            psutil.Process(writer).wait(5)  # ends although the forked child, which inherited its pipes, runs
        except psutil.NoSuchProcess:
            pass
        assert psutil.pid_exists(child)
    finally:
        for pid in (child, writer):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    lines = path.read_text().splitlines()
    assert [json.loads(line)["node_id"] for line in lines] == [f"n{i}" for i in range(300)]


def test_relative_paths_follow_this_process_working_directory(tmp_path, writer_mode, monkeypatch):
    writer_mode("process")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    monkeypatch.chdir(tmp_path / "a")
    job = JobInfo("job-7", "sequential", "wf")
    _write(JsonLinesSink("events.jsonl"), _records(job, 100))  # starts the writer in a/
    assert offload.writer_pid() is not None
    monkeypatch.chdir(tmp_path / "b")
    _write(JsonLinesSink("events.jsonl"), _records(job, 100, start=100))
    assert len((tmp_path / "a" / "events.jsonl").read_text().splitlines()) == 100
    assert len((tmp_path / "b" / "events.jsonl").read_text().splitlines()) == 100


def test_an_unknown_mode_is_named_once(monkeypatch, caplog):
    monkeypatch.setenv("EWOKS_EVENT_WRITER", "proces")
    with caplog.at_level(logging.WARNING, logger="ewoks_core.events"):
        assert offload.mode() == "auto"
        assert offload.mode() == "auto"
    assert caplog.text.count("EWOKS_EVENT_WRITER='proces' is not one of auto, process, thread") == 1


def test_close_connections_leaves_a_self_contained_database(tmp_path, writer_mode, monkeypatch):
    """What the writer committed is in the database file itself once the connections are closed."""
    from ewoks_core.events.sinks.sqlite import close_connections

    writer_mode("process")
    path = tmp_path / "events.db"
    with monkeypatch.context() as m:
        _refuse_here(m)
        sink = SqliteSink(str(path))
        _write(sink, _records(JobInfo("job-8", "sequential", "wf"), 200))
    sink.close()
    close_connections()
    assert not os.path.exists(f"{path}-wal") or os.path.getsize(f"{path}-wal") == 0
    assert os.path.getsize(path) > 4096
    with sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True) as conn:  # the file alone
        assert conn.execute(f"SELECT count(*) FROM {TABLE}").fetchone() == (200,)


def test_an_idle_writer_closes_its_files(tmp_path, writer_mode):
    writer_mode("process")
    path = tmp_path / "events.jsonl"
    _write(JsonLinesSink(str(path)), _records(JobInfo("job-9", "sequential", "wf"), 100))
    writer = psutil.Process(offload.writer_pid())
    assert str(path) in [f.path for f in writer.open_files()]
    deadline = time.monotonic() + 10
    while str(path) in [f.path for f in writer.open_files()] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert str(path) not in [f.path for f in writer.open_files()]


def test_a_writer_that_cannot_start_is_not_tried_again(tmp_path, writer_mode, monkeypatch, caplog):
    broken = tmp_path / "broken" / "ewoks_core"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text("raise ImportError('not this one')\n")
    monkeypatch.syspath_prepend(str(broken.parent))  # what the writer imports, not this process (imported)
    writer_mode("process")
    sink = JsonLinesSink(str(tmp_path / "events.jsonl"))
    job = JobInfo("job-10", "sequential", "wf")
    with caplog.at_level(logging.WARNING, logger="ewoks_core.events"):
        _write(sink, _records(job, 100))
        _write(sink, _records(job, 100, start=100))
    assert caplog.text.count("cannot be reached") == 1
    assert offload.writer_pid() is None and offload._STARTS == offload.MAX_STARTS
    assert len((tmp_path / "events.jsonl").read_text().splitlines()) == 200
