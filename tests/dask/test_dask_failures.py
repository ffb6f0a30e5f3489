"""A failing task: the workflow fails with the node id and original error, running tasks finish,
no new node starts, the events are complete. Timeouts and Ctrl-C stop cleanly."""

from __future__ import annotations

import _thread
import threading
import time

import pytest
from _dask_support import T, children_pids, jsonl_execinfo, node_marks, read_events

from ewoks_core import execute_graph
from ewoks_core.errors import TaskFailedError
from ewoks_core.testing.builders import graph, link, node


def failing_doc(tmp_path, wait=30):
    """'bad' fails once 'slow' has started; 'slow' runs 0.5 s more; 'after' (downstream of slow) must not start."""
    marker = str(tmp_path / "slow.started")
    return graph("fails", [node("bad", T + "FailWhenMarked", {"path": marker, "wait": wait}),
                           node("slow", T + "Mark", {"path": marker, "seconds": 0.5, "value": 1}),
                           node("after", "SumTask", {"b": 1})],
                 [link("slow", "after", {"value": "a"})])


@pytest.mark.slow
@pytest.mark.parametrize("parallel", ["cluster"])
def test_keyboard_interrupt_stops_and_cleans_up(parallel, tmp_path):
    """Ctrl-C while a LocalCluster for the run starts (here after 1 s) leaves nothing behind.
    (Ctrl-C while nodes run: the behaviour kit, test_dask_conformance.py.)"""
    doc = graph("interrupted", [node("s", "Sleep", {"seconds": 60})], [])
    path = tmp_path / "events.jsonl"
    before = children_pids()
    timer = threading.Timer(1.0, _thread.interrupt_main)
    timer.start()
    t0 = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        execute_graph(doc, engine="dask", scheduler=parallel, execinfo=jsonl_execinfo(path))
    assert time.monotonic() - t0 < 15
    events = read_events(path)
    assert events[-1]["context"] == "job" and events[-1]["error"] is True
    if parallel != "threads":
        deadline = time.monotonic() + 20
        while children_pids() - before - _helper_processes() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not children_pids() - before - _helper_processes()


def _helper_processes() -> set:
    """multiprocessing's forkserver and resource tracker: one per parent process, on purpose long-lived."""
    from multiprocessing import forkserver, resource_tracker

    pids = {getattr(forkserver._forkserver, "_forkserver_pid", None),
            getattr(resource_tracker._resource_tracker, "_pid", None)}
    return {p for p in pids if p}


def test_bad_scheduler_address_fails_fast():
    from ewoks_core.errors import EngineError

    doc = graph("one", [node("a", "SumTask", {"a": 1})], [])
    t0 = time.monotonic()
    with pytest.raises(EngineError, match="cannot connect"):
        execute_graph(doc, engine="dask", scheduler="tcp://127.0.0.1:9", connect_timeout=1)
    assert time.monotonic() - t0 < 10


def test_reused_job_id_after_a_failure(dask_client, tmp_path):
    """Workers remember that a run stopped; a later run with the same job id is another run."""
    with pytest.raises(TaskFailedError):
        execute_graph(failing_doc(tmp_path), engine="dask", scheduler=dask_client, execinfo={"job_id": "scan42"})
    doc = graph("ok", [node("a", "SumTask", {"a": 1}), node("b", "SumTask", {"b": 1})],
                [link("a", "b", {"result": "a"})])
    assert execute_graph(doc, engine="dask", scheduler=dask_client, execinfo={"job_id": "scan42"}) == {"result": 2}


SCRIPT = """
import sys
from ewoks_core import execute_graph
from ewoks_core.testing.builders import graph, node
if __name__ == "__main__":
    doc = graph("long", [node(i, "Sleep", {"seconds": 60}) for i in range(2)], [])
    print("running", flush=True)
    execute_graph(doc, engine="dask", scheduler=sys.argv[1], n_workers=2,
                  execinfo={"handlers": [{"class": "jsonl", "arguments": [{"name": "path", "value": sys.argv[2]}]}]})
"""


@pytest.mark.slow
@pytest.mark.parametrize("sig", ["SIGKILL"])
def test_terminated_caller_leaves_no_process(sig, tmp_path):
    """Even SIGKILL of the caller leaves no worker process behind (SIGTERM: the behaviour kit)."""
    import os
    import signal
    import subprocess
    import sys

    (tmp_path / "run.py").write_text(SCRIPT)
    path = tmp_path / "events.jsonl"
    proc = subprocess.Popen([sys.executable, str(tmp_path / "run.py"), "processes", str(path)], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert proc.stdout.readline().strip() == "running"
        deadline = time.monotonic() + 60
        while len(node_marks(read_events(path))) < 2 and time.monotonic() < deadline:  # both nodes started
            time.sleep(0.1)
        os.kill(proc.pid, getattr(signal, sig))
        proc.wait(timeout=30)
        if sig == "SIGTERM":
            assert "WorkflowCancelled" in proc.stderr.read()
            assert node_marks(read_events(path)) == {"0": ["start", "end!"], "1": ["start", "end!"]}
        deadline = time.monotonic() + 20
        while _session_alive(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _session_alive(proc.pid), "worker processes outlived their caller"
    finally:
        if _session_alive(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)


def _session_alive(sid: int) -> bool:
    import os

    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.getsid(int(entry)) == sid:
                    return True
            except OSError:
                pass
    return False


@pytest.mark.slow
@pytest.mark.parametrize("scheduler", ["cluster"])
def test_ctrl_c_in_a_terminal_with_process_workers(scheduler, tmp_path):
    """A terminal sends SIGINT to the whole process group, the workers of a LocalCluster started for the
    run included: they ignore it (workerenv), the tasks see self.cancelled, so every node ends once,
    with the task's own error, and no worker remains. (A process pool: the behaviour kit.)"""
    import os
    import signal
    import subprocess
    import sys

    doc = graph("slow", [node("a", "Sleep", {"seconds": 60}), node("b", "Sleep", {"seconds": 60})], [])
    wf = tmp_path / "slow.json"
    wf.write_text(__import__("json").dumps(doc))
    path = tmp_path / "events.jsonl"
    cmd = [sys.executable, "-m", "ewoks_core.cli.main", "execute", str(wf), "--engine", "dask",
           "-o", f"scheduler={scheduler}", "-o", "n_workers=2", "--events", str(path)]
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 60
        while len([e for e in read_events(path) if e["type"] == "start" and e["context"] == "node"]) < 2:
            assert time.monotonic() < deadline and proc.poll() is None, "the nodes never started"
            time.sleep(0.1)
        os.killpg(proc.pid, signal.SIGINT)
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130
    assert node_marks(read_events(path)) == {"a": ["start", "end!"], "b": ["start", "end!"]}
    ends = [e for e in read_events(path) if e["context"] == "node" and e["type"] == "end"]
    assert all("cancelled" in e["error_message"] for e in ends)
