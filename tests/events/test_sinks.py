"""Event sinks: every field round-trips; concurrent threads and processes lose nothing."""

import json
import multiprocessing
import os
import pickle
import sqlite3
import sys
import threading
import time

import pytest

from ewoks_core.errors import EwoksError
from ewoks_core.events.emitter import emitter_from_execinfo, make_sink
from ewoks_core.events.readers import read_events
from ewoks_core.events.record import EVENT_FIELDS, Event
from ewoks_core.events.sinks.base import EventSink
from ewoks_core.events.sinks.jsonl import JsonLinesSink
from ewoks_core.events.sinks.sqlite import SqliteSink


def _sink(kind, tmp_path, redis_url=None):
    if kind == "jsonl":
        return JsonLinesSink(str(tmp_path / "events.jsonl"))
    if kind == "sqlite":
        return SqliteSink(str(tmp_path / "events.db"))
    from ewoks_core.events.sinks.redis import RedisSink

    return RedisSink(redis_url)


@pytest.fixture(params=["jsonl", "sqlite", "redis"])
def kind(request):
    return request.param


@pytest.fixture
def sink(kind, tmp_path, request):
    url = request.getfixturevalue("redis_url") if kind == "redis" else None
    sink = _sink(kind, tmp_path, url)
    yield sink
    sink.close()


def test_every_field_round_trips(sink, full_event):
    events = [full_event(), full_event(node_id="b", error=False, progress=0.0, input_uris={}, type="start"),
              Event(context="job", type="start", job_id="job-1")]
    for event in events:
        sink.emit(event)
    sink.flush()
    back = list(read_events(sink))
    assert [e.to_dict() for e in back] == [e.to_dict() for e in events]
    assert isinstance(back[0].error, bool) and isinstance(back[0].progress, float)
    assert isinstance(back[0].process_id, int)


def _source(sink):
    return getattr(sink, "path", None) or getattr(sink, "uri", None) or sink.url


def test_flush_makes_events_visible_to_other_readers(sink, full_event):
    sink.emit(full_event())
    sink.flush()
    assert [e.node_id for e in read_events(_source(sink))] == ["sub/a"]


def test_events_are_written_without_flush(sink, full_event):
    sink.emit(full_event())
    deadline = time.monotonic() + 10
    while True:
        try:
            if list(read_events(_source(sink))):  # not from the sink: that would flush it
                break
        except EwoksError:  # the file does not exist yet
            pass
        assert time.monotonic() < deadline, "the flusher thread did not write the event"
        time.sleep(0.05)


def _emit_many(sink, writer, n):
    for i in range(n):
        sink.emit(Event(context="node", type="progress", job_id="job", node_id=f"{writer}", progress=float(i)))


def _check_complete(events, writers, n):
    assert len(events) == len(writers) * n
    for writer in writers:
        progress = [e.progress for e in events if e.node_id == str(writer)]
        assert progress == [float(i) for i in range(n)]  # none lost, none duplicated, in emit order


