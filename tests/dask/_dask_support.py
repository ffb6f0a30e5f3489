"""Helpers of the dask binding tests: event files, graphs, process checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

T = "ewoks_dask_test_tasks."


def make_cluster(**config: Any) -> Any:
    """A LocalCluster of 2 worker processes x 1 thread (dask config items applied while it starts)."""
    import logging

    from distributed import LocalCluster

    import dask

    with dask.config.set(config):
        return LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                            scheduler_kwargs={"dashboard_address": ":0"}, silence_logs=logging.ERROR)


def jsonl_execinfo(path: Path) -> dict:
    return {"handlers": [{"class": "jsonl", "arguments": [{"name": "path", "value": str(path)}]}]}


def read_events(path: Path) -> List[Dict[str, Any]]:
    """Every event of a JSON lines file, in file order."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def node_marks(events: List[dict]) -> Dict[str, List[str]]:
    """Per node: 'start' / 'end' / 'end!' (end with error), in file order."""
    marks: Dict[str, List[str]] = {}
    for e in events:
        if e["context"] == "node" and e["type"] != "progress":
            marks.setdefault(e["node_id"], []).append(e["type"] + ("!" if e["type"] == "end" and e["error"] else ""))
    return marks


def children_pids() -> set:
    """Process ids of the live children (any depth) of this process."""
    import os

    pids, todo = set(), [os.getpid()]
    while todo:
        pid = todo.pop()
        try:
            text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        except OSError:
            continue
        for child in map(int, text.split()):
            if child not in pids:
                pids.add(child)
                todo.append(child)
    return pids
