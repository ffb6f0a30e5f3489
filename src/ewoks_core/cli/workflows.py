"""`ewoks workflows`: list the workflows that installed packages ship (`ewoks.workflows` entry points)."""

from __future__ import annotations

import json

from . import output


def add_workflows(sub) -> None:
    """Register the `workflows` sub-command."""
    p = sub.add_parser("workflows", help="list the workflows shipped by installed packages (ewoks.workflows)")
    p.add_argument("--json", action="store_true", help="one JSON list of {name, distribution, path}")
    p.set_defaults(func=cmd_workflows)


def cmd_workflows(args) -> int:
    """Print one line per workflow: the name that `ewoks execute`/`show` accept, its package and file."""
    from ..graph.packaged import GROUP, discover_workflows

    found = discover_workflows()
    if args.json:
        print(json.dumps([{"name": w.name, "distribution": w.distribution, "path": str(w.path)} for w in found],
                         indent=2))
        return 0
    if not found:
        print(f"no installed package ships workflows (entry-point group {GROUP!r})")
        return 0
    print(output.table([[w.name, w.distribution, str(w.path)] for w in found], ["workflow", "package", "file"]))
    return 0
