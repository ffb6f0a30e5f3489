"""The `ewoks` command line (argparse: no dependency and ~no start-up cost, which matters for macros
that call the CLI after every scan). User errors print one line and exit 2; --verbose shows tracebacks."""

from __future__ import annotations

import argparse
import os
import sys
import traceback
import warnings
from typing import List, Optional

from ..errors import EventsLostError, EwoksError, JobFailedError, MaxIterationsError, TaskFailedError, WorkflowCancelled
from . import commands, install, workflows

EXIT_USER_ERROR = 2
EXIT_WORKFLOW_FAILED = 1


def build_parser(command: Optional[str] = None) -> argparse.ArgumentParser:
    """The argument parser for `command`: the core sub-commands only when `command` is one of them, else
    (None: `ewoks --help`, or a plug-in's command) the commands of every installed plug-in too: reading
    the entry points and importing the plug-ins' CLI modules is most of a core command's start-up."""
    parser = argparse.ArgumentParser(prog="ewoks", description="Run and manage ewoks workflows.")
    parser.add_argument("--verbose", "-v", action="store_true", help="show full tracebacks")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    commands.add_execute(sub)
    commands.add_convert(sub)
    commands.add_show(sub)
    commands.add_tasks(sub)
    commands.add_events(sub)
    commands.add_schema(sub)
    commands.add_engines(sub)
    commands.add_demo_data(sub)
    install.add_install(sub)
    workflows.add_workflows(sub)
    if command not in sub.choices:
        commands.add_plugins(sub)
    for command_parser in sub.choices.values():  # `ewoks COMMAND ... -v` works for every command
        if not any(action.dest == "verbose_cmd" for action in command_parser._actions):
            command_parser.add_argument("--verbose", "-v", dest="verbose_cmd", action="store_true",
                                        help="show full tracebacks")
    return parser


def command_named(argv: List[str]) -> Optional[str]:
    """The sub-command named on the command line; None when an option comes first that is not
    --verbose (--help: the listing needs every command)."""
    for arg in argv:
        if not arg.startswith("-"):
            return arg
        if arg != "-v" and not (len(arg) > 2 and "--verbose".startswith(arg)):
            return None
    return None


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point of the `ewoks` console script."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(command_named(argv))
    args = parser.parse_args(argv)
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # task modules next to the workflow, as with `python -m`
    verbose = args.verbose or getattr(args, "verbose_cmd", False)
    try:
        with warnings.catch_warnings():
            warnings.showwarning = lambda message, category, *rest: print(f"warning: {message}", file=sys.stderr)
            return int(args.func(args) or 0)
    except EventsLostError as e:  # the run's event record is incomplete; its results were printed when it completed
        if verbose:
            traceback.print_exc()
        print(f"error: {e}", file=sys.stderr)
        return EXIT_WORKFLOW_FAILED
    except (TaskFailedError, MaxIterationsError, WorkflowCancelled, JobFailedError) as e:
        if verbose:
            traceback.print_exc()
        print(f"error: workflow failed: {e}", file=sys.stderr)
        return EXIT_WORKFLOW_FAILED
    except EwoksError as e:
        if verbose:
            traceback.print_exc()
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `ewoks events ... | head`: the reader left, not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