@pytest.mark.parametrize("shared", [True, False], ids=["one-sink", "sink-per-thread"])
def test_concurrent_threads(kind, tmp_path, request, shared):
    url = request.getfixturevalue("redis_url") if kind == "redis" else None
    n, writers = 1500, range(6)
    sinks = [_sink(kind, tmp_path, url)] * len(writers) if shared else [_sink(kind, tmp_path, url) for _ in writers]
    threads = [threading.Thread(target=_emit_many, args=(sinks[w], w, n)) for w in writers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in sinks:
        s.close()
    _check_complete(list(read_events(sinks[0])), writers, n)


def _process_main(jsonl_path, db_path, writer, n, close):
    sqlite_handler = {"class": "sqlite", "arguments": [{"name": "uri", "value": db_path}]}
    sinks = [JsonLinesSink(jsonl_path), make_sink(sqlite_handler)]
    for i in range(n):
        for sink in sinks:
            sink.emit(Event(context="node", type="progress", job_id="job", node_id=f"{writer}", progress=float(i)))
    if close:
        for sink in sinks:
            sink.close()
    # otherwise the events are written when the process exits


def _start_methods():
    return [m for m in ("spawn", "fork") if m in multiprocessing.get_all_start_methods()]


@pytest.mark.parametrize("method", _start_methods())
def test_concurrent_processes(tmp_path, method):
    """Processes write one JSONL file and one SQLite database; half of them never close their sinks."""
    targets = str(tmp_path / "events.jsonl"), str(tmp_path / "events.db")
    ctx = multiprocessing.get_context(method)
    n, writers = 1000, range(3)
    procs = [ctx.Process(target=_process_main, args=(*targets, w, n, w % 2 == 0)) for w in writers]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    for target in targets:
        _check_complete(list(read_events(target)), writers, n)


def test_process_pool_workers_flush_at_exit(tmp_path):
    from concurrent.futures import ProcessPoolExecutor

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    targets = str(tmp_path / "events.jsonl"), str(tmp_path / "events.db")
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context(method)) as pool:
        list(pool.map(_process_main, *zip(*[(*targets, w, 300, False) for w in range(3)], strict=True)))
    for target in targets:
        _check_complete(list(read_events(target)), range(3), 300)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_fork_does_not_duplicate_pending_events(tmp_path):
    sink = JsonLinesSink(str(tmp_path / "events.jsonl"))
    _emit_many(sink, "parent", 10)  # pending in the parent's buffer
    ctx = multiprocessing.get_context("fork")
    proc = ctx.Process(target=_emit_many, args=(sink, "child", 5))  # the child inherits the sink
    proc.start()
    proc.join(30)
    assert proc.exitcode == 0
    sink.close()
    events = list(read_events(sink.path))
    assert sorted(e.node_id for e in events) == ["child"] * 5 + ["parent"] * 10


def test_sink_is_rebuilt_from_pickle(tmp_path, full_event):
    sink = pickle.loads(pickle.dumps(SqliteSink(str(tmp_path / "x.db"))))
    assert isinstance(sink, SqliteSink) and sink.uri == str(tmp_path / "x.db")
    sink.emit(full_event())
    sink.close()
    assert len(list(read_events(sink.uri))) == 1


def test_emitter_config_and_ewoks_class_names(tmp_path):
    db = tmp_path / "sub" / "ewoks_events.db"
    execinfo = {"job_id": "j1", "handlers": [
        {"class": "ewokscore.events.handlers.Sqlite3EwoksEventHandler",
         "arguments": [{"name": "uri", "value": f"file:{db}"}]},
        {"class": "jsonl", "arguments": [{"name": "path", "value": str(tmp_path / "e.jsonl")}]}]}
    emitter = emitter_from_execinfo(execinfo, engine="test")
    emitter.emit("job", "start")
    emitter.emit("job", "end")
    emitter.close()
    for source in (str(db), f"file:{db}", str(tmp_path / "e.jsonl")):
        assert [(e.job_id, e.type) for e in read_events(source)] == [("j1", "start"), ("j1", "end")]


def test_sqlite_schema(tmp_path, full_event):
    sink = SqliteSink(str(tmp_path / "e.db"))
    sink.emit(full_event())
    sink.close()
    conn = sqlite3.connect(str(tmp_path / "e.db"))
    columns = {row[1]: row[2] for row in conn.execute("PRAGMA table_info(ewoks_events)")}
    assert list(columns) == list(EVENT_FIELDS)
    assert (columns["error"], columns["progress"], columns["input_uris"]) == ("INTEGER", "REAL", "TEXT")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    error, uris = conn.execute("SELECT error, input_uris FROM ewoks_events").fetchone()
    assert error == 1 and json.loads(uris) == full_event().input_uris
    plan = " ".join(str(r) for r in conn.execute("EXPLAIN QUERY PLAN SELECT * FROM ewoks_events WHERE job_id='x'"))
    assert "USING INDEX" in plan
    conn.close()


