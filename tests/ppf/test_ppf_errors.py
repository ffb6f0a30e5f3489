"""Task failures: the workflow fails with the node id and the original exception, unless on_error handles it."""

import pytest

from ewoks_core.api import execute_graph
from ewoks_core.testing.builders import graph, node


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
