"""`ewoks canvas [FILE ...]`: Orange's canvas application with the ewoks main window and configuration."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

from orangecanvas.main import Main

from .mainwindow import EwoksCanvasMainWindow

EXAMPLES = Path(__file__).resolve().parents[4] / "workflows"  # the repository's workflows/ (source checkouts)


class EwoksCanvasMain(Main):
    """orangecanvas' application runner with our configuration and main window."""

    DefaultConfig = "ewoks_orange.canvas.config.Config"

    def create_main_window(self) -> EwoksCanvasMainWindow:
        return EwoksCanvasMainWindow()


def example_files() -> List[str]:
    """The workflow files of workflows/ (when this is a source checkout)."""
    return sorted(str(p) for p in EXAMPLES.glob("*") if p.suffix in (".json", ".yaml", ".yml", ".ows"))


def run_canvas(files: List[str], with_examples: bool = False, events: Optional[dict] = None,
               extra_args: Optional[List[str]] = None) -> int:
    """Start the canvas (blocks until its last window closes); returns the exit code."""
    if events:
        EwoksCanvasMainWindow.event_handlers = [events]
    paths = [str(Path(f).resolve()) for f in files]
    if with_examples:
        paths += example_files()
    argv = [sys.argv[0] or "ewoks", "--no-splash", "--no-welcome", *(extra_args or []), *paths]
    return EwoksCanvasMain().run(argv)
