"""Stream items as Celery tasks on the job's queue (issue 15), with real Redis and real worker processes."""

from __future__ import annotations

import os
import signal
from types import SimpleNamespace

import numpy
import pytest
import yaml
from _celery_support import ALLOWED, wait_until

from ewoks_celery import load_config, submit_graph
from ewoks_celery.client import client_for
from ewoks_core.api import execute_graph
from ewoks_core.errors import EwoksError, TaskFailedError, WorkflowCancelled
from ewoks_core.testing import CASES_BY_NAME
from ewoks_core.testing.behaviours import stream_sleeps
from ewoks_core.testing.builders import graph, link, node


@pytest.fixture(scope="module")
def setup(tmp_path_factory, start_worker, redis_server):
    folder = tmp_path_factory.mktemp("items")
    path = folder / "celery.yaml"
    path.write_text(yaml.safe_dump({"data_dir": str(folder / "data"), "broker": redis_server.url(0),
                                    "results": redis_server.url(1), "heartbeat_interval": 0.5, "lost_after": 3.0,
                                    "allowed_tasks": [*ALLOWED, "ewoks_core.stream"]}))
    worker = start_worker(path, concurrency=3)
    solo = start_worker(path, queues=["solo"], concurrency=1)
    return SimpleNamespace(config=load_config(path), worker=worker, solo=solo)


def job_pid(setup, future) -> int:
    return int(client_for(setup.config).store.get(future.job_id).worker.rpartition(":")[2])


def starts(future, node_id: str) -> list:
    try:
        return [e for e in future.events(context="node", type="start") if e.node_id == node_id]
    except EwoksError:  # no events yet
        return []


def assert_events_complete(future) -> None:
    events = future.events(context=("job", "workflow", "node"), type=("start", "end"))
    open_nodes: dict = {}
    for event in events:
        if event.context == "node":
            open_nodes[event.node_id] = open_nodes.get(event.node_id, 0) + (1 if event.type == "start" else -1)
    assert all(count == 0 for count in open_nodes.values()), open_nodes
    assert [e.type for e in events if e.context == "job"] == ["start", "end"]


def test_items_run_as_tasks_in_other_processes_with_the_offline_results(setup) -> None:
    case = CASES_BY_NAME["stream_in_order"]
    future = submit_graph(case.graph, config=setup.config)
    assert future.result(timeout=60) == case.results
    pids = {e.process_id for e in starts(future, "sq")}
    assert len(starts(future, "sq")) == 6
    assert pids and job_pid(setup, future) not in pids
    assert pids <= set(setup.worker.pool_pids())
    assert_events_complete(future)


def test_frames_travel_as_arrays_and_give_the_offline_result(setup) -> None:
    frames = [numpy.arange(256, dtype=numpy.int32).reshape(16, 16) * i for i in range(5)]
    doc = graph("frames", [node("gen", "Echo", {"x": frames}), node("src", "ewoks_core.stream.IterableSource"),
                           node("frame", "Echo"), node("red", "Collect")],
                [link("gen", "src", {"x": "iterable"}), link("src", "frame", {"item": "x"}),
                 link("frame", "red", {"x": "values"})],
                extensions={"stream": "1.0"}, stream={"source": "src", "item_nodes": ["frame"], "reducer": "red",
                                                      "max_in_flight": 2})
    future = submit_graph(doc, config=setup.config)
    remote, offline = future.result(timeout=60), execute_graph(doc)
    assert len(remote["values"]) == 5 and remote["values"][3].dtype == numpy.int32
    for got, expected in zip(remote["values"], offline["values"], strict=True):
        numpy.testing.assert_array_equal(got, expected)
    numpy.testing.assert_array_equal(remote["total"], offline["total"])
    assert job_pid(setup, future) not in {e.process_id for e in starts(future, "frame")}


def test_a_worker_of_concurrency_one_runs_the_items_in_the_job(setup) -> None:
    case = CASES_BY_NAME["stream_in_order"]
    future = submit_graph(case.graph, config=setup.config, queue="solo")
    assert future.result(timeout=60) == case.results
    assert {e.process_id for e in starts(future, "sq")} == {job_pid(setup, future)}
    assert_events_complete(future)
    # the item tasks delivered after the job ended were skipped: the worker runs the next job
    assert submit_graph(case.graph, config=setup.config, queue="solo").result(timeout=60) == case.results


