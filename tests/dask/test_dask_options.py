"""Engine registration and option parsing (typed, with clear errors and ewoksdask's spellings)."""

from __future__ import annotations

import pytest

from ewoks_core import execute_graph
from ewoks_core.engines.registry import get_engine
from ewoks_core.errors import EngineError
from ewoks_core.testing.builders import graph, node

ONE = graph("one", [node("a", "SumTask", {"a": 1, "b": 2})], [])


def parse(**options):
    return get_engine("dask").parse_options(options)


def test_registered_engine():
    engine = get_engine("dask")
    assert engine.name == "dask" and "cycles" not in engine.capabilities
    assert {"dag", "conditions", "on_error", "parallel", "distributed"} <= engine.capabilities
    assert parse().scheduler == "threads"  # the laptop default


@pytest.mark.parametrize("given, expected", [
    (None, "sync"), ("synchronous", "sync"), ("multithreading", "threads"), ("Threads", "threads"),
    ("multiprocessing", "processes"), ("cluster", "cluster"), ("distributed", "distributed"),
    ("tcp://10.0.0.1:8786", "tcp://10.0.0.1:8786"), ("localhost:8786", "tcp://localhost:8786"),
])
def test_scheduler_names(given, expected):
    assert parse(scheduler=given).scheduler == expected


def test_unknown_scheduler_suggests():
    with pytest.raises(EngineError, match="threads"):
        parse(scheduler="thread-pool")
    with pytest.raises(EngineError, match="processes"):
        parse(scheduler="proceses")


def test_unknown_option_suggests():
    with pytest.raises(EngineError, match="n_workers"):
        parse(n_worker=2)


def test_ewoksdask_scheduler_options():
    options = parse(scheduler="multiprocessing", scheduler_options={"num_workers": 3, "context": "spawn"})
    assert (options.scheduler, options.n_workers, options.mp_context) == ("processes", 3, "spawn")
    options = parse(scheduler="cluster", scheduler_options={"n_workers": 2, "memory_limit": "1GB"})
    assert options.n_workers == 2 and options.cluster_kwargs() == {"memory_limit": "1GB"}
    with pytest.raises(EngineError, match="context"):
        parse(scheduler_options={"context": "thread"})


def test_invalid_values():
    with pytest.raises(EngineError, match="n_workers"):
        parse(n_workers=0)
    with pytest.raises(EngineError, match="scheduler"):
        parse(scheduler=42)
    assert parse(n_workers="4").n_workers == 4  # command line values arrive as text or JSON


def test_distributed_without_default_client():
    with pytest.raises(EngineError, match="default distributed.Client"):
        execute_graph(ONE, engine="dask", scheduler="distributed")


def test_ewoksdask_entry_point():
    from ewoks_dask import execute_graph as dask_execute_graph

    assert dask_execute_graph(ONE, scheduler=None) == {"result": 3}
    assert dask_execute_graph(ONE, scheduler="multithreading", scheduler_options={"num_workers": 2}) == {"result": 3}


def test_spawn_context(tmp_path):
    assert execute_graph(ONE, engine="dask", scheduler="processes", mp_context="spawn", n_workers=1) == {"result": 3}


def test_existing_client_is_not_closed(dask_client):
    assert execute_graph(ONE, engine="dask", scheduler=dask_client) == {"result": 3}
    assert dask_client.status == "running"
    assert execute_graph(ONE, engine="dask", scheduler=dask_client) == {"result": 3}


def test_scheduler_options_are_checked():
    engine = get_engine("dask")
    with pytest.raises(EngineError, match=r"scheduler_options.num_workers must be a positive integer, got 'abc'"):
        engine.parse_options({"scheduler_options": {"num_workers": "abc"}})
    with pytest.raises(EngineError, match=r"scheduler_options \['bogus'\] only apply to scheduler='cluster'"):
        engine.parse_options({"scheduler": "threads", "scheduler_options": {"bogus": 1}})


@pytest.mark.slow
def test_bad_local_cluster_argument_is_one_clear_error():
    doc = graph("one", [node("a", "SumTask", {"a": 1})], [])
    with pytest.raises(EngineError, match=r"cannot start a dask LocalCluster: TypeError: .*'bogus'.*scheduler_options"):
        execute_graph(doc, engine="dask", scheduler="cluster", scheduler_options={"bogus": 1})