def test_sqlite_checkpoints_run_in_the_flusher_thread(tmp_path, full_event, monkeypatch):
    """The write connection leaves WAL checkpoints to the flusher thread (sinks/sqlite_wal.py)."""
    from ewoks_core.events.sinks import sqlite as sqlite_sink
    from ewoks_core.events.sinks import sqlite_wal

    monkeypatch.setattr(sqlite_wal, "CHECKPOINT_FRAMES", 10)
    done, threads = threading.Event(), []
    checkpoint = sqlite_wal.WalWatch.checkpoint

    def recorded(watch):
        checkpoint(watch)
        threads.append(threading.current_thread().name)
        done.set()

    monkeypatch.setattr(sqlite_wal.WalWatch, "checkpoint", recorded)
    path = str(tmp_path / "e.db")
    sink = SqliteSink(path)
    for _ in range(5):
        sink.emit(full_event())
        sink.flush()  # one commit each, in this thread
    assert done.wait(10)
    assert threads[0] == "ewoks-events-flusher"
    writer = sqlite_sink._WRITERS[path]
    assert writer.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == sqlite_wal.SAFETY_FRAMES
    sink.close()
    assert len(list(read_events(path))) == 5


def test_sqlite_database_replaced_between_jobs(tmp_path, full_event):
    path = tmp_path / "e.db"
    for _ in range(2):
        sink = SqliteSink(str(path))
        sink.emit(full_event())
        sink.close()
        assert len(list(read_events(str(path)))) == 1
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(f"{path}{suffix}"):
                os.remove(f"{path}{suffix}")


def test_jsonl_lines_and_unusual_values(tmp_path):
    sink = JsonLinesSink(str(tmp_path / "e.jsonl"))
    sink.emit(Event(context="node", type="end", input_uris={"x": object()}, error_message="line1\nline2"))
    sink.emit({"context": "job", "type": "start", "job_id": "from-dict"})
    sink.close()
    lines = (tmp_path / "e.jsonl").read_text().splitlines()
    assert len(lines) == 2 and all(isinstance(json.loads(line), dict) for line in lines)
    assert json.loads(lines[1])["job_id"] == "from-dict"


def test_sqlite_unusual_values(tmp_path):
    sink = SqliteSink(str(tmp_path / "e.db"))
    sink.emit(Event(context="node", type="end", node_id=("a", 1), task_id=3, input_uris={"x": object()}))
    sink.close()
    (event,) = read_events(sink.uri)
    assert event.node_id == "('a', 1)" and event.input_uris["x"].startswith("<object")


def test_failed_writes_are_kept_and_retried(tmp_path, full_event):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    sink = JsonLinesSink(str(blocker / "e.jsonl"))
    sink.emit(full_event())
    with pytest.raises(OSError):
        sink.flush()
    blocker.unlink()
    sink.flush()
    assert sink.pending() == 0 and len(list(read_events(sink.path))) == 1


def test_redis_keys(redis_url, full_event):
    import redis

    from ewoks_core.events.sinks.redis import RedisSink

    sink = RedisSink(redis_url, ttl=100)
    sink.emit(full_event(context="job", type="start"))
    sink.emit(full_event(context="job", type="end", error=False))
    sink.close()
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    assert client.zrange("ewoks:jobs", 0, -1) == ["job-1"]
    assert client.llen("ewoks:events:job-1") == 2
    assert 0 < client.ttl("ewoks:events:job-1") <= 100
    assert client.hget("ewoks:job:job-1", "status") == "success"
    client.close()


def test_redis_import_is_lazy_with_a_clear_error(monkeypatch):
    monkeypatch.delitem(sys.modules, "ewoks_core.events.sinks.redis", raising=False)
    monkeypatch.setitem(sys.modules, "redis", None)  # "not installed"
    from ewoks_core.events.sinks.redis import RedisSink  # importing the module needs no redis

    with pytest.raises(EwoksError, match=r"pip install 'ewoks_core\[celery\]'"):
        RedisSink()


@pytest.mark.parametrize("kind_", ["jsonl", "sqlite"])
def test_values_json_cannot_encode_do_not_block_the_sink(tmp_path, kind_):
    circular = {}
    circular["self"] = circular
    sink = _sink(kind_, tmp_path)
    sink.emit(Event(context="node", type="end", job_id="j", input_uris=circular, output_uris={("a", 1): 2}))
    sink.emit(Event(context="node", type="end", job_id="j", node_id="next"))
    sink.close()
    events = list(read_events(sink))
    assert [e.node_id for e in events] == [None, "next"]
    assert "self" in str(events[0].input_uris)


