"""A stream job on dask.distributed whose worker is SIGKILLed while it runs items.

What a dask user expects: the scheduler runs the lost item again on another worker (its
`allowed-failures`), the job completes with the results of an undisturbed run, and the events are
complete: the lost attempt gets its end event (failed, written by the attempt that ran it again).
When dask gives up (the item kills every worker it lands on), the job fails naming the item node,
its events are complete and nothing after the reducer ran (nothing half-written).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

from ewoks_core.api import execute_graph
from ewoks_core.errors import TaskFailedError
from ewoks_core.testing.builders import graph, link, node

from .test_stream_core import assert_complete, events, execinfo

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
VALUES = [3, 1, 4, 1, 5, 9, 2, 6]


@pytest.fixture(scope="module")
def fragile_client() -> Iterator[Any]:
    """A cluster of its own (its workers get killed; the nannies restart them): a task may kill one
    worker and be run again once."""
    pytest.importorskip("distributed")
    from distributed import Client, LocalCluster

    import dask

    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                               scheduler_kwargs={"dashboard_address": ":0"}, silence_logs=logging.ERROR)
    client = Client(cluster, set_as_default=False)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def killing_stream(marker: Path, always: bool = False) -> dict:
    """Items x -> x*x (item 3 kills its worker), the reducer, then a node that needs the reducer."""
    return graph("killed_worker_stream",
                 [node("gen", "Echo", {"x": VALUES}), node("src", "ewoks_core.stream.IterableSource"),
                  node("sq", "KillOnce", {"marker": str(marker), "kill_index": 3, "always": always}),
                  node("red", "Collect"), node("after", "Echo")],
                 [link("gen", "src", {"x": "iterable"}), link("src", "sq", {"item": "x", "index": "index"}),
                  link("sq", "red", {"result": "values"}), link("red", "after", {"total": "x"})],
                 extensions={"stream": "1.0"},
                 stream={"source": "src", "item_nodes": ["sq"], "reducer": "red", "max_in_flight": 3})


def ends(evts: List[Dict[str, Any]], node_id: str) -> List[Dict[str, Any]]:
    return [e for e in evts if e["context"] == "node" and e["type"] == "end" and e["node_id"] == node_id]


def test_a_lost_item_runs_again_and_the_results_equal_an_undisturbed_run(fragile_client: Any, tmp_path: Path) -> None:
    fragile_client.wait_for_workers(2, timeout=120)
    offline_marker = tmp_path / "never.pid"
    offline_marker.write_text("0")  # exists: nothing is killed
    offline = execute_graph(killing_stream(offline_marker), outputs=[{"all": True}], merge_outputs=False)
    marker, path = tmp_path / "killed.pid", tmp_path / "events.jsonl"
    result = execute_graph(killing_stream(marker), engine="dask", scheduler=fragile_client, outputs=[{"all": True}],
                           merge_outputs=False, execinfo=execinfo(path))
    assert marker.exists(), "no worker was killed"
    assert result == offline and result["red"]["values"] == [v * v for v in VALUES]
    evts = events(path)
    assert_complete(evts)
    failed = [e for e in ends(evts, "sq") if e["error"]]
    assert len(failed) == 1 and "was lost; the scheduler runs it again" in failed[0]["error_message"], failed
    # every item ended once at least (dask also runs again a finished item whose result was held by the dead worker)
    assert len([e for e in ends(evts, "sq") if not e["error"]]) >= len(VALUES)
    killed = int(marker.read_text())
    in_killed = [e["type"] for e in evts if e["node_id"] == "sq" and e["process_id"] == killed]
    assert in_killed[-1] == "start" and in_killed.count("start") == in_killed.count("end") + 1  # it died there
    assert failed[0]["process_id"] != killed  # its end: written by the attempt that ran it again


def test_an_item_that_kills_every_worker_fails_the_job_with_complete_events(fragile_client: Any,
                                                                            tmp_path: Path) -> None:
    fragile_client.wait_for_workers(2, timeout=120)
    path = tmp_path / "events.jsonl"
    with pytest.raises(TaskFailedError) as info:
        execute_graph(killing_stream(tmp_path / "killed.pid", always=True), engine="dask", scheduler=fragile_client,
                      execinfo=execinfo(path))
    assert info.value.node_id == "sq"
    # the first lost item to reach the job is one that was running ("the ... worker running node 'sq' was
    # lost") or one queued on a worker that died before it started it ("node 'sq' was lost with its ...")
    assert "node 'sq' was lost" in str(info.value) and "KilledWorker" in str(info.value)
    evts = events(path)
    assert_complete(evts)
    assert [bool(e["error"]) for e in ends(evts, "src")] == [True]
    assert not [e for e in evts if e["node_id"] in ("red", "after")]  # nothing after the items ran
    assert json.loads(json.dumps(evts[-1]))["context"] == "job" and evts[-1]["error"]
    fragile_client.wait_for_workers(2, timeout=120)  # the nannies restart the killed workers
