"""The job driver with small backends written here: lost runs, broken submissions, SIGTERM handling.
(How every engine stops is the behaviour kit's job: ewoks_core.testing.behaviours.)"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import deque

import pytest

from ewoks_core.api import execute_graph
from ewoks_core.engines.base import Engine
from ewoks_core.engines.driver import Backend, Lost, drive
from ewoks_core.engines.signals import ctrl_c_calls, sigterm_calls
from ewoks_core.errors import TaskFailedError
from ewoks_core.events.sinks.memory import MemorySink
from ewoks_core.testing.builders import graph, link, node

CHAIN = graph("chain", [node("a", "SumTask", {"a": 1}), node("b", "SumTask", {"b": 1})],
              [link("a", "b", {"result": "a"})])


class LosingBackend(Backend):
    """Collects results in the driver thread; every run of node `lose` comes back lost."""

    name = "test"

    def __init__(self, job, lose, broken_submit=False):
        self.job, self.lose, self.broken_submit = job, lose, broken_submit
        self.queue = deque()

    def submit(self, run):
        if self.broken_submit and run.node_id == self.lose:
            raise RuntimeError("the pool is closed")
        self.queue.append(run)

    def wait(self, timeout):
        run = self.queue.popleft()
        if run.node_id == self.lose:
            return [(run, Lost(ConnectionError("worker gone")))]
        return [(run, self.job.run_local(run))]


class LosingEngine(Engine):
    name = "losing"
    capabilities = frozenset({"dag"})

    def __init__(self, **backend_args):
        self.backend_args = backend_args

    def run(self, job, options):
        drive(job, options, LosingBackend(job, **self.backend_args))


@pytest.mark.parametrize("broken_submit", [False, True], ids=["lost", "submit-failed"])
def test_lost_run_fails_its_node_with_complete_events(broken_submit):
    sink = MemorySink()
    with pytest.raises(TaskFailedError, match="WorkerLostError") as info:
        execute_graph(CHAIN, engine=LosingEngine(lose="b", broken_submit=broken_submit),
                      execinfo={"handlers": [sink]})
    assert info.value.node_id == "b"
    marks = [(e.node_id, e.type, bool(e.error)) for e in sink.events if e.context == "node"]
    assert marks[:2] == [("a", "start", False), ("a", "end", False)]
    assert marks[-1] == ("b", "end", True)  # the end event of the lost run, written by the driver


def test_sigterm_handler_restored():
    before = signal.getsignal(signal.SIGTERM)
    execute_graph(CHAIN)
    assert signal.getsignal(signal.SIGTERM) is before


def test_sigterm_handler_of_the_application_is_kept():
    def mine(signum, frame):
        pass

    previous = signal.signal(signal.SIGTERM, mine)
    try:
        with sigterm_calls(lambda: None) as installed:
            assert not installed and signal.getsignal(signal.SIGTERM) is mine
        with sigterm_calls(lambda: None, enabled=False) as installed:
            assert not installed
    finally:
        signal.signal(signal.SIGTERM, previous)
    with sigterm_calls(lambda: None) as installed:
        assert installed and signal.getsignal(signal.SIGTERM) is not previous
    assert signal.getsignal(signal.SIGTERM) is previous


def test_ctrl_c_is_noted_only_where_python_would_raise_it():
    noted = []
    with ctrl_c_calls(lambda: noted.append(1)) as installed:
        assert installed
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.01)  # the handler runs in this thread between two bytecodes
    assert noted == [1] and signal.getsignal(signal.SIGINT) is signal.default_int_handler

    def mine(signum, frame):
        pass

    previous = signal.signal(signal.SIGINT, mine)
    try:
        with ctrl_c_calls(lambda: None) as installed:  # the application's own handler is kept
            assert not installed and signal.getsignal(signal.SIGINT) is mine
    finally:
        signal.signal(signal.SIGINT, previous)


def test_no_sigterm_handler_outside_the_main_thread():
    seen = []

    def in_thread():
        with sigterm_calls(lambda: None) as installed:
            seen.append(installed)

    thread = threading.Thread(target=in_thread)
    thread.start()
    thread.join()
    assert seen == [False]


def test_caller_cancel_event_is_read_not_set():
    from ewoks_core.errors import WorkflowCancelled

    mine = threading.Event()
    mine.set()
    with pytest.raises(WorkflowCancelled):
        execute_graph(CHAIN, cancel_event=mine, timeout=5)
    unset = threading.Event()
    with pytest.raises(WorkflowCancelled, match="timed out"):
        execute_graph(graph("s", [node("s", "Sleep", {"seconds": 10})], []), cancel_event=unset, timeout=0.2)
    assert not unset.is_set()  # the timeout cancelled the job, not the caller's event


def test_second_sigterm_abandons_running_tasks(tmp_path):
    """The first SIGTERM cancels (the task ignores it); the second one does not wait for it.
    (Signals from outside the process, Ctrl-C twice included: the behaviour kit.)"""
    import os
    import time
    from concurrent.futures import ThreadPoolExecutor

    from ewoks_core.engines.backends import ThreadBackend
    from ewoks_core.errors import WorkflowCancelled

    class Threads(Engine):
        name = "threads-here"
        capabilities = frozenset({"dag", "parallel"})

        def run(self, job, options):
            pool = ThreadPoolExecutor(2)
            drive(job, options, ThreadBackend(job, pool.submit, lambda abort: pool.shutdown(wait=not abort)))

    before = signal.getsignal(signal.SIGTERM)
    sink = MemorySink()

    def send_twice():
        deadline = time.monotonic() + 30
        while not (any(e.context == "node" for e in sink.events) and signal.getsignal(signal.SIGTERM) is not before):
            assert time.monotonic() < deadline
            time.sleep(0.01)
        for _ in range(2):
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.2)

    thread = threading.Thread(target=send_twice)
    thread.start()
    t0 = time.monotonic()
    with pytest.raises(WorkflowCancelled, match="stopped by SIGTERM"):
        execute_graph(graph("stubborn", [node("s", "time.sleep", {0: 3}, task_type="method")], []),
                      engine=Threads(), kill_timeout=None, execinfo={"handlers": [sink]})
    thread.join()
    assert time.monotonic() - t0 < 2.5  # not the 3 s of the task, nor for ever (kill_timeout=None)
    assert [(e.type, bool(e.error)) for e in sink.events if e.context == "node"] == [("start", False), ("end", True)]


def test_ctrl_c_stops_then_aborts_then_escapes_a_stuck_end():
    """Ctrl-C is noted by the driver (its thread only drives here): the first stops the job, the second
    stops waiting for the run that ignores the stop, a third raises even in a backend's close that hangs."""
    calls = []
    closing, release = threading.Event(), threading.Event()

    class Stuck(Backend):
        name = "stuck"

        def submit(self, run):
            calls.append("submit")

        def wait(self, timeout):
            time.sleep(timeout)
            return []

        def stop(self, cancel):
            calls.append("stop")

        def close(self, abort):
            calls.append(f"close abort={abort}")
            closing.set()
            release.wait(30)
            calls.append("closed")  # only if the third Ctrl-C did not interrupt the wait

    class StuckEngine(Engine):
        name = "stuck"
        capabilities = frozenset({"dag"})

        def run(self, job, options):
            drive(job, options, Stuck())

    def interrupt():
        deadline = time.monotonic() + 30
        while "submit" not in calls:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        for _ in range(2):
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.3)
        closing.wait(30)
        os.kill(os.getpid(), signal.SIGINT)

    thread = threading.Thread(target=interrupt)
    thread.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            execute_graph(graph("one", [node("a", "Noop")], []), engine=StuckEngine(), kill_timeout=None)
    finally:
        release.set()
        thread.join()
    assert calls == ["submit", "stop", "close abort=True"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
