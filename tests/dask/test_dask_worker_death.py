"""A worker killed mid-run: the run completes (dask retries elsewhere) or fails with a clear error; never hangs."""

from __future__ import annotations

from typing import Any, Iterator

import pytest
from _dask_support import T, jsonl_execinfo, node_marks, read_events

from ewoks_core import execute_graph
from ewoks_core.errors import TaskFailedError
from ewoks_core.testing.builders import graph, link, node

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


def kill_doc(marker: str, always: bool) -> dict:
    return graph("killer", [node("k", T + "KillWorker", {"marker": marker, "always": always}),
                            node("after", T + "WhereAmI", {"value": 1})],
                 [link("k", "after")])


@pytest.fixture(scope="module")
def fragile_client() -> Iterator[Any]:
    """A cluster of its own (workers get killed); a task may kill one worker and be retried once."""
    pytest.importorskip("distributed")
    from _dask_support import make_cluster
    from distributed import Client

    cluster = make_cluster(**{"distributed.scheduler.allowed-failures": 1})
    client = Client(cluster, set_as_default=False)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def test_distributed_retries_on_another_worker(fragile_client, tmp_path):
    marker = tmp_path / "killed.pid"
    path = tmp_path / "events.jsonl"
    results = execute_graph(kill_doc(str(marker), always=False), engine="dask", scheduler=fragile_client,
                            outputs=[{"all": True}], merge_outputs=False, execinfo=jsonl_execinfo(path))
    killed = int(marker.read_text())
    assert results["k"]["pid"] != killed  # ran again, elsewhere
    marks = node_marks(read_events(path))
    assert marks["k"][-2:] == ["start", "end"] and marks["after"] == ["start", "end"]


def test_distributed_gives_up_with_a_clear_error(fragile_client, tmp_path):
    path = tmp_path / "events.jsonl"
    with pytest.raises(TaskFailedError) as info:
        execute_graph(kill_doc(str(tmp_path / "killed.pid"), always=True), engine="dask",
                      scheduler=fragile_client, execinfo=jsonl_execinfo(path))
    error = info.value
    assert error.node_id == "k"
    assert "worker running node 'k' was lost" in str(error) and "KilledWorker" in str(error)
    marks = node_marks(read_events(path))
    assert marks["k"][-1] == "end!" and "after" not in marks
    fragile_client.wait_for_workers(2, timeout=120)  # the nannies restart the killed workers


def test_process_pool_worker_killed(tmp_path):
    path = tmp_path / "events.jsonl"
    with pytest.raises(TaskFailedError) as info:
        execute_graph(kill_doc(str(tmp_path / "killed.pid"), always=True), engine="dask", scheduler="processes",
                      execinfo=jsonl_execinfo(path))
    assert info.value.node_id == "k" and "BrokenProcessPool" in str(info.value)
    events = read_events(path)
    assert node_marks(events)["k"][-1] == "end!" and events[-1]["context"] == "job" and events[-1]["error"]
    # the engine still works afterwards (a new pool per run)
    assert execute_graph(graph("ok", [node("a", "SumTask", {"a": 1})], []), engine="dask",
                         scheduler="processes") == {"result": 1}


def test_process_pool_worker_killed_beside_other_runs(tmp_path):
    # the broken pool fails the run beside the dead one and the queued one too: each gets start and end,
    # in the file the workers write and in a sink object that only gets events relayed with outcomes
    from ewoks_core.events.sinks.memory import MemorySink

    doc = graph("killer", [node("k", T + "KillWorker", {"marker": str(tmp_path / "killed.pid"), "always": True}),
                           node("w", T + "WhereAmI", {"seconds": 1}), node("q", T + "WhereAmI", {"seconds": 1})], [])
    path, sink = tmp_path / "events.jsonl", MemorySink()
    with pytest.raises(TaskFailedError, match="BrokenProcessPool"):
        execute_graph(doc, engine="dask", scheduler="processes", n_workers=2,
                      execinfo={"handlers": [sink] + jsonl_execinfo(path)["handlers"]})
    for events in (read_events(path), sink.dicts()):
        marks = node_marks(events)
        assert marks["k"] == ["start", "end!"], marks
        assert all(m in (["start", "end"], ["start", "end!"]) for m in marks.values()), marks
        assert events[-1]["context"] == "job" and events[-1]["error"]
