"""`ewoks canvas`: the sub-command this binding adds to the `ewoks` CLI (entry-point group `ewoks.cli`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def add_cli(sub: Any) -> None:
    """Register `ewoks canvas [FILE ...] [--with-examples] [--events FILE]`."""
    p = sub.add_parser("canvas", help="open the Orange canvas with the ewoks task widgets",
                       description="Open the Orange canvas: build, edit and run workflows. FILE may be .ows, "
                                   ".json or .yaml (ewoks workflows open directly).")
    p.add_argument("files", nargs="*", metavar="FILE", help="workflow file(s) to open")
    p.add_argument("--with-examples", action="store_true", help="also open the example workflows (workflows/)")
    p.add_argument("--events", default=None, metavar="FILE",
                   help="write the events of runs to FILE (.db/.sqlite, .jsonl) or a redis:// URL")
    p.set_defaults(func=cmd_canvas)


def cmd_canvas(args: Any) -> int:
    from ewoks_core.cli.commands import events_handler
    from ewoks_core.errors import EwoksError
    from ewoks_core.graph.io import file_format

    for name in args.files:
        path = Path(name)
        file_format(path)  # an unknown extension is refused by name before the window opens
        if not path.is_file():
            raise EwoksError("file not found", source=name, hint="Check the path.")
    handler = events_handler(args.events) if args.events else None
    try:
        from .canvas.app import run_canvas
    except ImportError as e:
        raise EwoksError(f"the canvas cannot start: {e}", field="canvas",
                         hint="Install it with pip install 'ewoks_core[orange]'.") from None

    return run_canvas(args.files, with_examples=args.with_examples, events=handler)