def test_fast_json_line_is_the_generic_encoding():
    """The JSON lines sink encodes common events through a fast path: same text as the generic encoder."""
    from ewoks_core.events.emitter import EventEmitter
    from ewoks_core.events.sinks.jsonl import encode, encode_event, event_dict
    from ewoks_core.events.sinks.memory import MemorySink

    memory = MemorySink()
    emitter = EventEmitter([memory], engine="sequential", workflow_id='w"1', job_id="j\u00e9")
    emitter.emit("job", "start")
    emitter.emit("node", "start", node_id=5, task_id="a.b.C")
    emitter.emit("node", "end", node_id=("sub", 1), task_id="t\n", error=None)
    emitter.emit("node", "end", node_id="x", task_id="t", error=ValueError("boom"))
    emitter.emit("node", "progress", node_id="x", task_id="t", progress=50.0)
    emitter.emit("node", "end", node_id="x", task_id="t", input_uris={"a": "file:///x"})
    odd = Event(context="node", type="end", job_id=None, engine=None, process_id="not an int")
    for event in list(memory.events) + [odd]:
        assert encode_event(event) == encode(event_dict(event))
        assert json.loads(encode_event(event)) == json.loads(encode(event_dict(event)))


class _Objects(EventSink):
    """Hands a sink Event objects, as relays and sinks that take no records do."""

    def __init__(self, sink):
        self.sink = sink

    def emit(self, event):
        self.sink.emit(event)


def _rows(path):
    with sqlite3.connect(path) as conn:
        columns = ", ".join(f"{name}, typeof({name})" for name in EVENT_FIELDS)
        return conn.execute(f"SELECT rowid, {columns} FROM ewoks_events ORDER BY rowid").fetchall()


def test_records_are_written_as_their_events(tmp_path, monkeypatch):
    """Emitters give the file and database sinks plain records: what they write is byte for byte what
    the same events written as Event objects give (two interleaved jobs, times across a second, every
    optional field, text SQLite's JSON cannot carry, Event objects queued between records)."""
    from ewoks_core.events import emitter as emitter_module
    from ewoks_core.events.emitter import EventEmitter

    times = iter([1767225599.999998 + i * 0.0000013 for i in range(1000)])
    monkeypatch.setattr(emitter_module, "clock", lambda: next(times))
    records = [JsonLinesSink(str(tmp_path / "r.jsonl")), SqliteSink(str(tmp_path / "r.db"))]
    objects = [JsonLinesSink(str(tmp_path / "o.jsonl")), SqliteSink(str(tmp_path / "o.db"))]
    sinks = records + [_Objects(sink) for sink in objects]
    assert all(sink.takes_records for sink in records)
    first = EventEmitter(sinks, engine="sequential", workflow_id="wf'1", job_id="j\u00e9")
    second = EventEmitter(sinks, engine=None, workflow_id=None, job_id="j2")
    error = ValueError("bad \u2603")
    for i, node_id in enumerate([5, ("sub", 1), "q\"\\\n", "\U0001F600", "nul\x00id", True, "x" * 300]):
        emitter = first if i % 3 else second
        emitter.emit("node", "start", node_id=node_id, task_id="pkg.Task")
        emitter.emit("node", "progress", node_id=node_id, task_id="pkg.Task", progress=0.1 + 0.2)
        emitter.emit("node", "end", node_id=node_id, task_id=None, error=error if i == 2 else None,
                     task_uri="/tmp/a.h5::/1" if i == 3 else None, input_uris={"a": [1, "\u00e9"]} if i == 4 else None,
                     output_uris={"b": None} if i == 4 else None)
        if i == 5:  # an Event object queued between records (a relayed event)
            for sink in records + objects:
                sink.emit(Event(context="node", type="start", job_id="relayed", node_id="r", time="t"))
        if i == 3:
            for sink in records + objects:
                sink.flush()
    for sink in records + objects:
        sink.flush()
    for i in range(3):  # a batch of one job's plain node events (written in one go)
        first.emit("node", "start", node_id=i, task_id="pkg.Task")
        first.emit("node", "end", node_id=i, task_id="pkg.Task")
    for sink in records + objects:
        sink.flush()
    first.emit("job", "end", error=error)
    second.emit("job", "end")
    for sink in records + objects:
        sink.close()
    assert (tmp_path / "r.jsonl").read_bytes() == (tmp_path / "o.jsonl").read_bytes()
    rows = _rows(tmp_path / "r.db")
    assert rows == _rows(tmp_path / "o.db")
    assert len(rows) == 7 * 3 + 1 + 6 + 2
    assert "nul\x00id" in {row[EVENT_FIELDS.index("node_id") * 2 + 1] for row in rows}


