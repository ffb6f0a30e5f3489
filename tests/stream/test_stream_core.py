"""Streams without external writers: the format extension, the in-flight bound, cancel and stalls."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any, Dict, List

import pytest

from ewoks_core.api import execute_graph, load_graph
from ewoks_core.errors import GraphFormatError, TaskFailedError, WorkflowCancelled
from ewoks_core.testing.builders import graph, link, node

SOURCE = "ewoks_core.stream.IterableSource"


def stream_graph(n: int = 6, max_in_flight: int = 3, delay: float = 0.0, **section: Any) -> dict:
    stream = {"source": "src", "item_nodes": ["sq"], "reducer": "red", "max_in_flight": max_in_flight, **section}
    return graph("toy", [node("gen", "Echo", {"x": list(range(n))}), node("src", SOURCE),
                         node("sq", "SumTask", {"b": 100, "delay": delay}), node("red", "Collect")],
                 [link("gen", "src", {"x": "iterable"}), link("src", "sq", {"item": "a"}),
                  link("sq", "red", {"result": "values"})],
                 extensions={"stream": "1.0"}, stream=stream)


def events(path: Path) -> List[Dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def execinfo(path: Path) -> dict:
    return {"handlers": [{"class": "jsonl", "arguments": [{"name": "path", "value": str(path)}]}]}


def assert_complete(evts: List[Dict[str, Any]]) -> None:
    """Every node start has its end; the job ended."""
    starts: Dict[str, int] = {}
    for e in evts:
        if e["context"] == "node" and e["type"] in ("start", "end"):
            starts[e["node_id"]] = starts.get(e["node_id"], 0) + (1 if e["type"] == "start" else -1)
    assert all(v == 0 for v in starts.values()), starts
    assert [e["type"] for e in evts if e["context"] == "job"] == ["start", "end"]


# -- the file syntax ---------------------------------------------------------------------------
@pytest.mark.parametrize("change, words", [
    ({"extensions": {"stream": "2.0"}}, ["extension 'stream'", "2.0", "graph.extensions.stream"]),
    ({"extensions": {"streams": "1.0"}}, ["extension 'streams'", "does not know", "Did you mean 'stream'"]),
    ({"extensions": None}, ["graph.stream is the section of extension 'stream'", "does not declare"]),
])
def test_readers_refuse_unknown_extensions_by_name(change: dict, words: List[str]) -> None:
    doc = stream_graph()
    doc["graph"].update(change)
    if doc["graph"]["extensions"] is None:
        del doc["graph"]["extensions"]
    with pytest.raises(GraphFormatError) as info:
        load_graph(doc)
    assert all(w in str(info.value) for w in words), str(info.value)


@pytest.mark.parametrize("section, words", [
    ({"source": "sorce"}, ["stream source 'sorce' is not a node", "Did you mean 'src'", "graph.stream.source"]),
    ({"max_in_flight": 0}, ["graph.stream.max_in_flight"]),
    ({"item_nodes": ["sq"], "reducer": None}, ["link 'sq' -> 'red'", "only feed item nodes or the stream's reducer"]),
    ({"colour": 1}, ["graph.stream.colour"]),
])
def test_bad_stream_sections_are_refused_before_anything_runs(tmp_path: Path, section: dict, words: List[str]) -> None:
    doc = stream_graph()
    doc["graph"]["stream"].update(section)
    with pytest.raises(GraphFormatError) as info:
        execute_graph(doc, execinfo=execinfo(tmp_path / "e.jsonl"))
    assert all(w in str(info.value) for w in words), str(info.value)
    assert not (tmp_path / "e.jsonl").exists() or not events(tmp_path / "e.jsonl")


def test_a_stream_workflow_round_trips(tmp_path: Path) -> None:
    from ewoks_core import save_graph

    doc = stream_graph()
    save_graph(load_graph(doc), str(tmp_path / "s.json"))
    again = load_graph(str(tmp_path / "s.json"))
    assert again.graph["stream"] == doc["graph"]["stream"] and again.graph["extensions"] == {"stream": "1.0"}


def test_the_source_task_alone_says_what_it_is() -> None:
    from ewoks_core.stream import IterableSource

    with pytest.raises(RuntimeError, match="stream source .*extension 'stream' 1.0"):
        IterableSource({"iterable": [1]}, node_id="src").execute()


# -- bounded memory, order, progress -----------------------------------------------------------
@pytest.mark.parametrize("engine, options", [(None, {}), ("dask", {"scheduler": "threads"}), ("ppf", {})])
def test_the_source_never_runs_more_than_the_window_ahead(tmp_path: Path, engine: Any, options: dict) -> None:
    path = tmp_path / "e.jsonl"
    result = execute_graph(stream_graph(n=60, max_in_flight=2, delay=0.002), engine=engine,
                           execinfo=execinfo(path), **options)
    assert result["values"] == [i + 100 for i in range(60)]
    progress = [e for e in events(path) if e["type"] == "progress" and e["node_id"] == "src"]
    stats = [e["output_uris"]["stream"] for e in progress]
    assert [s["items_done"] for s in stats] == list(range(1, 61))
    assert max(s["lag"] for s in stats) <= 2 * 2  # buffered (<= max_in_flight) + processed (<= max_in_flight)
    assert all(s["latency_s"] is not None and s["latency_s"] >= 0 for s in stats)
    assert_complete(events(path))


# -- stopping ------------------------------------------------------------------------------
def hdf5_stream_graph(scan_file: Path, stall_timeout: float) -> dict:
    """stream_graph() with an HDF5 source of a file that nobody writes."""
    doc = stream_graph()
    doc["nodes"][1] = node("src", "ewoks_core.stream.hdf5.Hdf5FrameSource",
                           {"url": f"{scan_file}::/1.1/measurement/pilatus", "stall_timeout": stall_timeout})
    doc["links"] = doc["links"][1:]
    doc["links"][0] = link("src", "sq", {"index": "a"})
    return doc


def test_a_cancel_stops_a_source_that_waits_and_events_are_complete(tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    doc = hdf5_stream_graph(tmp_path / "never.h5", stall_timeout=60)
    cancel = threading.Event()
    threading.Timer(0.5, cancel.set).start()
    t0 = time.monotonic()
    with pytest.raises(WorkflowCancelled):
        execute_graph(doc, execinfo=execinfo(path), cancel_event=cancel)
    assert time.monotonic() - t0 < 10
    evts = events(path)
    assert_complete(evts)
    ends = [e for e in evts if e["node_id"] == "src" and e["type"] == "end"]
    assert len(ends) == 1 and ends[0]["error"]


def test_a_source_that_stalls_fails_the_job_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    doc = hdf5_stream_graph(tmp_path / "late.h5", stall_timeout=0.5)
    with pytest.raises(TaskFailedError) as info:
        execute_graph(doc, execinfo=execinfo(path))
    assert info.value.node_id == "src"
    assert "stream source 'src': waited 0.5 s for the file" in str(info.value)
    assert_complete(events(path))


def test_a_zmq_source_that_stalls_fails_the_job_naming_it(tmp_path: Path) -> None:
    doc = stream_graph()
    doc["nodes"][1] = node("src", "ewoks_core.stream.zmq.ZmqFrameSource",
                           {"address": "tcp://127.0.0.1:9", "stall_timeout": 0.5})
    doc["links"] = doc["links"][1:]
    doc["links"][0] = link("src", "sq", {"index": "a"})
    with pytest.raises(TaskFailedError) as info:
        execute_graph(doc)
    assert info.value.node_id == "src" and "nothing received on tcp://127.0.0.1:9 for 0.5 s" in str(info.value)


def test_a_source_node_that_is_not_a_source_is_named(tmp_path: Path) -> None:
    doc = stream_graph()
    doc["nodes"][1] = node("src", "Echo")
    doc["links"][0] = link("gen", "src", {"x": "x"})
    doc["links"][1] = link("src", "sq", {"x": "a"})
    with pytest.raises(TaskFailedError, match="is not a StreamSource") as info:
        execute_graph(doc)
    assert info.value.node_id == "src"


def test_the_cli_progress_line_shows_items_done_rate_and_lag() -> None:
    import io

    from ewoks_core.cli.progress import ConsoleProgress
    from ewoks_core.events.record import Event

    out = io.StringIO()
    line = ConsoleProgress(4, out)
    line.emit(Event(context="node", type="start", node_id="frames"))
    line.emit(Event(context="node", type="progress", node_id="frames", progress=3.0,
                    output_uris={"stream": {"items_done": 3, "items_per_s": 12.5, "lag": 2}}))
    line.close()
    assert "frames 3 items 12.5/s lag 2" in out.getvalue()


@pytest.mark.parametrize("mode, expected", [("first", 100), ("last", 105), ({"values": "last"}, 105)])
def test_a_reducer_link_can_take_one_item_value(mode: Any, expected: int) -> None:
    doc = stream_graph()
    doc["nodes"][3] = node("red", "Echo")
    doc["links"][2] = link("sq", "red", {"result": "x"}, stream_reduce=mode if isinstance(mode, str) else
                           {"x": mode["values"]})
    assert execute_graph(doc)["x"] == expected


def test_a_bad_stream_reduce_is_refused_naming_the_link() -> None:
    doc = stream_graph()
    doc["links"][2]["stream_reduce"] = "sum"
    with pytest.raises(GraphFormatError, match=r"link 'sq' -> 'red': stream_reduce must be one of list, first, last"):
        execute_graph(doc)
