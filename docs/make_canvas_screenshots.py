"""Make the screenshots of docs/engines/orange.md: the real canvas, offscreen, driven as a user would.

    python docs/make_canvas_screenshots.py [OUTPUT_DIR]     (default: docs/images)

Needs the [orange] and [xas] extras. Runs in a temporary folder (the workflows write their outputs
there); writes canvas_workflow.png, canvas_run.png, widget_form.png, canvas_error.png and
widget_chir.png.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(output: Path) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from AnyQt.QtCore import QStandardPaths
    from AnyQt.QtWidgets import QApplication
    from ewoks_orange.canvas.config import Config
    from ewoks_orange.canvas.mainwindow import EwoksCanvasMainWindow
    from orangecanvas import config
    from orangecanvas.registry import WidgetRegistry, set_global_registry
    from orangewidget.workflow.discovery import WidgetDiscovery

    app = QApplication.instance() or QApplication([])
    QStandardPaths.setTestModeEnabled(True)  # no settings written to the user's folders
    config.set_default(Config())
    config.init()
    registry = WidgetRegistry()
    WidgetDiscovery(registry).run(Config.widgets_entry_points())
    set_global_registry(registry)
    output.mkdir(parents=True, exist_ok=True)

    def new_window() -> EwoksCanvasMainWindow:
        window = EwoksCanvasMainWindow()
        window.set_widget_registry(registry)
        window.resize(1200, 720)
        window.show()
        return window

    def save(widget, name: str) -> None:
        for _ in range(5):
            app.processEvents()
        widget.grab().save(str(output / name))
        print("wrote", output / name)

    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as work:
        os.chdir(work)
        try:
            window = new_window()  # the XRPD workflow as it opens: laid out left to right, toolbox on the left
            window.load_scheme(str(ROOT / "workflows" / "xrpd_powder.json"))
            save(window, "canvas_workflow.png")

            window = new_window()  # the demo workflow after "Run workflow"
            window.load_scheme(str(ROOT / "workflows" / "demo.yaml"))
            window.run_workflow()
            window.runner().wait(60)
            save(window, "canvas_run.png")
            scheme = window.current_document().scheme()
            form = scheme.widget_for_node(scheme.nodes[0])  # the form of a generated widget, after the run
            form.show()
            form.resize(420, 520)
            save(form, "widget_form.png")
            form.hide()

            count = next(n for n in scheme.nodes if n.title == "count")  # an error shows on its node
            scheme.widget_for_node(count).set_default_input("step", "five")
            window.runner().wait(60)
            save(window, "canvas_error.png")

            window = new_window()  # a hand-written widget: |chi(R)| of the EXAFS workflow
            window.load_scheme(str(ROOT / "workflows" / "exafs.json"))
            window.run_workflow()
            window.runner().wait(300)
            scheme = window.current_document().scheme()
            ft = scheme.widget_for_node(next(n for n in scheme.nodes if n.title.startswith("Fourier")))
            ft.show()
            ft.resize(900, 560)
            save(ft, "widget_chir.png")
        finally:
            os.chdir(cwd)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "images")
