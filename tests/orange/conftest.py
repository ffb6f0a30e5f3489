"""The orange engine and canvas need orange-canvas-core, orange-widget-base and Qt: skip (saying why) on a
developer machine without them, fail in CI, where `.[all]` installs them. Canvas tests run real Qt widgets
offscreen (QT_QPA_PLATFORM=offscreen) with Qt's test mode (settings and caches out of the user's folders)."""

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).parent))  # the test tasks and helpers


def pytest_collection_modifyitems(config, items):
    try:
        import orangecanvas.scheme  # noqa: F401  (loads Qt's libraries too)
        import orangewidget.widget  # noqa: F401
    except ImportError as e:
        reason = f"orange-canvas-core, orange-widget-base or Qt cannot be imported: {e}"
        if os.environ.get("CI"):
            raise pytest.UsageError(f"{reason} (required in CI: pip install '.[orange]')") from e
        for item in items:
            if "tests/orange" in str(item.fspath).replace(os.sep, "/"):
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def canvas_registry(qapp):
    """The widget registry of the canvas, found through the `orange.widgets` entry points (as Orange does)."""
    from AnyQt.QtCore import QStandardPaths
    from orangecanvas import config
    from orangecanvas.registry import WidgetRegistry, set_global_registry
    from orangewidget.workflow.discovery import WidgetDiscovery

    from ewoks_orange.canvas.config import Config

    QStandardPaths.setTestModeEnabled(True)
    config.set_default(Config())
    config.init()
    registry = WidgetRegistry()
    WidgetDiscovery(registry).run(Config.widgets_entry_points())
    set_global_registry(registry)
    return registry


@pytest.fixture
def window(canvas_registry, qtbot, monkeypatch):
    """A canvas main window (real widgets, offscreen); runs are cancelled and the window closed after.
    Message boxes are recorded in `window.messages` instead of waiting for a click."""
    from AnyQt.QtWidgets import QMessageBox
    from orangecanvas.application import canvasmain

    from ewoks_orange.canvas.mainwindow import EwoksCanvasMainWindow

    messages = []

    def record(*args, **kwargs):
        messages.append(" | ".join(str(a) for a in args[1:] if isinstance(a, str)) + " " + " ".join(
            str(v) for v in kwargs.values() if isinstance(v, str)))
        return QMessageBox.StandardButton.Ok

    for name in ("message_warning", "message_critical", "message_information"):
        monkeypatch.setattr(canvasmain, name, record)
    monkeypatch.setattr(QMessageBox, "critical", record)
    monkeypatch.setattr(QMessageBox, "information", record)
    win = EwoksCanvasMainWindow()
    win.messages = messages
    win.set_widget_registry(canvas_registry)
    win.resize(1200, 800)
    win.show()
    yield win
    runner = win.runner()
    runner.cancel()
    runner.wait(30)
    document = win.current_document()
    document.setModified(False)
    win.close()
