"""The Orange canvas: start-up of `ewoks canvas`, and the XRPD workflow run in the canvas vs `ewoks execute`.

    python benchmarks/bench_canvas.py [--repeat 3]

Start-up: wall time from starting `ewoks canvas workflows/xrpd_powder.json` (a new process: imports,
discovery of every task library's widgets, main window, the file opened and painted) until its window
is ready, against the bare Orange canvas (orange-canvas-core's application, no widgets) started the
same way. Target < 5 s.

Run: the XRPD workflow (workflows/xrpd_powder.json, 6-frame demo scan) run with "Run workflow" in a
canvas window (widgets updated, pattern plotted) against execute_graph on the same file, in this
process, best of --repeat after a warm-up. Target canvas <= 1.1x. Qt runs offscreen. No assertions.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_core import best

ROOT = Path(__file__).resolve().parents[1]
XRPD = ROOT / "workflows" / "xrpd_powder.json"

# Quit as soon as the window is up and its files are open: start-up only.
EWOKS_CANVAS = """
import sys
import time
from AnyQt.QtCore import QTimer
from AnyQt.QtWidgets import QApplication
from ewoks_orange.canvas.app import EwoksCanvasMain
from ewoks_core.cli.main import main
original = EwoksCanvasMain.open_files
def ready_then_quit():  # the event loop ran once: the window is painted (stdout is redirected by Orange)
    print("READY", time.time(), file=sys.__stdout__, flush=True)
    QApplication.quit()
def open_then_quit(self, paths):
    original(self, paths)
    QTimer.singleShot(0, ready_then_quit)
EwoksCanvasMain.open_files = open_then_quit
sys.exit(main(["canvas", sys.argv[1]]))
"""
BARE_CANVAS = """
import sys
import time
from AnyQt.QtCore import QTimer
from AnyQt.QtWidgets import QApplication
from orangecanvas.main import Main
original = Main.show_welcome_screen
def ready_then_quit():
    print("READY", time.time(), file=sys.__stdout__, flush=True)
    QApplication.quit()
def shown_then_quit(self, parent):
    QTimer.singleShot(0, ready_then_quit)
Main.show_welcome_screen = shown_then_quit
sys.exit(Main().run(["orange-canvas", "--no-splash", "--no-welcome"]))
"""


def startup(code: str, *args: str) -> float:
    """Seconds from starting a Python process running `code` (a script file: Qt reads sys.argv[0]) to its
    window being shown with its files open (the line READY <time> it prints; quitting is not counted)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed packages: byte-code compiled once, not at every start
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "start.py"
        script.write_text(code)
        t0 = time.time()
        out = subprocess.run([sys.executable, str(script), *args], env=env, check=True, capture_output=True,
                             text=True, timeout=120)
        ready = next(float(line.split()[1]) for line in out.stdout.splitlines() if line.startswith("READY"))
        return ready - t0


def canvas_window():
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from AnyQt.QtCore import QStandardPaths
    from AnyQt.QtWidgets import QApplication
    from orangecanvas import config
    from orangecanvas.registry import WidgetRegistry, set_global_registry
    from orangewidget.workflow.discovery import WidgetDiscovery

    from ewoks_orange.canvas.config import Config
    from ewoks_orange.canvas.mainwindow import EwoksCanvasMainWindow

    app = QApplication.instance() or QApplication([])
    QStandardPaths.setTestModeEnabled(True)
    config.set_default(Config())
    config.init()
    registry = WidgetRegistry()
    WidgetDiscovery(registry).run(Config.widgets_entry_points())
    set_global_registry(registry)
    window = EwoksCanvasMainWindow()
    window.set_widget_registry(registry)
    window.show()
    window.live_action.setChecked(False)
    window.load_scheme(str(XRPD))
    return app, window


def canvas_run(window) -> None:
    window.run_workflow()
    runner = window.runner()
    if not runner.wait(600) or runner.error is not None:
        raise RuntimeError(f"canvas run failed: {runner.error}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"python {platform.python_version()}, best of {args.repeat}")
    startup(BARE_CANVAS), startup(EWOKS_CANVAS, str(XRPD))  # warm-up: byte-code, Orange's caches
    bare = min(startup(BARE_CANVAS) for _ in range(args.repeat))
    ours = min(startup(EWOKS_CANVAS, str(XRPD)) for _ in range(args.repeat))
    print(f"{'start-up':34s} | {'bare Orange canvas':>18s} | {'ewoks canvas':>12s} | {'target':>8s}")
    print("-" * 82)
    print(f"{'window shown, XRPD workflow open':34s} | {bare:17.2f}s | {ours:11.2f}s | {'< 5 s':>8s}")

    from ewoks_core import execute_graph

    with tempfile.TemporaryDirectory() as work:
        cwd = os.getcwd()
        os.chdir(work)
        try:
            execute_graph(str(XRPD))  # warm-up: writes the demo scan, imports pyFAI
            app, window = canvas_window()
            canvas_run(window)  # warm-up of the canvas: widgets made, plot drawn once
            execute = best(lambda: execute_graph(str(XRPD)), args.repeat)
            canvas = best(lambda: canvas_run(window), args.repeat)
            window.current_document().setModified(False)
            window.close()
        finally:
            os.chdir(cwd)
    print()
    print(f"{'XRPD workflow (6 frames)':34s} | {'ewoks execute':>13s} | {'canvas run':>10s} | "
          f"{'canvas/execute':>14s} | {'target':>7s}")
    print("-" * 94)
    print(f"{'xrpd_powder.json':34s} | {execute:12.3f}s | {canvas:9.3f}s | {canvas / execute:13.2f}x | {'<= 1.1x':>7s}")


if __name__ == "__main__":
    main()
