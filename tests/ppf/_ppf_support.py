"""Helpers of the ppf engine tests (fixtures are in conftest.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List

import psutil

POOLS = ["thread", "process"]


# helpers multiprocessing starts once per interpreter (spawn/forkserver), not pool workers
def _helper_processes() -> set:
    """multiprocessing's forkserver and resource tracker, and the event writer process: one per process,
    long-lived on purpose (excluded by pid: the forkserver's workers have the same command line and must be
    counted)."""
    from multiprocessing import forkserver, resource_tracker

    from ewoks_core.events.sinks import offload

    pids = {getattr(forkserver._forkserver, "_forkserver_pid", None),
            getattr(resource_tracker._resource_tracker, "_pid", None), offload.writer_pid()}
    return {p for p in pids if p}


def live_children() -> List[int]:
    """PIDs of this process's descendants that are still running (zombies and multiprocessing's
    per-interpreter helper processes excluded)."""
    helpers = _helper_processes()
    pids = []
    for child in psutil.Process().children(recursive=True):
        try:
            if child.status() == psutil.STATUS_ZOMBIE or child.pid in helpers:
                continue
            pids.append(child.pid)
        except psutil.NoSuchProcess:
            pass
    return pids


def jsonl_handler(path: Path) -> Dict:
    return {"handlers": [{"class": "jsonl", "arguments": [{"name": "path", "value": str(path)}]}]}


def read_events(path: Path) -> List[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def assert_complete(events: List[dict]) -> None:
    """Every node start has its end; job/workflow start and end events bracket them."""
    kinds = [(e["context"], e["type"]) for e in events if e["context"] != "node"]
    assert kinds == [("job", "start"), ("workflow", "start"), ("workflow", "end"), ("job", "end")], kinds
    starts: Dict[str, int] = {}
    for e in events:
        if e["context"] == "node" and e["type"] in ("start", "end"):
            starts[e["node_id"]] = starts.get(e["node_id"], 0) + (1 if e["type"] == "start" else -1)
    assert all(v == 0 for v in starts.values()), f"node events without their end: {starts}"


def pids_of(events: List[dict]) -> set:
    return {e["process_id"] for e in events if e["context"] == "node"}



# -- method tasks used by the tests (importable in forked workers: this folder is on sys.path) --
def thread_name() -> str:
    """Name of the thread that runs the task."""
    import threading

    return threading.current_thread().name


def unpicklable(**kwargs):
    """An output that cannot be sent back from a worker process."""
    return lambda: None
