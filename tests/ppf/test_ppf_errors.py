"""Task failures: the workflow fails with the node id and the original exception, unless on_error handles it."""

import pytest
from _ppf_support import POOLS, assert_complete, jsonl_handler, read_events

from ewoks_core.api import execute_graph
from ewoks_core.errors import TaskFailedError
from ewoks_core.events.sinks.memory import MemorySink
from ewoks_core.testing.builders import graph, link, node


@pytest.mark.parametrize("pool_type", POOLS)
def test_failure_names_node_and_chains_original(pool_type, tmp_path, no_orphans):
    g = graph("fails", [node("a", "SumTask", {"a": 1}), node("bad", "Fail"), node("after", "SumTask")],
              [link("a", "bad", {"result": "a"}), link("bad", "after", {"result": "a"})])
    events = tmp_path / "events.jsonl"
    with pytest.raises(TaskFailedError) as info:
        execute_graph(g, engine="ppf", pool_type=pool_type, execinfo=jsonl_handler(events))
    assert info.value.node_id == "bad" and "Fail" in info.value.task_identifier
    assert isinstance(info.value.__cause__, RuntimeError) and str(info.value.__cause__) == "intentional failure"
    ev = read_events(events)
    assert_complete(ev)
    assert "after" not in {e["node_id"] for e in ev}


@pytest.mark.parametrize("pool_type", POOLS)
def test_on_error_branch_runs(pool_type):
    g = graph("handled", [node("bad", "Fail"), node("ok", "SumTask"), node("h", "ErrorReport")],
              [link("bad", "ok", {"result": "a"}), link("bad", "h", on_error=True, map_all_data=True)])
    assert execute_graph(g, engine="ppf", pool_type=pool_type) == {"error_node": "bad", "error_message": (
        "Execution failed for ewoks task 'bad' (id: 'bad', task: 'ewoks_core.testing.tasks.Fail'): "
        "intentional failure")}


def test_unpicklable_output_fails_the_node(no_orphans):
    # process pools: an output that cannot be sent back fails its node (workflow error with the node id)
    g = graph("lambda", [node("a", "_ppf_support.unpicklable", task_type="method"), node("b", "Echo")],
              [link("a", "b", {"return_value": "a"})])
    with pytest.raises(TaskFailedError) as info:
        execute_graph(g, engine="ppf", pool_type="process", max_workers=1)
    assert info.value.node_id == "a" and "pickle" in str(info.value).lower()
    assert "outputs cannot be sent back" in str(info.value)


def test_unpicklable_output_has_one_end_event(tmp_path, no_orphans):
    g = graph("lambda", [node("a", "_ppf_support.unpicklable", task_type="method")], [])
    events = tmp_path / "events.jsonl"
    with pytest.raises(TaskFailedError):
        execute_graph(g, engine="ppf", pool_type="process", max_workers=1, execinfo=jsonl_handler(events))
    marks = [(e["node_id"], e["type"]) for e in read_events(events) if e["context"] == "node"]
    assert marks == [("a", "start"), ("a", "end")]


@pytest.mark.parametrize("pool_type", POOLS)
def test_task_calling_sys_exit_fails_its_node(pool_type, no_orphans):
    # SystemExit is no Exception: it must fail the node, not the worker (nor hang the workflow)
    g = graph("exits", [node("a", "sys.exit", {0: 3}, task_type="method")], [])
    with pytest.raises(TaskFailedError) as info:
        execute_graph(g, engine="ppf", pool_type=pool_type, timeout=30)
    assert info.value.node_id == "a" and isinstance(info.value.__cause__, SystemExit)


def test_crashed_worker_fails_the_job(no_orphans):
    # concurrent.futures notices a worker that died: the node fails with BrokenProcessPool
    g = graph("crash", [node("a", "os._exit", {0: 1}, task_type="method"), node("b", "Noop")], [link("a", "b")])
    with pytest.raises(TaskFailedError, match="BrokenProcessPool") as info:
        execute_graph(g, engine="ppf", pool_type="process")
    assert info.value.node_id == "a"


