"""Start a real Celery worker for a configuration (`ewoks worker`, `python -m ewoks_celery.worker`).

Production deployments may instead run `celery -A ewoks_celery.celery_app worker -Q ewoks`
(configuration from $EWOKS_CELERY_CONFIG).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import socket
import sys
from typing import List, Optional, Sequence

from .config import CeleryConfig, add_config_arguments, config_from_args, mask_password

POOLS = ("prefork", "solo", "threads")


def worker_argv(config: CeleryConfig, queues: Sequence[str], concurrency: Optional[int], pool: str,
                loglevel: str, hostname: Optional[str]) -> List[str]:
    """Arguments of Celery's worker command."""
    argv = ["worker", f"--queues={','.join(queues or [config.queue])}", f"--pool={pool}", f"--loglevel={loglevel}",
            f"--hostname={hostname or f'ewoks-{os.getpid()}@{socket.gethostname()}'}",
            "--without-gossip", "--without-mingle", "--without-heartbeat"]
    if concurrency:
        argv.append(f"--concurrency={int(concurrency)}")
    return argv


def run_worker(config: CeleryConfig, queues: Sequence[str] = (), concurrency: Optional[int] = None,
               pool: str = "prefork", loglevel: str = "INFO", hostname: Optional[str] = None,
               allow: Sequence[str] = (), allow_paths: Sequence[str] = (),
               allow_schedulers: Sequence[str] = ()) -> None:
    """Run a worker in this process until it is stopped (SIGTERM: warm shutdown)."""
    from .app import get_app

    config = dataclasses.replace(config, allowed_tasks=tuple(config.allowed_tasks) + tuple(allow),
                                 allowed_paths=tuple(config.allowed_paths) + tuple(allow_paths),
                                 allowed_schedulers=tuple(config.allowed_schedulers) + tuple(allow_schedulers))
    app = get_app(config)
    policy = config.policy
    print(mask_password(f"ewoks worker: broker {app.conf.broker_url}, results {config.results_url}, "
                        f"events {config.events_source}, queues {','.join(queues or [config.queue])}, allowed tasks "
                        f"{', '.join(config.allowed_tasks)}, jobs may write to {', '.join(policy.write_roots or ())}"
                        f"{', use schedulers ' + ', '.join(policy.schedulers) if policy.schedulers else ''} "
                        f"({config.source})"), file=sys.stderr, flush=True)
    app.worker_main(worker_argv(config, queues, concurrency, pool, loglevel, hostname))


def add_worker_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `ewoks worker` (also used by `python -m ewoks_celery.worker`)."""
    parser.add_argument("--queue", "-Q", action="append", default=[], help="queue to consume (repeatable)")
    parser.add_argument("--concurrency", "-c", type=int, default=None, help="processes (default: CPU count)")
    parser.add_argument("--pool", "-P", choices=POOLS, default="prefork", help="Celery pool (default prefork)")
    parser.add_argument("--allow", action="append", default=[], metavar="MODULE",
                        help="also allow tasks of this module or package (repeatable; '*' allows all)")
    parser.add_argument("--allow-path", action="append", default=[], metavar="DIR", dest="allow_paths",
                        help="let jobs write results, event files and task outputs in this folder (repeatable)")
    parser.add_argument("--allow-scheduler", action="append", default=[], metavar="ADDRESS", dest="allow_schedulers",
                        help="let jobs use this dask scheduler, e.g. tcp://host:8786 (repeatable)")
    parser.add_argument("--loglevel", "-l", default="INFO", help="log level (default INFO)")
    parser.add_argument("--hostname", "-n", default=None, help="worker node name")


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ewoks_celery.worker", description="Run an ewoks Celery worker.")
    add_worker_arguments(parser)
    add_config_arguments(parser)
    args = parser.parse_args(argv)
    run_worker(config_from_args(args), args.queue, args.concurrency, args.pool, args.loglevel, args.hostname,
               args.allow, args.allow_paths, args.allow_schedulers)
    return 0


if __name__ == "__main__":
    sys.exit(main())

