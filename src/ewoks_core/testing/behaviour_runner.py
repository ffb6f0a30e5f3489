"""Run behaviour cases (behaviours.py) on an engine configuration and assert how the run ended.

    @pytest.mark.parametrize("behaviour", BEHAVIOURS, ids=lambda b: b.name)
    def test_behaviour(behaviour, tmp_path):
        check_behaviour(behaviour, "myengine", tmp_path, traits={"abandons"}, max_workers=2)

Cases stopped by a signal run `ewoks execute` in a new process session (so the engine's name and
options must be what the command line takes: a registered engine, JSON-able option values); the
others run `execute_graph` in this process. A case whose `needs` the engine's capabilities plus
`traits` lack is skipped (pytest.skip when pytest is running, else returns False).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Set, Union

from ..errors import node_label
from ..events.sinks.base import EventSink
from .behaviours import Behaviour
from .runner import node_events

WAIT_START = 90.0  # seconds for the first node to start (a process pool or cluster client starts first)


def check_behaviour(behaviour: Behaviour, engine: Any, tmp_path: Path, traits: Iterable[str] = (),
                    **engine_options: Any) -> bool:
    """Assert that the engine (a name, or an Engine for the cases run in this process) behaves as the
    case says; returns False (or skips under pytest) when the configuration lacks what it needs."""
    lacking = set(behaviour.needs) - set(traits) - _capabilities(engine)
    if lacking:
        _skip(f"{behaviour.name} needs {sorted(lacking)}")
        return False
    options = {**engine_options, **behaviour.options}
    if behaviour.stop.startswith("sig"):
        _check_command(behaviour, engine, tmp_path, options)
    else:
        _check_call(behaviour, engine, tmp_path, options)
    return True


# -- in this process ----------------------------------------------------------------------
def _check_call(behaviour: Behaviour, engine: Any, tmp_path: Path, options: Dict[str, Any]) -> None:
    from ..api import execute_graph
    from ..events.sinks.memory import MemorySink

    events, sink = tmp_path / f"{behaviour.name}.events.jsonl", MemorySink()
    handlers: List[Any] = [sink, {"class": "jsonl", "arguments": [{"name": "path", "value": str(events)}]}]
    ctrl_c = None
    if behaviour.stop.startswith("ctrl_c_at_end_of:"):
        ctrl_c = _CtrlCAtEnd(behaviour.stop.split(":", 1)[1])
        handlers.append(ctrl_c)  # the last sink: the others have the event when the signal comes
    stop = _stopper(behaviour, events, options) if ctrl_c is None else (lambda: ctrl_c.when)
    before = _children()
    error: Optional[BaseException] = None
    try:
        execute_graph(behaviour.graph, engine=engine, execinfo={"handlers": handlers}, **options)
    except BaseException as exc:
        if not isinstance(exc, Exception) and ctrl_c is None:
            raise
        error = exc
    finally:
        stopped = stop()
    took = time.monotonic() - stopped
    assert error is not None, f"{behaviour.name}: the workflow was not stopped"
    assert type(error).__name__ == behaviour.error, f"{behaviour.name}: raised {type(error).__name__}: {error}"
    _search(behaviour, str(error))
    assert took < behaviour.within, f"{behaviour.name}: ended {took:.1f} s after the stop"
    for where, per_node in (("events file", node_events(events)), ("sink object", _marks(sink))):
        _assert_events(behaviour, per_node, where)
    _assert_job_events(behaviour, [json.loads(line) for line in events.read_text().splitlines()])
    _wait_gone(lambda: _children() - before, behaviour.name)


def _stopper(behaviour: Behaviour, events: Path, options: Dict[str, Any]) -> Callable[[], float]:
    """Arranges the stop of an in-process case; the returned function joins and says when it stopped."""
    when = [time.monotonic()]
    if behaviour.stop == "timeout":
        when[0] += float(options["timeout"])
        return lambda: when[0]
    if behaviour.stop == "cancel_event_set":
        options["cancel_event"] = threading.Event()
        options["cancel_event"].set()
        return lambda: when[0]
    if behaviour.stop == "cancel_event":
        cancel = options["cancel_event"] = threading.Event()

        def act() -> None:
            cancel.set()
    elif behaviour.stop == "kill_worker":
        def act() -> None:
            pid = _worker_pid(events)
            assert pid is not None, "no node started in a worker process: no worker to kill"
            os.kill(pid, signal.SIGKILL)
    else:
        raise ValueError(f"unknown stop {behaviour.stop!r}")

    def run() -> None:
        _wait_started(events)
        when[0] = time.monotonic()
        act()

    thread = threading.Thread(target=run, name=f"ewoks-behaviour-{behaviour.name}", daemon=True)
    thread.start()

    def join() -> float:
        thread.join(WAIT_START)
        return when[0]

    return join


class _CtrlCAtEnd(EventSink):
    """A sink object of the caller that sends SIGINT to this process on the end event of `node_id`
    (it gets that event in the thread that records the node's outcome)."""

    def __init__(self, node_id: str) -> None:
        self.node_id = node_id
        self.when = time.monotonic() + 3600.0  # "not stopped yet"

    def emit(self, event: Any) -> None:
        if event.context == "node" and event.type == "end" and event.node_id == self.node_id \
                and self.when > time.monotonic():
            self.when = time.monotonic()
            os.kill(os.getpid(), signal.SIGINT)


# -- `ewoks execute` in a new session, stopped by signals -----------------------------------
def _check_command(behaviour: Behaviour, engine: Any, tmp_path: Path, options: Dict[str, Any]) -> None:
    assert isinstance(engine, str), "signal cases run `ewoks execute`: give the engine's registered name"
    workflow, events = tmp_path / f"{behaviour.name}.json", tmp_path / f"{behaviour.name}.events.jsonl"
    workflow.write_text(json.dumps(behaviour.graph))
    cmd = [sys.executable, "-m", "ewoks_core.cli.main", "execute", str(workflow), "--engine", engine,
           "--events", str(events), "--no-progress"]
    for name, value in options.items():
        cmd += ["-o", f"{name}={json.dumps(value)}"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        _wait_started(events, proc)
        stopped = time.monotonic()
        for _ in range(2 if behaviour.stop.endswith("_twice") else 1):
            if behaviour.stop.startswith("sigint"):  # Ctrl-C in a terminal: the whole process group
                os.killpg(proc.pid, signal.SIGINT)
            else:  # a service manager stops the service
                proc.send_signal(signal.SIGTERM)
            time.sleep(0.5)
        out, err = proc.communicate(timeout=behaviour.within + 30)
        took = time.monotonic() - stopped
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert str(proc.returncode) == behaviour.error, f"{behaviour.name}: exit {proc.returncode}\n{out}\n{err}"
    _search(behaviour, err)
    assert took < behaviour.within, f"{behaviour.name}: ended {took:.1f} s after the stop"
    _assert_events(behaviour, node_events(events), "events file")
    _assert_job_events(behaviour, _read(events))
    _wait_gone(lambda: _session(proc.pid), behaviour.name)


# -- checks ----------------------------------------------------------------------------------
def _search(behaviour: Behaviour, text: str) -> None:
    import re

    assert re.search(behaviour.message, text), f"{behaviour.name}: {behaviour.message!r} not in {text!r}"


def _assert_events(behaviour: Behaviour, per_node: Dict[str, List[str]], where: str) -> None:
    if behaviour.stop not in ("timeout", "cancel_event_set"):  # (a timeout may come before a pool started anything)
        assert per_node, f"{behaviour.name}: no node started ({where})"
    for node_id, marks in per_node.items():  # start, end (or end!), start, end, ...
        paired = len(marks) % 2 == 0 and all(m == "start" for m in marks[::2]) and \
            all(m.startswith("end") for m in marks[1::2])
        assert paired, f"{behaviour.name}: node {node_id!r} events {marks} ({where})"
    started = set(per_node) & set(map(node_label, behaviour.never_started))
    assert not started, f"{behaviour.name}: {sorted(started)} started after the stop ({where})"


def _assert_job_events(behaviour: Behaviour, events: List[dict]) -> None:
    kinds = [(e["context"], e["type"]) for e in events if e["context"] != "node"]
    assert kinds == [("job", "start"), ("workflow", "start"), ("workflow", "end"), ("job", "end")], \
        f"{behaviour.name}: job/workflow events {kinds}"
    assert events[-1]["error"], f"{behaviour.name}: the job end event has no error"


def _marks(sink: Any) -> Dict[str, List[str]]:
    per_node: Dict[str, List[str]] = {}
    for e in sink.events:
        if e.context == "node" and e.type != "progress":
            per_node.setdefault(e.node_id, []).append(e.type + ("!" if e.type == "end" and e.error else ""))
    return per_node


# -- helpers ---------------------------------------------------------------------------------
def _read(path: Path) -> List[dict]:
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return []
    return [json.loads(line) for line in lines if line.endswith("}")]  # not a line being written


def _wait_started(events: Path, proc: Optional[subprocess.Popen] = None) -> None:
    deadline = time.monotonic() + WAIT_START
    while not any(e["context"] == "node" and e["type"] == "start" for e in _read(events)):
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"ewoks execute ended before a node started: {proc.communicate()}")
        assert time.monotonic() < deadline, "no node started"
        time.sleep(0.05)


def _worker_pid(events: Path) -> Optional[int]:
    """The process of the first node started outside this process (a stream's source runs here: its
    items go to the workers), waited for up to WAIT_START."""
    deadline = time.monotonic() + WAIT_START
    while time.monotonic() < deadline:
        pids = [e["process_id"] for e in _read(events) if e["context"] == "node" and e["type"] == "start"
                and e["process_id"] != os.getpid()]
        if pids:
            return int(pids[0])
        time.sleep(0.05)
    return None


def _wait_gone(alive: Callable[[], Union[Set[int], bool]], name: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(), f"{name}: processes left behind: {alive()}"


def _children() -> Set[int]:
    """Live descendants of this process, but multiprocessing's own long-lived helpers (forkserver,
    resource tracker: one per interpreter, on purpose)."""
    from multiprocessing import forkserver, resource_tracker

    helpers = {getattr(forkserver._forkserver, "_forkserver_pid", None),
               getattr(resource_tracker._resource_tracker, "_pid", None)}
    pids: Set[int] = set()
    todo = [os.getpid()]
    while todo:
        pid = todo.pop()
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            if child in helpers:  # not counted, but pool workers it forked are
                todo.append(child)
            elif child not in pids and not _zombie(child):
                pids.add(child)
                todo.append(child)
    return pids


def _session(sid: int) -> Set[int]:
    """Live processes of session `sid` (Linux /proc)."""
    pids: Set[int] = set()
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else ():
        if entry.isdigit():
            try:
                if os.getsid(int(entry)) == sid and not _zombie(int(entry)):
                    pids.add(int(entry))
            except OSError:
                pass
    return pids


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def _capabilities(engine: Any) -> Set[str]:
    from ..engines.base import Engine
    from ..engines.registry import get_engine

    return set((engine if isinstance(engine, Engine) else get_engine(engine)).capabilities)


def _skip(reason: str) -> None:
    if "pytest" in sys.modules:
        import pytest

        pytest.skip(reason)
