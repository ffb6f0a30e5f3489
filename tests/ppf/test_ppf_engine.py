"""Registration, options, the CLI, and proof that pypushflow's pools do the work."""

import os
import threading

import pytest
from _ppf_support import POOLS, jsonl_handler, pids_of, read_events

from ewoks_core.api import execute_graph
from ewoks_core.engines.registry import get_engine
from ewoks_core.errors import EngineError
from ewoks_core.testing import CASES_BY_NAME
from ewoks_core.testing.builders import cond, graph, link, node
from ewoks_ppf import PpfEngine, PpfOptions

LOOP = CASES_BY_NAME["loop_until_condition"].graph


def test_registered():
    engine = get_engine("ppf")
    assert isinstance(engine, PpfEngine)
    assert {"cycles", "conditions", "on_error", "parallel"} <= engine.capabilities


def test_defaults_suit_tiny_tasks():
    options = PpfOptions()
    assert options.pool_type == "thread" and options.max_workers is None and options.timeout is None


@pytest.mark.parametrize("options, message", [
    ({"pool_typ": "thread"}, "did you mean 'pool_type'"),
    ({"pool_type": "scaling"}, "pool_type"),
    ({"max_workers": 0}, "max_workers"),
    ({"cancel_event": 3}, "is_set"),
])
def test_bad_options(options, message):
    with pytest.raises(EngineError, match=f"(?i){message}"):
        execute_graph(LOOP, engine="ppf", **options)


def test_cli_engine_options(tmp_path, capsys, no_orphans):
    import json

    from ewoks_core.cli.main import main

    path = tmp_path / "loop.json"
    path.write_text(json.dumps(LOOP))
    events = tmp_path / "events.jsonl"
    rc = main(["execute", str(path), "--engine", "ppf", "-o", "pool_type=process", "-o", "max_workers=2",
               "--events", str(events), "--json", "--no-progress"])
    assert rc == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1]) == {"result": 6}
    assert os.getpid() not in pids_of(read_events(events))


def test_pypushflow_pools_run_the_tasks(tmp_path, monkeypatch):
    """Tasks run on the pools of pypushflow.concurrent: worker processes or pool threads."""
    from pypushflow.concurrent import factory

    created = []
    original = factory.get_pool

    def spy(pool_type):
        cls = original(pool_type)
        created.append(cls.__name__)
        return cls

    monkeypatch.setattr(factory, "get_pool", spy)
    events = tmp_path / "events.jsonl"
    execute_graph(LOOP, engine="ppf", pool_type="process", execinfo=jsonl_handler(events))
    assert set(created) == {"ProcessPool"}  # (the option check asks for it too)
    pids = pids_of(read_events(events))
    assert pids and os.getpid() not in pids
    g = graph("t", [node("a", "_ppf_support.thread_name", task_type="method")], [])
    name = execute_graph(g, engine="ppf")["return_value"]
    assert created[-1] == "ThreadPool" and name != threading.current_thread().name


@pytest.mark.parametrize("pool_type", POOLS)
def test_concurrent_jobs(pool_type, no_orphans):
    import ewoks_ppf

    g = graph("loop", [node("A", "Increment", {"x": 0, "limit": 20}, force_start_node=True)],
              [link("A", "A", {"x": "x"}, conditions=cond(below_limit=True))])
    jobs = [ewoks_ppf.submit(g, pool_type=pool_type, max_workers=1) for _ in range(4)]
    assert [job.result(timeout=60) for job in jobs] == [{"x": 20, "below_limit": False}] * 4


def test_max_iterations():
    from ewoks_core.errors import MaxIterationsError

    g = graph("forever", [node("A", "Increment", {"x": 0}, force_start_node=True)],
              [link("A", "A", {"x": "x"})])
    with pytest.raises(MaxIterationsError):
        execute_graph(g, engine="ppf", max_iterations=50)


def test_submit_refuses_a_bad_argument_by_name_before_any_event(tmp_path):
    import ewoks_ppf
    from ewoks_core.errors import EwoksError
    from ewoks_core.events.sinks.memory import MemorySink

    sink = MemorySink()
    doc = graph("g", [node("a", "SumTask", {"a": 1})], [])
    with pytest.raises(EwoksError, match=r"unknown load option\(s\) \['root_dri'\]") as info:
        ewoks_ppf.submit(doc, load_options={"root_dri": "."}, execinfo={"handlers": [sink]})
    assert info.value.field == "load_options"
    with pytest.raises(EwoksError, match="unknown persistence scheme 'nexsu'") as info:
        ewoks_ppf.submit(doc, varinfo={"root_uri": str(tmp_path / "r"), "scheme": "nexsu"},
                         execinfo={"handlers": [sink]})
    assert info.value.field == "varinfo.scheme" and sink.events == [] and not (tmp_path / "r").exists()