@pytest.mark.parametrize("sibling", [False, True], ids=["alone", "beside-other-runs"])
def test_crashed_worker_leaves_complete_events(sibling, tmp_path, no_orphans):
    # the dying worker wrote its start event; the engine writes the end event the worker never could.
    # Beside other runs the broken pool fails them too (the running one and the queued one): each gets
    # start and end, in the file the workers write and in a sink object that gets relayed events only.
    # (With forked workers, the old default, the pool could also hang at shutdown.)
    nodes = [node("a", "os._exit", {0: 1}, task_type="method"), node("s", "Sleep", {"seconds": 1}),
             node("q", "Sleep", {"seconds": 1})]
    links = [] if sibling else [link("a", "s"), link("s", "q")]
    events, sink = tmp_path / "events.jsonl", MemorySink()
    with pytest.raises(TaskFailedError, match="WorkerLostError"):
        execute_graph(graph("crash", nodes, links), engine="ppf", pool_type="process", max_workers=2,
                      execinfo={"handlers": [sink] + jsonl_handler(events)["handlers"]})
    for ev in (read_events(events), sink.dicts()):
        assert_complete(ev)
        marks = [(e["node_id"], e["type"], e.get("error")) for e in ev if e["context"] == "node"]
        assert [m for m in marks if m[0] == "a"] == [("a", "start", None), ("a", "end", True)]


def test_crashed_worker_of_a_multiprocessing_pool_is_bounded_by_the_timeout(no_orphans):
    # multiprocessing.Pool silently loses the task of a dead worker: timeout + kill_timeout still end the job
    from ewoks_core.errors import WorkflowCancelled

    g = graph("crash", [node("a", "os._exit", {0: 1}, task_type="method")], [])
    with pytest.raises(WorkflowCancelled):
        execute_graph(g, engine="ppf", pool_type="multiprocessing", timeout=0.5, kill_timeout=0.5)


def test_task_defined_in_python_c_explains_why_workers_miss_it(tmp_path):
    # worker processes start from a forkserver and re-import the main script: a task class made in
    # `python -c` (or a notebook) does not exist there; the error says so and what to do
    import subprocess
    import sys

    code = """
from ewoks_core import execute_graph
from ewoks_core.task import Task
class Double(Task, input_names=["x"], output_names=["y"]):
    def run(self):
        self.outputs.y = 2 * self.inputs.x
g = {"graph": {"id": "m"}, "links": [], "nodes": [{"id": "a", "task_type": "class",
     "task_identifier": "__main__.Double", "default_inputs": [{"name": "x", "value": 21}]}]}
print(execute_graph(g, engine="ppf", pool_type="thread"))
try:
    execute_graph(g, engine="ppf", pool_type="process")
except Exception as e:
    print(e)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    lines = out.stdout.strip().splitlines()
    assert lines[0] == "{'y': 42}", out
    assert "module '__main__' has no 'Double'" in lines[1] and "put the task in an importable module" in lines[1]


def test_a_killed_forkserver_is_replaced_for_the_next_job():
    # process-pool workers come from multiprocessing's forkserver: if something kills it between
    # two jobs, the next job starts a new one (in a subprocess: the test session keeps its own)
    import subprocess
    import sys

    code = """
import os, signal, time
from multiprocessing import forkserver
from ewoks_core import execute_graph
from ewoks_core.testing.builders import graph, node
g = graph("one", [node("a", "SumTask", {"a": 1, "b": 2})], [])
print(execute_graph(g, engine="ppf", pool_type="process"))
old = forkserver._forkserver._forkserver_pid
os.kill(old, signal.SIGKILL)
time.sleep(0.2)
print(execute_graph(g, engine="ppf", pool_type="process"), forkserver._forkserver._forkserver_pid != old)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.split("\n")[:2] == ["{'result': 3}", "{'result': 3} True"], out
