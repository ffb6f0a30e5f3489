"""`ewoks install WORKFLOW`: install the packages a workflow needs (its `requirements`), asking first."""

from __future__ import annotations

import sys


def add_install(sub) -> None:
    """Register the `install` sub-command."""
    p = sub.add_parser("install", help="install a workflow's requirements with pip (asks first)")
    p.add_argument("workflow", help="workflow file, or the name of a workflow shipped by a package")
    p.add_argument("--yes", "-y", action="store_true", help="install without asking")
    p.add_argument("--python", "-p", default=None, metavar="PATH",
                   help="interpreter of the environment to install into (default: this one)")
    p.add_argument("--root-dir", default=None, help="folder to resolve sub-graph files from")
    p.set_defaults(func=cmd_install)


def cmd_install(args) -> int:
    """Install, or say why not: exit 1 when the answer is no, 2 on bad input or when pip fails."""
    from ..install import InstallAborted, install_graph

    try:
        installed = install_graph(args.workflow, skip_prompt=args.yes, python_path=args.python,
                                  load_options={"root_dir": args.root_dir})
    except InstallAborted as e:
        print(f"aborted: {e}", file=sys.stderr)
        return 1
    print(f"installed the requirements of {args.workflow}: {' '.join(installed)}", file=sys.stderr)
    return 0
