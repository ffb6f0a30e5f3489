"""The conformance kit on every dask scheduler: DAGs match the reference, cyclic graphs are refused,
and runs stop as on every engine (timeouts, cancel, Ctrl-C, SIGTERM, killed workers)."""

from __future__ import annotations

import pytest
from _dask_support import jsonl_execinfo

from ewoks_core import execute_graph
from ewoks_core.errors import CapabilityError
from ewoks_core.testing import BEHAVIOURS, CASES, check_behaviour, check_case


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_conformance(case, scheduler, tmp_path):
    if "cycles" not in case.needs:
        check_case(case, "dask", tmp_path, scheduler=scheduler)
        return
    events = tmp_path / "events.jsonl"
    with pytest.raises(CapabilityError) as info:
        execute_graph(case.graph, engine="dask", scheduler=scheduler, execinfo=jsonl_execinfo(events))
    message = str(info.value)
    assert "cycle" in message and ("'sequential'" in message or "'ppf'" in message), message
    assert not events.exists(), "a refused graph must not start"


# what each scheduler offers beyond the engine's capabilities (see ewoks_core.testing.behaviours)
TRAITS = {"sync": set(), "threads": {"abandons"}, "processes": {"worker_processes", "abandons"},
          "cluster": {"abandons"}}
# sync and threads run on the core's inline and thread backends, whose reaction to signals the
# sequential and ppf thread engines check already (each case starts `ewoks execute`: seconds)
SIGNALLED = {"processes", "cluster"}


@pytest.mark.parametrize("behaviour", BEHAVIOURS, ids=lambda b: b.name)
@pytest.mark.parametrize("name", list(TRAITS))
def test_behaviour(behaviour, name, tmp_path, request):
    if behaviour.stop.startswith("sig") and name not in SIGNALLED:
        pytest.skip("the same backend as the sequential (sync) or ppf thread (threads) engine: checked there")
    scheduler = name
    if name == "cluster":  # the session's cluster: its client here, its address for `ewoks execute`
        client = request.getfixturevalue("dask_client")
        scheduler = client.scheduler.address if behaviour.stop.startswith("sig") else client
    check_behaviour(behaviour, "dask", tmp_path, traits=TRAITS[name], scheduler=scheduler, n_workers=2)


@pytest.mark.slow
def test_cluster_started_for_the_run(tmp_path):
    """scheduler="cluster": a LocalCluster for this run only, closed afterwards."""
    from _dask_support import children_pids

    before = children_pids()
    check_case(next(c for c in CASES if c.name == "diamond"), "dask", tmp_path, scheduler="cluster",
               n_workers=2, threads_per_worker=1)
    import time

    deadline = time.monotonic() + 10
    while children_pids() - before and time.monotonic() < deadline:  # worker processes are reaped
        time.sleep(0.1)
    assert not children_pids() - before


def test_scheduler_address(dask_client, tmp_path):
    """A scheduler address (what `ewoks cluster start` prints) works like a client."""
    address = dask_client.scheduler.address
    check_case(next(c for c in CASES if c.name == "numpy_arrays"), "dask", tmp_path, scheduler=address)
