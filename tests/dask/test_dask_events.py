"""Events of tasks in worker processes reach the configured sinks: complete, in order, with their own pid."""

from __future__ import annotations

import os
import socket
import sqlite3
import time

import pytest
from _dask_support import T, jsonl_execinfo, node_marks, read_events

from ewoks_core import execute_graph
from ewoks_core.testing.builders import graph, link, node

N = 12
DOC = graph("where", [node("src", T + "WhereAmI", {"value": 1})]
            + [node(f"n{i}", T + "WhereAmI", {"seconds": 0.1}) for i in range(N)] + [node("sink", T + "WhereAmI")],
            [link("src", f"n{i}", {"value": "value"}) for i in range(N)]
            + [link(f"n{i}", "sink") for i in range(N)])


@pytest.fixture(params=["processes", "cluster"])
def worker_scheduler(request):
    if request.param != "cluster":
        return request.param
    client = request.getfixturevalue("dask_client")
    # the session's cluster: earlier tests kill workers (the nanny restarts them) and leave stubborn tasks
    # behind on purpose; the tests here check that nodes ran on both workers
    client.wait_for_workers(2, timeout=60)
    deadline = time.monotonic() + 60
    while any(client.processing().values()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return client


def test_worker_events_jsonl(worker_scheduler, tmp_path):
    path = tmp_path / "events.jsonl"
    per_node = execute_graph(DOC, engine="dask", scheduler=worker_scheduler, execinfo=jsonl_execinfo(path),
                             outputs=[{"all": True}], merge_outputs=False)
    events = read_events(path)
    assert node_marks(events) == {nid: ["start", "end"] for nid in ["src", "sink"] + [f"n{i}" for i in range(N)]}
    me = os.getpid()
    job = [e for e in events if e["context"] != "node"]
    assert [(e["context"], e["type"]) for e in job] == [("job", "start"), ("workflow", "start"),
                                                         ("workflow", "end"), ("job", "end")]
    assert {e["process_id"] for e in job} == {me}
    assert len({e["job_id"] for e in events}) == 1
    for e in events:
        if e["context"] == "node":  # emitted where the task ran: the task's own pid and host
            assert e["process_id"] == per_node[e["node_id"]]["pid"] != me
            assert e["host_name"] == per_node[e["node_id"]]["host"] == socket.gethostname()
            assert e["engine"] == "dask"
    assert len({r["pid"] for r in per_node.values()}) >= 2  # really in parallel workers


def test_worker_events_sqlite(worker_scheduler, tmp_path):
    pytest.importorskip("ewoks_core.events.sinks.sqlite")
    db = tmp_path / "events.db"
    handler = {"class": "sqlite", "arguments": [{"name": "uri", "value": str(db)}]}
    execinfo = {"job_id": "job-sqlite", "handlers": [handler]}
    execute_graph(DOC, engine="dask", scheduler=worker_scheduler, execinfo=execinfo)
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT node_id, type, process_id FROM ewoks_events WHERE context='node' "
                            "AND job_id='job-sqlite' ORDER BY rowid").fetchall()
    assert len(rows) == 2 * (N + 2)
    per_node = {}
    for node_id, kind, pid in rows:
        per_node.setdefault(node_id, []).append(kind)
        assert pid != os.getpid()
    assert all(kinds == ["start", "end"] for kinds in per_node.values())


def test_no_event_lost_when_pool_workers_exit(tmp_path):
    """A process pool lives for one run: its workers exit at the end, every event is already written."""
    path = tmp_path / "events.jsonl"
    for _ in range(3):
        execute_graph(DOC, engine="dask", scheduler="processes", n_workers=2, execinfo=jsonl_execinfo(path))
    events = read_events(path)
    assert sum(e["context"] == "node" for e in events) == 3 * 2 * (N + 2)
    assert len({e["job_id"] for e in events}) == 3


def test_sink_objects_get_worker_events(worker_scheduler, tmp_path):
    """Sink objects (an in-memory sink, the CLI's progress line) get node events relayed from the workers."""
    from ewoks_core.events.sinks.memory import MemorySink

    sink = MemorySink()
    path = tmp_path / "events.jsonl"
    execinfo = {"handlers": [sink] + jsonl_execinfo(path)["handlers"]}
    execute_graph(DOC, engine="dask", scheduler=worker_scheduler, execinfo=execinfo)
    relayed = [(e.context, e.type, e.node_id, e.process_id) for e in sink.events]
    written = [(e["context"], e["type"], e["node_id"], e["process_id"]) for e in read_events(path)]
    assert sorted(relayed, key=str) == sorted(written, key=str)
    assert node_marks([e.to_dict() for e in sink.events]) == node_marks(read_events(path))

