"""Stopping a running workflow: timeout, cancel(), cancel_event, SIGINT/SIGTERM; clean ends, no orphans."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
from _ppf_support import assert_complete, jsonl_handler, read_events

from ewoks_core.api import execute_graph
from ewoks_core.testing.builders import graph, link, node

SCRIPT = str(Path(__file__).with_name("_ppf_script.py"))


def long_graph(n: int = 3) -> dict:
    """n parallel 30 s sleeps (tasks that check self.cancelled) joined by a last node."""
    nodes = [node(f"s{i}", "Sleep", {"seconds": 30, "value": i}) for i in range(n)] + [node("end", "Noop")]
    return graph("long", nodes, [link(f"s{i}", "end") for i in range(n)])


def started_nodes(events):
    return [e["node_id"] for e in events if e["context"] == "node" and e["type"] == "start"]


def test_sigint_to_an_idle_worker_does_not_break_the_pool(tmp_path, no_orphans):
    # an idle worker that died of SIGINT would break the pool: the running task would be lost
    # (pypushflow's process pool ignores SIGINT in its workers between tasks; ours restores that)
    events = tmp_path / "events.jsonl"
    g = graph("idle", [node("q", "Noop", {"value": 1}), node("a", "Sleep", {"seconds": 1.5, "value": 2})], [])
    sent = []

    def interrupt_idle_workers() -> None:
        def ready():
            marks = {(e["node_id"], e["type"]): e["process_id"] for e in read_events(events) if e["context"] == "node"}
            return marks if ("q", "end") in marks and ("a", "start") in marks else None

        _wait_for(ready, timeout=30)
        busy = ready()[("a", "start")]
        from multiprocessing import forkserver

        server = psutil.Process(forkserver._forkserver._forkserver_pid)  # the pool's workers are its children
        for pid in {c.pid for c in server.children()} - {busy}:
            os.kill(pid, signal.SIGINT)
            sent.append(pid)

    thread = threading.Thread(target=interrupt_idle_workers)
    thread.start()
    try:
        results = execute_graph(g, engine="ppf", pool_type="process", max_workers=2, outputs=[{"all": True}],
                                merge_outputs=False, execinfo=jsonl_handler(events))
    finally:
        thread.join()
    assert sent, "no idle worker to interrupt"
    assert results == {"q": {"value": 1}, "a": {"value": 2}}
    assert_complete(read_events(events))


def test_ctrl_c_in_a_terminal_with_an_idle_worker(tmp_path):
    # the worker that ran 'q' waits for work when Ctrl-C reaches the group: it must not die of it
    # (a dead worker breaks the pool: the running tasks would get a second, "lost", end event)
    out, events, children = _signal_run(tmp_path, "process", [signal.SIGINT], group=True, extra="idle",
                                        started=3)
    assert out.startswith("RAISED KeyboardInterrupt"), out
    assert_complete(events)
    ends = [e["node_id"] for e in events if e["context"] == "node" and e["type"] == "end"]
    assert sorted(ends) == ["a", "b", "q"], ends
    assert not any("lost" in (e.get("error_message") or "") for e in events)
    _assert_gone(children)


def test_sigkill_of_the_caller_leaves_no_worker(tmp_path):
    # nothing in the caller can react to SIGKILL: the pool workers watch their parent and exit,
    # and so do the forkserver and the resource tracker
    out, events, children = _signal_run(tmp_path, "process", [signal.SIGKILL], returncode=-signal.SIGKILL,
                                        everything=True)
    assert len(children) >= 4  # 2 workers, the forkserver, the resource tracker
    _wait_for(lambda: not _alive(children), timeout=15)
    _assert_gone(children)


def _signal_run(tmp_path, pool_type, signals, stubborn=False, group=False, returncode=3, everything=False,
                extra=None, started=2):
    events = tmp_path / "events.jsonl"
    extra = "stubborn" if stubborn else extra
    args = [sys.executable, SCRIPT, pool_type, str(events), "{}"] + ([extra] if extra else [])
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=group)
    try:
        _wait_for(lambda: len(started_nodes(read_events(events))) >= started, timeout=60)
        children = [c.pid for c in psutil.Process(proc.pid).children(recursive=True)] if everything \
            else _pool_workers(proc.pid)
        t0 = time.monotonic()
        for signum in signals:
            if group:
                os.killpg(proc.pid, signum)
            else:
                proc.send_signal(signum)
            time.sleep(0.3)
        out, err = proc.communicate(timeout=30)
        assert time.monotonic() - t0 < 10, "the workflow did not stop promptly"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == returncode, (out, err)
    return out.strip(), read_events(events), children


def _pool_workers(pid):
    """Pool worker pids of process `pid`: its children, or the children of its forkserver (not the
    forkserver and the resource tracker multiprocessing starts beside it)."""
    workers = []
    for child in psutil.Process(pid).children():
        cmdline = " ".join(child.cmdline())
        if "forkserver" in cmdline:
            workers.extend(c.pid for c in child.children())
        elif "resource_tracker" not in cmdline:
            workers.append(child.pid)
    return workers


def _alive(pids):
    alive = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.append(pid)
        except psutil.NoSuchProcess:
            pass
    return alive


def _assert_gone(pids):
    alive = _alive(pids)
    assert not alive, f"orphan worker processes: {alive}"


def _wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)
