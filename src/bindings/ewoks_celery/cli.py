"""`ewoks worker | submit | cancel | jobs`: the Celery sub-commands of the `ewoks` CLI.

Hook contract (called by ewoks_core.cli.commands.add_plugins):
    add_commands(subparsers) -> None
`subparsers` is the object returned by ArgumentParser.add_subparsers(). Each added
sub-parser sets `func` (func(args) -> int exit code: 0 success, 1 the workflow
failed, 2 user error) via set_defaults. Handlers raise EwoksError (and subclasses,
TaskFailedError for failed workflows) for the CLI's error printing; a `--verbose`
flag of a sub-command is stored as `verbose_cmd`. Nothing is imported from Celery
until a command runs, so adding the commands costs ~nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from datetime import datetime
from typing import Any, Optional

from ewoks_core.cli import params

from .config import add_config_arguments, config_from_args


def add_commands(subparsers: Any) -> None:
    """Add the worker, submit, cancel and jobs sub-commands (see the module docstring)."""
    from .worker import add_worker_arguments

    p = subparsers.add_parser("worker", help="run a Celery worker that executes submitted workflows")
    add_worker_arguments(p)
    add_config_arguments(p)
    p.set_defaults(func=cmd_worker)

    p = subparsers.add_parser("submit", help="submit a workflow to Celery workers; prints the job id")
    params.add_workflow_arguments(p, "engine the worker runs the workflow with (default: sequential)")
    p.add_argument("--queue", "-Q", default=None, help="queue (default: the configuration's, 'ewoks')")
    p.add_argument("--load-on", choices=["client", "worker"], default="client",
                   help="where the workflow file and its sub-graphs are read (default: here)")
    p.add_argument("--wait", action="store_true", help="follow the job live and print its results")
    p.add_argument("--timeout", type=float, default=None, help="with --wait: give up after this many seconds")
    p.add_argument("--json", action="store_true", help="with --wait: results as one JSON line")
    p.add_argument("--verbose", "-v", dest="verbose_cmd", action="store_true", help="show full tracebacks")
    add_config_arguments(p)
    p.set_defaults(func=cmd_submit)

    p = subparsers.add_parser("cancel", help="cancel a submitted job")
    p.add_argument("job_id", nargs="+", help="job id(s)")
    add_config_arguments(p)
    p.set_defaults(func=cmd_cancel)

    p = subparsers.add_parser("jobs", help="list recent jobs and their states")
    p.add_argument("--limit", "-n", type=int, default=20, help="number of jobs (default 20)")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    add_config_arguments(p)
    p.set_defaults(func=cmd_jobs)


def cmd_worker(args: argparse.Namespace) -> int:
    _require_celery()
    from .worker import run_worker

    run_worker(config_from_args(args), args.queue, args.concurrency, args.pool, args.loglevel, args.hostname,
               args.allow, args.allow_paths, args.allow_schedulers)
    return 0


def cmd_submit(args: argparse.Namespace) -> int:
    _require_celery()

    from ewoks_core.request import ExecuteRequest

    from .client import client_for

    client = client_for(config_from_args(args))
    request = ExecuteRequest.parse(engine=args.engine, inputs=params.workflow_inputs(args.parameter, args.pn, args.pa),
                                   engine_options=params.engine_options(args.option))
    future = client.submit(args.workflow, request, queue=args.queue, load_on=args.load_on)
    print(future.job_id, flush=True)
    if not args.wait:
        return 0
    stop = threading.Event()
    follower = threading.Thread(target=_show_progress, args=(future, sys.stderr, stop), daemon=True)
    follower.start()
    try:
        results = future.result(timeout=args.timeout)
    except TimeoutError as e:
        stop.set()  # the job goes on: the command is done showing it
        print(f"error: {e}; it goes on: follow it with `ewoks events ... --job {future.job_id} --follow`, "
              f"stop it with `ewoks cancel {future.job_id}`", file=sys.stderr)
        return 1
    finally:
        follower.join(timeout=2.0)  # let the last events be shown
        stop.set()
    from ewoks_core.cli import output

    output.print_results(results, args.json)
    return 0


def _show_progress(future: Any, stream: Any, stop: threading.Event) -> None:
    """Live view of the job's events: a redrawn status line on a terminal, else one line per node event
    (until the job ends or `stop` is set)."""
    tty = stream.isatty()
    progress = None
    try:
        for event in future.follow():
            if stop.is_set():
                break
            if tty:
                if progress is None:
                    from ewoks_core.cli.progress import ConsoleProgress

                    progress = ConsoleProgress(0, stream)
                progress.emit(event)
            elif event.context == "node" and event.type in ("start", "end"):
                status = "" if event.type == "start" else (" FAILED: " + (event.error_message or "")
                                                           if event.error else " done")
                stream.write(f"{event.time[11:23]} node {event.node_id} {event.type}{status}\n")
                stream.flush()
            elif event.context == "job" and event.type == "end":
                stream.write(f"job {future.job_id} {'failed' if event.error else 'finished'}\n")
                stream.flush()
    except Exception as e:  # progress is a convenience: never fail the command for it
        if not stop.is_set():
            stream.write(f"(no live events: {e})\n")
    finally:
        if progress is not None:
            progress.close()


def cmd_cancel(args: argparse.Namespace) -> int:
    _require_celery()
    from .client import client_for

    client = client_for(config_from_args(args))
    for job_id in args.job_id:
        print(f"{job_id} {'cancelled' if client.cancel(job_id) else 'already finished'}")
    return 0


def _time(value: Optional[float]) -> str:
    return "" if value is None else datetime.fromtimestamp(value).strftime("%Y-%m-%d %H:%M:%S")


def cmd_jobs(args: argparse.Namespace) -> int:
    _require_celery()
    from ewoks_core.cli import output

    from .client import client_for

    rows = client_for(config_from_args(args)).jobs(args.limit)
    if args.json:
        for row in rows:
            print(json.dumps(row))
        return 0
    table = [[r["job_id"], r["state"], r["workflow_id"], r["queue"], _time(r["submitted"]),
              "" if r["duration"] is None else f"{r['duration']:.1f}s", r["worker"], r["message"][:60]]
             for r in rows]
    print(output.table(table, ["JOB", "STATE", "WORKFLOW", "QUEUE", "SUBMITTED", "DURATION", "WORKER", "MESSAGE"]))
    return 0


def _require_celery() -> None:
    """The commands exist without the celery extra (the CLI lists them); using one needs it."""
    try:
        import kombu  # noqa: F401

        import celery  # noqa: F401
    except ImportError as e:
        from ewoks_core.errors import EwoksError

        raise EwoksError(f"remote execution needs Celery, which is not installed ({e.name or e})",
                         hint="pip install 'ewoks_core[celery]'") from None