def test_sqlite_without_json_functions_writes_rows(tmp_path):
    """Without SQLite's JSON functions the records of a job are inserted as rows."""
    from ewoks_core.events.emitter import EventEmitter
    from ewoks_core.events.sinks import sqlite as sqlite_sink

    sink = SqliteSink(str(tmp_path / "e.db"))
    sink.check()
    sqlite_sink._writer(sink.uri, sink.timeout).bulk = False
    emitter = EventEmitter([sink], job_id="j")
    emitter.emit("node", "start", node_id="a", task_id="t")
    emitter.emit("node", "end", node_id="a", task_id="t")
    sink.close()
    assert [(e.node_id, e.type, e.error) for e in read_events(sink)] == [("a", "start", None), ("a", "end", False)]


def test_emitter_fields_set_before_the_first_event_are_in_the_events(tmp_path):
    """The job's shared fields are taken at the first event: a runner may learn the workflow id and
    the engine after building the emitter (the Celery worker does)."""
    from ewoks_core.events.emitter import EventEmitter

    sink = JsonLinesSink(str(tmp_path / "e.jsonl"))
    emitter = EventEmitter([sink], job_id="j")
    emitter.workflow_id, emitter.engine = "wf", "dask"
    emitter.emit("job", "start")
    sink.close()
    [event] = read_events(sink)
    assert (event.job_id, event.workflow_id, event.engine) == ("j", "wf", "dask")


def test_node_start_and_end_are_emit(monkeypatch):
    """The engines' hot path (EventEmitter.node_start/node_end) hands sinks the records `emit` would."""
    from ewoks_core.events import emitter as emitter_module
    from ewoks_core.events.emitter import EventEmitter
    from ewoks_core.events.sinks._buffered import BufferedSink
    from ewoks_core.execution.outcome import NodeOutcome

    class Records(BufferedSink):
        def __init__(self):
            super().__init__()
            self.written = []

        def _write(self, events):
            self.written.extend(events)

    monkeypatch.setattr(emitter_module, "clock", lambda: 1767225599.5)
    failed = NodeOutcome.from_exception(ValueError("boom"))
    stored = NodeOutcome(outputs={}, task_uri="/tmp/a.h5::/1", output_uris={"b": "/tmp/a.h5::/1/b"})
    cases = [("a", None, NodeOutcome(outputs={})), (5, None, NodeOutcome(outputs={})), (("sub", 1), None, failed),
             ("b", {"x": "file:///x"}, stored)]
    written = []
    for fast in (True, False):
        sink = Records()
        emitter = EventEmitter([sink], engine="sequential", workflow_id="w", job_id="j")
        emitter.node_start("first", "pkg.Task")  # before the job's first event: the general path
        emitter.emit("job", "start")
        for node_id, uris, outcome in cases:
            if fast:
                emitter.node_start(node_id, "pkg.Task", uris)
                emitter.node_end(node_id, "pkg.Task", outcome, uris)
            else:
                emitter.emit("node", "start", node_id=node_id, task_id="pkg.Task", input_uris=uris)
                emitter.emit("node", "end", node_id=node_id, task_id="pkg.Task", error=outcome.error,
                             error_traceback=outcome.error_traceback, task_uri=outcome.task_uri, input_uris=uris,
                             output_uris=outcome.output_uris)
        sink.flush()
        written.append([record[1:] for record in sink.written])
    assert written[0] == written[1]
    assert len(written[0]) == 2 + 2 * len(cases)