def test_a_cancel_stops_the_source_and_the_running_item(setup) -> None:
    future = submit_graph(stream_sleeps(n=4, seconds=60), config=setup.config)
    wait_until(lambda: starts(future, "sq"), 30, "an item to start")
    assert starts(future, "sq")[0].process_id != job_pid(setup, future)
    future.cancel()
    with pytest.raises(WorkflowCancelled):
        future.result(timeout=20)
    assert len(starts(future, "sq")) == 1 and not starts(future, "red")
    ends = [e for e in future.events(context="node", type="end") if e.node_id == "sq"]
    assert [e.process_id for e in ends] == [starts(future, "sq")[0].process_id]  # it stopped, not abandoned
    assert_events_complete(future)


def test_a_killed_item_process_fails_the_job_naming_the_item_node(setup) -> None:
    future = submit_graph(stream_sleeps(n=3, seconds=60), config=setup.config)
    wait_until(lambda: starts(future, "sq"), 30, "an item to start")
    pid = starts(future, "sq")[0].process_id
    assert pid in setup.worker.pool_pids() and pid != job_pid(setup, future)
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(TaskFailedError, match="Celery item worker running node 'sq' was lost") as info:
        future.result(timeout=30)
    assert info.value.node_id == "sq"
    assert not starts(future, "red")
    assert_events_complete(future)


def item_message(parent: str) -> str:
    """An item message as items.py sends it: one SumTask run."""
    from ewoks_celery import codec

    return codec.encode({"parent": parent, "workflow_id": "late", "engine": "sequential", "handlers": [],
                         "varinfo": None, "node": {"id": "late", "attrs": {"task_type": "class",
                                                                             "task_identifier": SUM}},
                         "node_id": "late", "inputs": {"a": 1}, "run_index": 0, "input_uris": None})


SUM = "ewoks_core.testing.tasks.SumTask"


@pytest.mark.parametrize("parent", ["own", "other"])
def test_an_item_of_an_ended_job_or_naming_another_job_writes_nothing(setup, parent) -> None:
    from ewoks_celery.config import ITEM_NAME

    client = client_for(setup.config)
    if parent == "own":  # delivered late, after its job ended
        job = submit_graph(CASES_BY_NAME["stream_in_order"].graph, config=setup.config)
        job.result(timeout=60)
    else:  # sent by someone else under a running job's id, naming another job
        job = submit_graph(stream_sleeps(n=1, seconds=60), config=setup.config)
        wait_until(lambda: starts(job, "sq"), 30, "an item to start")
    item_id = f"{job.job_id}:item:999"
    result = client.app.send_task(ITEM_NAME, args=[item_message(job.job_id if parent == "own" else "x")],
                                  task_id=item_id)
    if parent == "own":
        wait_until(lambda: getattr(client.store.get(item_id), "state", "") == "REVOKED", 30, "the item refused")
    else:
        assert "names job 'x'" in result.get(timeout=30)["error"]["message"]
        job.cancel()
        with pytest.raises(WorkflowCancelled):
            job.result(timeout=30)
    assert not starts(job, "late")


def test_a_killed_job_process_stops_its_running_items_and_ends_each_node_once(setup) -> None:
    from ewoks_celery.errors import JobLostError

    future = submit_graph(stream_sleeps(n=2, seconds=60), config=setup.config)
    wait_until(lambda: starts(future, "sq"), 30, "an item to start")
    item_pid = starts(future, "sq")[0].process_id
    assert item_pid != job_pid(setup, future)
    os.kill(job_pid(setup, future), signal.SIGKILL)
    with pytest.raises(JobLostError):
        future.result(timeout=30)
    ends = [e for e in future.events(context="node", type="end") if e.node_id == "sq"]
    assert [e.process_id for e in ends] == [item_pid]  # the item ended its node itself, once
    assert_events_complete(future)
    assert item_pid in setup.worker.pool_pids()  # stopped, not killed: its process takes the next job
