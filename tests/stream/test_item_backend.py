"""The core's item backend hook (RunContext.item_backend): item runs go to a backend a binding supplies,
results come back through the driver, the in-flight limit and the item order stay in the stream schedule."""

from __future__ import annotations

import queue
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, List, Set

import pytest

from ewoks_core.engines.backends import Backend
from ewoks_core.engines.driver import Finished
from ewoks_core.engines.lifecycle import prepare_job, run_job
from ewoks_core.engines.sequential import SequentialEngine
from ewoks_core.errors import TaskFailedError
from ewoks_core.execution.node import run_node
from ewoks_core.graph import compile_graph, load_graph
from ewoks_core.testing import CASES_BY_NAME
from ewoks_core.testing.builders import graph, link, node


class PoolItems(Backend):
    """Item runs on a thread pool, results collected (what the Celery binding's item backend does with tasks)."""

    def __init__(self, nodes: Any, ctx: Any, threads: Set[int], max_seen: List[int]) -> None:
        self.nodes, self.ctx, self.threads, self.max_seen = nodes, ctx, threads, max_seen
        self.pool = ThreadPoolExecutor(4)
        self.done: "queue.SimpleQueue[Any]" = queue.SimpleQueue()
        self.running = 0
        self.lock = threading.Lock()

    def submit(self, run: Any) -> None:
        self.pool.submit(self._work, run)

    def _work(self, run: Any) -> None:
        with self.lock:
            self.running += 1
            self.max_seen[0] = max(self.max_seen[0], self.running)
        self.threads.add(threading.get_ident())
        outcome = run_node(self.nodes[run.node_id], run, self.ctx)
        with self.lock:
            self.running -= 1
        self.done.put((run, outcome))

    def wait(self, timeout: float) -> Finished:
        try:
            finished = [self.done.get(timeout=timeout)]
        except queue.Empty:
            return []
        while not self.done.empty():
            finished.append(self.done.get_nowait())
        return finished

    def close(self, abort: bool) -> None:
        self.pool.shutdown(wait=True)


def run_with_items(doc: dict) -> tuple:
    threads: Set[int] = set()
    max_seen = [0]
    engine = SequentialEngine()
    job, options, selection = prepare_job(engine, compile_graph(load_graph(doc)))
    job.ctx.item_backend = lambda items, ctx: PoolItems(items.nodes, ctx, threads, max_seen)
    return run_job(engine, job, options, selection), threads, max_seen[0]


def test_item_runs_go_to_the_item_backend_in_order_within_the_limit() -> None:
    case = CASES_BY_NAME["stream_in_order"]  # items of 0 to 40 ms overtake each other
    results, threads, most = run_with_items(case.graph)
    assert results == case.results
    assert threads and threading.get_ident() not in threads
    assert 1 < most <= 3  # max_in_flight 3


def test_an_outer_node_runs_on_the_engine_while_items_run_on_the_item_backend() -> None:
    doc = graph("side", [node("gen", "Echo", {"x": list(range(8))}), node("side", "Sleep", {"seconds": 0.2}),
                         node("src", "ewoks_core.stream.IterableSource"), node("sq", "SlowSquare"),
                         node("red", "Collect")],
                [link("gen", "src", {"x": "iterable"}), link("src", "sq", {"item": "x", "index": "index"}),
                 link("sq", "red", {"result": "values"})],
                extensions={"stream": "1.0"}, stream={"source": "src", "item_nodes": ["sq"], "reducer": "red",
                                                      "max_in_flight": 2})
    results, threads, _ = run_with_items(doc)
    assert results["values"] == [x * x for x in range(8)]
    assert threading.get_ident() not in threads


def test_a_failed_item_on_the_item_backend_fails_the_job_naming_its_node() -> None:
    case = CASES_BY_NAME["stream_item_fails"]
    with pytest.raises(TaskFailedError) as info:
        run_with_items(case.graph)
    assert info.value.node_id == "sq"
