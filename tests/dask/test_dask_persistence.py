"""varinfo persistence from worker processes, and cached re-execution (nothing runs twice)."""

from __future__ import annotations

import numpy
import pytest
from _dask_support import T, jsonl_execinfo, read_events

from ewoks_core import execute_graph
from ewoks_core.testing.builders import graph, link, node


def doc(log: str) -> dict:
    return graph("cached", [node("p1", T + "Counted", {"a": 1, "log": log}),
                            node("p2", T + "Counted", {"a": 2, "log": log}),
                            node("m", T + "Counted", {"log": log})],
                 [link("p1", "m", {"result": "a"}), link("p2", "m", {"result": "b"})])


def runs(log) -> list:
    text = log.read_text() if log.exists() else ""
    log.write_text("")
    return sorted(text.split())


@pytest.mark.parametrize("root", ["results.h5", "results_dir"])
@pytest.mark.parametrize("where", ["processes", "cluster"])
def test_persistence_and_cache_from_workers(where, root, tmp_path, request):
    scheduler = request.getfixturevalue("dask_client") if where == "cluster" else where
    log = tmp_path / "runs.log"
    varinfo = {"root_uri": str(tmp_path / root)}
    events = tmp_path / "events.jsonl"
    wf = doc(str(log))
    first = execute_graph(wf, engine="dask", scheduler=scheduler, varinfo=varinfo, execinfo=jsonl_execinfo(events))
    assert first["result"] == 3 and runs(log) == ["m", "p1", "p2"]
    ends = [e for e in read_events(events) if e["context"] == "node" and e["type"] == "end"]
    assert len(ends) == 3 and all(e["task_uri"] and e["output_uris"] for e in ends), ends
    assert (tmp_path / root).exists()

    again = execute_graph(wf, engine="dask", scheduler=scheduler, varinfo=varinfo)
    assert runs(log) == [], "cached results must not run the tasks again"
    assert again["result"] == 3
    numpy.testing.assert_array_equal(again["array"], [0, 3, 6])

    changed = execute_graph(wf, engine="dask", scheduler=scheduler, varinfo=varinfo,
                            inputs=[{"id": "p2", "name": "a", "value": 20}])
    assert runs(log) == ["m", "p2"] and changed["result"] == 21
