"""The orange engine: the workflow is an Orange canvas Scheme and Orange's SignalManager delivers outputs."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from ewoks_core.api import execute_graph
from ewoks_core.errors import EngineError, TaskFailedError
from ewoks_core.events.sinks.memory import MemorySink
from ewoks_core.graph import compile_graph, load_graph
from ewoks_core.testing.builders import cond, graph, link, node

ROOT = Path(__file__).resolve().parents[2]


def diamond() -> dict:
    return graph("diamond", [node("a", "SumTask", {"a": 1}, label="start"), node("b", "SumTask", {"b": 10}),
                             node("c", "SumTask", {"b": 100}), node("d", "SumTask")],
                 [link("a", "b", {"result": "a"}), link("a", "c", {"result": "a"}),
                  link("b", "d", {"result": "a"}), link("c", "d", {"result": "b"})])


def loop() -> dict:
    return graph("loop", [node("A", "Increment", {"x": 0, "limit": 5}, force_start_node=True)],
                 [link("A", "A", {"x": "x"}, conditions=cond(below_limit=True))])


def test_scheme_is_made_of_orange_canvas_objects():
    from orangecanvas.scheme import Scheme, SchemeLink, SchemeNode

    from ewoks_orange import INPUT_CHANNEL, OUTPUT_CHANNEL, workflow_scheme

    wf = workflow_scheme(compile_graph(load_graph(diamond())))
    assert isinstance(wf.scheme, Scheme)
    assert all(isinstance(n, SchemeNode) for n in wf.scheme.nodes) and len(wf.scheme.nodes) == 4
    assert [n.title for n in wf.scheme.nodes] == ["start", "b", "c", "d"]
    assert wf.nodes["a"].properties["task_identifier"] == "ewoks_core.testing.tasks.SumTask"
    links = wf.scheme.links
    assert all(isinstance(lk, SchemeLink) for lk in links) and len(links) == 4
    assert {(lk.source_node.title, lk.source_channel.name, lk.sink_node.title, lk.sink_channel.name)
            for lk in links} >= {("start", OUTPUT_CHANNEL, "b", INPUT_CHANNEL),
                                 ("c", OUTPUT_CHANNEL, "d", INPUT_CHANNEL)}


def test_loops_are_orange_self_links():
    from ewoks_orange import workflow_scheme

    wf = workflow_scheme(compile_graph(load_graph(loop())))
    (self_link,) = wf.scheme.links
    assert self_link.source_node is self_link.sink_node
    assert execute_graph(loop(), engine="orange") == {"x": 5, "below_limit": False}


def test_orange_delivers_every_linked_input(monkeypatch):
    # runs of linked nodes start when Orange's signal manager delivers their signals, never before
    from ewoks_orange.signals import JobSignalManager

    delivered = []
    original = JobSignalManager.send_to_node

    def record(self, orange_node, signals):
        delivered.append((orange_node.title, sorted((s.link.source_node.title, s.value is not None)
                                                     for s in signals)))
        return original(self, orange_node, signals)

    monkeypatch.setattr(JobSignalManager, "send_to_node", record)
    sink = MemorySink()
    assert execute_graph(diamond(), engine="orange", execinfo={"handlers": [sink]}) == {"result": 112}
    with_values = [(title, sources) for title, sources in delivered if any(v for _, v in sources)]
    assert [title for title, _ in with_values] == ["b", "c", "d"]
    assert dict(with_values)["d"] == [("b", True), ("c", True)]  # d gets both inputs in one delivery
    starts = [e.node_id for e in sink.events if e.context == "node" and e.type == "start"]
    assert starts == ["a", "b", "c", "d"]


def test_failing_task_names_the_node():
    g = graph("fails", [node("a", "SumTask", {"a": 1}), node("b", "Fail", {"fail": True})], [link("a", "b")])
    with pytest.raises(TaskFailedError) as info:
        execute_graph(g, engine="orange")
    assert info.value.node_id == "b"


def test_unknown_option_is_refused_before_anything_runs():
    g = graph("one", [node("a", "Noop", {"value": 1})], [])
    with pytest.raises(EngineError, match="engine 'orange' has no option 'pool_type'"):
        execute_graph(g, engine="orange", pool_type="thread")


def test_max_iterations_bounds_a_loop():
    with pytest.raises(Exception, match="max_iterations|iterations"):
        execute_graph(graph("loop", [node("A", "Increment", {"x": 0, "limit": 10**6}, force_start_node=True)],
                            [link("A", "A", {"x": "x"}, conditions=cond(below_limit=True))]),
                      engine="orange", max_iterations=50)


def test_runs_outside_the_main_thread():
    # no Qt application or event loop is needed: the engine steps Orange's signal manager itself
    results = {}
    thread = threading.Thread(target=lambda: results.update(execute_graph(diamond(), engine="orange")))
    thread.start()
    thread.join(60)
    assert results == {"result": 112}


def test_cli_engine_orange():
    out = subprocess.run([sys.executable, "-m", "ewoks_core.cli.main", "execute", str(ROOT / "workflows" / "demo.yaml"),
                          "--engine", "orange"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert '"x": 23' in out.stdout
    assert "QObject" not in out.stderr  # no Qt warnings (no timer is started)


def test_missing_orange_canvas_is_one_clear_error():
    # as on a machine without the [orange] extra: orangecanvas cannot be found
    code = """
import importlib.util
real = importlib.util.find_spec
importlib.util.find_spec = lambda name, *a: None if name == "orangecanvas" else real(name, *a)
from ewoks_core import execute_graph
try:
    execute_graph({"graph": {"id": "g"}, "nodes": [], "links": []}, engine="orange")
except Exception as e:
    print(type(e).__name__, e)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    expected = "EngineError engine 'orange' not installed (orangecanvas): pip install 'ewoks_core[orange]'"
    assert expected in out.stdout, out
