"""`ewoks cluster start`: a cluster others submit to by address; stops cleanly; a dead scheduler never hangs a run."""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterator, Tuple

import pytest
from _dask_support import T

from ewoks_core import execute_graph
from ewoks_core.errors import TaskFailedError
from ewoks_core.testing.builders import graph, link, node

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]


def test_add_cli_parses():
    from ewoks_dask.cluster import add_cli, cmd_cluster_start

    parser = argparse.ArgumentParser(prog="ewoks")
    add_cli(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["cluster", "start", "--workers", "3", "--port", "9000", "--no-dashboard"])
    assert (args.workers, args.port, args.no_dashboard, args.func) == (3, 9000, True, cmd_cluster_start)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(tmp_path: Path) -> Tuple[subprocess.Popen, str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.Popen([sys.executable, "-m", "ewoks_core.cli.main", "cluster", "start", "--workers", "1",
                             "--port", str(free_port()), "--no-dashboard"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    for line in proc.stdout:
        if line.startswith("dask scheduler at"):
            return proc, line.split()[3]
    raise AssertionError(f"cluster did not start (exit code {proc.wait()})")


@pytest.fixture
def cluster_process(tmp_path) -> Iterator[Tuple[subprocess.Popen, str]]:
    proc, address = start(tmp_path)
    try:
        yield proc, address
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


def test_cluster_start_submit_and_stop(cluster_process):
    proc, address = cluster_process
    doc = graph("remote", [node("a", T + "WhereAmI", {"value": 1}), node("b", "SumTask", {"b": 1})],
                [link("a", "b", {"value": "a"})])
    results = execute_graph(doc, engine="dask", scheduler=address, outputs=[{"all": True}], merge_outputs=False)
    assert results["b"] == {"result": 2} and results["a"]["pid"] != os.getpid()
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 0
    assert "dask cluster stopped" in proc.stdout.read()
    deadline = time.monotonic() + 30
    while group_alive(proc.pid) and time.monotonic() < deadline:  # its worker processes exit too
        time.sleep(0.2)
    assert not group_alive(proc.pid)


def test_scheduler_killed_mid_run_fails_fast(cluster_process):
    proc, address = cluster_process
    doc = graph("long", [node("s", "Sleep", {"seconds": 120})], [])
    threading.Timer(2.0, lambda: os.killpg(proc.pid, signal.SIGKILL)).start()
    t0 = time.monotonic()
    with pytest.raises(TaskFailedError, match="lost"):
        execute_graph(doc, engine="dask", scheduler=address)
    assert time.monotonic() - t0 < 60
