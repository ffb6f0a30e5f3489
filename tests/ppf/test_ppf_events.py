"""Events of process-pool runs are complete, for file sinks written by workers and for in-memory sinks."""

import os

import pytest
from _ppf_support import assert_complete, jsonl_handler, pids_of, read_events

from ewoks_core.api import execute_graph
from ewoks_core.events.sinks.memory import MemorySink
from ewoks_core.testing.builders import graph, link, node


def fan_out(n: int) -> dict:
    nodes = [node("src", "Noop", {"value": 1})] + [node(f"n{i}", "Noop") for i in range(n)] + [node("sink", "Noop")]
    links = [link("src", f"n{i}", {"value": "value"}) for i in range(n)] + [link(f"n{i}", "sink") for i in range(n)]
    return graph("fan", nodes, links)


@pytest.mark.parametrize("pool_type", ["process", "multiprocessing"])
def test_file_events_complete(pool_type, tmp_path, no_orphans):
    events = tmp_path / "events.jsonl"
    execute_graph(fan_out(40), engine="ppf", pool_type=pool_type, max_workers=2, execinfo=jsonl_handler(events))
    ev = read_events(events)  # read right after the call: nothing may still be buffered in a worker
    assert_complete(ev)
    assert len([e for e in ev if e["context"] == "node"]) == 2 * 42
    assert os.getpid() not in pids_of(ev)


def test_sqlite_events_complete(tmp_path, no_orphans):
    pytest.importorskip("ewoks_core.events.sinks.sqlite")
    import sqlite3

    db = tmp_path / "events.db"
    execinfo = {"handlers": [{"class": "sqlite", "arguments": [{"name": "uri", "value": str(db)}]}]}
    execute_graph(fan_out(20), engine="ppf", pool_type="process", max_workers=2, execinfo=execinfo)
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT context, type FROM ewoks_events").fetchall()
    assert sum(1 for c, _ in rows if c == "node") == 2 * 22
    assert sum(1 for c, t in rows if c == "job" and t == "end") == 1


def test_memory_sink_gets_worker_events(no_orphans):
    # a sink instance cannot be rebuilt in a worker: the worker's events are relayed to it
    sink = MemorySink()
    execute_graph(fan_out(10), engine="ppf", pool_type="process", execinfo={"handlers": [sink]})
    ev = sink.dicts()
    assert_complete(ev)
    assert len([e for e in ev if e["context"] == "node"]) == 2 * 12
    assert os.getpid() not in pids_of(ev)


def test_relay_does_not_duplicate_file_events(tmp_path):
    sink = MemorySink()
    events = tmp_path / "events.jsonl"
    execinfo = {"handlers": [sink, *jsonl_handler(events)["handlers"]]}
    execute_graph(fan_out(5), engine="ppf", pool_type="process", execinfo=execinfo)
    assert len(read_events(events)) == len(sink.events) == 4 + 2 * 7
