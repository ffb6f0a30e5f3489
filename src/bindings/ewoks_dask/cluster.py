"""A dask cluster on this machine that workflows can be submitted to: `ewoks cluster start`.

    ewoks cluster start --workers 4          # prints the scheduler address, runs until Ctrl-C
    ewoks execute wf.yaml --engine dask -o scheduler=tcp://127.0.0.1:8786

Equivalent with dask's own commands: `dask scheduler` and `dask worker tcp://HOST:8786`
(the workers need ewoks_core and the task libraries installed). To outgrow one
machine, create a `dask_jobqueue.SLURMCluster` and pass it (or its address) as scheduler.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from typing import Any, Callable, Optional

DEFAULT_PORT = 8786
DEFAULT_DASHBOARD_PORT = 8787


def start_cluster(n_workers: Optional[int] = None, threads_per_worker: Optional[int] = None,
                  scheduler_port: int = DEFAULT_PORT, dashboard: bool = True, *, host: Optional[str] = None,
                  dashboard_port: int = DEFAULT_DASHBOARD_PORT,
                  on_ready: Optional[Callable[[Any], None]] = None) -> None:
    """Run a LocalCluster (scheduler + worker processes) until Ctrl-C or SIGTERM; always closes it.

    n_workers/threads_per_worker default to dask's choice for this machine's CPUs; host None
    listens on localhost only (use "0.0.0.0" or an interface address to accept other machines).
    on_ready(cluster) is called once the cluster runs (the address is printed as well).
    """
    from distributed import LocalCluster

    from .workerenv import worker_environ

    stop = threading.Event()
    previous = _install_sigterm(stop)
    cluster = None
    try:
        http = {} if dashboard else {"scheduler_kwargs": {"dashboard_address": ":0"}}  # health/metrics only
        with worker_environ():
            cluster = LocalCluster(n_workers=n_workers, threads_per_worker=threads_per_worker, processes=True,
                                   scheduler_port=scheduler_port, host=host, silence_logs=logging.ERROR,
                                   dashboard_address=f":{dashboard_port}" if dashboard else None, **http)
        print(f"dask scheduler at {cluster.scheduler_address} with {len(cluster.workers)} worker(s)", flush=True)
        if dashboard:
            print(f"dashboard: {cluster.dashboard_link}", flush=True)
        print(f"submit with: ewoks execute WORKFLOW --engine dask -o scheduler={cluster.scheduler_address}\n"
              "stop with Ctrl-C", flush=True)
        if on_ready is not None:
            on_ready(cluster)
        while not stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        if cluster is not None:
            cluster.close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        print("dask cluster stopped", flush=True)


def _install_sigterm(stop: threading.Event) -> Any:
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, lambda *_: stop.set())


def add_cli(subparsers: Any) -> argparse.ArgumentParser:
    """Add `cluster start` to the `ewoks` command line (an argparse sub-parsers object)."""
    parser = subparsers.add_parser("cluster", help="run a dask cluster that workflows can be submitted to")
    sub = parser.add_subparsers(dest="cluster_command", metavar="ACTION")
    sub.required = True
    start = sub.add_parser("start", help="start a scheduler and worker processes here (until Ctrl-C)")
    start.add_argument("--workers", "-w", type=int, default=None, help="worker processes (default: dask's choice)")
    start.add_argument("--threads-per-worker", type=int, default=None, help="threads per worker process")
    start.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"scheduler port (default {DEFAULT_PORT})")
    start.add_argument("--host", default=None, help="interface to listen on (default: localhost only)")
    start.add_argument("--dashboard-port", type=int, default=DEFAULT_DASHBOARD_PORT, help="dashboard port")
    start.add_argument("--no-dashboard", action="store_true", help="do not serve the dask dashboard")
    start.set_defaults(func=cmd_cluster_start)
    return parser


def cmd_cluster_start(args: argparse.Namespace) -> int:
    """`ewoks cluster start`: blocks until interrupted."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        print("error: `ewoks cluster` needs dask.distributed: pip install 'ewoks_core[dask]'", file=sys.stderr)
        return 2
    start_cluster(args.workers, args.threads_per_worker, args.port, not args.no_dashboard, host=args.host,
                  dashboard_port=args.dashboard_port)
    return 0
