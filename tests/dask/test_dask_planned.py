"""Workflows decided up front on a running cluster: one graph; the client takes the outcomes from the
workers' outboxes (ewoks_dask.planned), and gathers the runs an outbox does not hold."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List

import pytest
from _dask_support import T

from ewoks_core import execute_graph
from ewoks_core.engines.driver import drive
from ewoks_core.errors import TaskFailedError
from ewoks_core.testing.builders import cond, graph, link, node
from ewoks_dask import backends, planned
from ewoks_dask.backends import DistributedBackend
from ewoks_dask.engine import DaskEngine

N = 12  # a chain: each node adds 1 to its source's result, so the result proves every link carried data
CHAIN = graph("planned_chain", [node(i, "SumTask", {"a": 0, "b": 1} if i == 0 else {"b": 1}) for i in range(N)],
              [link(i, i + 1, {"result": "a"}) for i in range(N - 1)])


class CountingClient:
    """The real client; remembers the keys it was asked to gather."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.gathered: List[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)

    def gather(self, futures: List[Any], *args: Any, **kwargs: Any) -> Any:
        self.gathered += [future.key for future in futures]
        return self.client.gather(futures, *args, **kwargs)


class EmptiedOutboxes(DistributedBackend):
    """Empties the job's outboxes on every worker before each batch is taken (as if their workers died)."""

    def _from_outboxes(self, keys: List[str]) -> Any:
        self.client.run(planned.take_outcomes, self.flags.token)
        return super()._from_outboxes(keys)


class RecordingEngine(DaskEngine):
    """The dask engine on a given client, with a chosen DistributedBackend class; keeps the backend."""

    def __init__(self, backend_class: type = DistributedBackend) -> None:
        self.backend_class = backend_class
        self.backend: Any = None

    def run(self, job: Any, options: Any) -> None:
        self.backend = self.backend_class(job, CountingClient(options.scheduler), [])
        drive(job, options, self.backend)


def outbox_tokens(client: Any) -> set:
    """Tokens of the jobs whose outboxes hold outcomes, on any worker."""
    boxes = client.run(lambda: list(planned._OUTBOX))
    return {token for tokens in boxes.values() for token in tokens}


def test_outcomes_come_from_the_outboxes(dask_client):
    engine = RecordingEngine()
    assert execute_graph(CHAIN, engine=engine, scheduler=dask_client) == {"result": N}
    backend = engine.backend
    assert backend.outbox is not None, "a plan was not submitted as one graph"
    assert backend.client.gathered == []
    assert backend.flags.token not in outbox_tokens(dask_client), "outcomes left behind on a worker"


def test_runs_missing_from_the_outboxes_are_gathered(dask_client):
    engine = RecordingEngine(EmptiedOutboxes)
    assert execute_graph(CHAIN, engine=engine, scheduler=dask_client) == {"result": N}
    # the first node ended before the first batch was taken, so its outcome was emptied (later ones may
    # have ended between the emptying and the taking)
    assert "0" in {key.split("-")[0] for key in engine.backend.client.gathered}


def releasing_backend(release: Path) -> type:
    """A DistributedBackend that keeps the outcomes it hands to the driver and creates `release` as soon
    as one of them is a failure."""

    class Releasing(DistributedBackend):
        outcomes: Dict[Any, Any] = {}

        def wait(self, timeout: float) -> Any:
            finished = super().wait(timeout)
            for run, result in finished:
                self.outcomes[run.node_id] = result
                if getattr(result, "error", None) is not None:
                    release.touch()
            return finished

    return Releasing


def test_a_failed_run_comes_back_before_the_next_batch(dask_client, tmp_path, monkeypatch):
    """Without local sinks the outcomes of a plan come in batches far apart (here: an hour); a failure is
    seen at once all the same (dask tells the client its result's type): 'slow' ends only once the
    client saw 'bad' fail."""
    monkeypatch.setattr(backends, "QUIET_INTERVAL", 3600.0)
    started, release = tmp_path / "slow.started", tmp_path / "release"
    doc = graph("fails", [node("bad", T + "FailWhenMarked", {"path": str(started)}),
                          node("slow", T + "WaitForFile", {"started": str(started), "path": str(release), "wait": 60})],
                [])
    engine = RecordingEngine(releasing_backend(release))
    with pytest.raises(TaskFailedError, match="failed on purpose"):
        execute_graph(doc, engine=engine, scheduler=dask_client)
    assert engine.backend.outbox is not None, "a plan was not submitted as one graph"
    assert engine.backend.outcomes["slow"].error is None, engine.backend.outcomes["slow"].error


def test_the_part_before_a_condition_is_planned(dask_client):
    """0..5 planned (one graph); the branch the condition takes, and the error handler, run dynamically."""
    nodes = [node(i, "SumTask", {"a": 0, "b": 1} if i == 0 else {"b": 1}) for i in range(6)]
    links = [link(i, i + 1, {"result": "a"}) for i in range(5)]
    nodes += [node("big", "SumTask", {"b": 100}), node("small", "SumTask", {"b": -100})]
    links += [link(5, "big", {"result": "a"}, conditions=cond(result=6)),
              link(5, "small", {"result": "a"}, conditions=cond(result=0))]
    engine = RecordingEngine()
    results = execute_graph(graph("partly", nodes, links), engine=engine, scheduler=dask_client,
                            outputs=[{"id": "big"}, {"id": "small"}], merge_outputs=False)
    assert results == {"big": {"result": 106}}
    assert len(engine.backend.plan_runs) == 6 and len(engine.backend.urgent) == 1


def test_a_planned_node_fails_into_its_error_handler(dask_client):
    """"fail" is planned and fails: its handler runs dynamically with the error; "after" (a plain,
    required link from "fail") never runs, though the plan held it."""
    nodes = [node("a", "SumTask", {"a": 1}), node("fail", "Fail", {"fail": True}), node("after", "SumTask", {"b": 1}),
             node("handler", "ErrorReport")]
    links = [link("a", "fail", {"result": "a"}), link("fail", "after", {"result": "a"}),
             link("fail", "handler", None, on_error=True, map_all_data=True)]
    engine = RecordingEngine()
    results = execute_graph(graph("handled", nodes, links), engine=engine, scheduler=dask_client,
                            outputs=[{"all": True}], merge_outputs=False)
    assert len(engine.backend.plan_runs) == 3
    assert set(results) == {"a", "handler"} and results["handler"]["error_node"] == "fail"
