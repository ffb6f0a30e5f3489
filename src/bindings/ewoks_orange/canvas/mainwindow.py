"""The canvas main window: Orange's (orange-widget-base) with ewoks files, "Run workflow", "Stop", live mode.

Files: `.ows` opens and saves as in Orange; ewoks `.json`/`.yaml`/`.yml` open directly (laid out left
to right when their nodes have no positions) and save back to the same format ("Save as" offers
all of them), through ewoks_core's reader and writer.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import IO, Any, List, Optional

from AnyQt.QtCore import Qt
from AnyQt.QtGui import QIcon, QKeySequence
from AnyQt.QtWidgets import QAction, QFileDialog, QInputDialog, QMessageBox
from orangewidget.workflow.mainwindow import OWCanvasMainWindow

from ewoks_core.errors import EwoksError
from ewoks_core.graph.io import FORMATS

from ..discovery import add_link_channels, ensure_widgets
from .document import document_stream, link_channels, scheme_document, widget_names
from .runner import runner_for_scheme

ICONS = Path(__file__).parent / "icons"
FILE_FILTERS = ["Orange workflow (*.ows)", "ewoks workflow JSON (*.json)", "ewoks workflow YAML (*.yaml *.yml)"]


class EwoksCanvasMainWindow(OWCanvasMainWindow):
    """Orange's canvas window with the ewoks actions (menu "Ewoks", canvas tool bar)."""

    #: execinfo handlers of every run (e.g. `ewoks canvas --events runs.db`)
    event_handlers: List[dict] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.run_action = QAction("Run workflow", self, objectName="ewoks-run-workflow", shortcut=QKeySequence("F5"),
                                  toolTip="Run every node of the workflow (F5)")
        self.run_action.setIcon(QIcon(str(ICONS / "run.svg")))
        self.run_action.triggered.connect(self.run_workflow)
        self.stop_action = QAction("Stop", self, objectName="ewoks-stop", enabled=False,
                                   shortcut=QKeySequence("Shift+F5"), toolTip="Cancel the running workflow")
        self.stop_action.setIcon(QIcon(str(ICONS / "stop.svg")))
        self.stop_action.triggered.connect(self.stop_workflow)
        self.live_action = QAction("Live updates", self, objectName="ewoks-live", checkable=True, checked=True,
                                   toolTip="Re-run a node and what depends on it when its inputs change")
        self.live_action.toggled.connect(self._set_live)
        self.link_action = QAction("Edit link attributes...", self, objectName="ewoks-edit-link",
                                   toolTip="Conditions, on_error, required... of the selected link (JSON)")
        self.link_action.triggered.connect(self.edit_link_attributes)
        menu = self.menuBar().addMenu("E&woks")
        menu.setObjectName("ewoks-menu")
        for action in (self.run_action, self.stop_action, self.live_action, self.link_action):
            menu.addAction(action)
        self.canvas_toolbar.addAction(self.run_action)
        self.canvas_toolbar.addAction(self.stop_action)
        self._connect_runner()

    # -- runs -----------------------------------------------------------------------------------
    def runner(self) -> Any:
        """The runner of the current workflow."""
        return runner_for_scheme(self.current_document().scheme())

    def run_workflow(self) -> None:
        """Run every node of the current workflow."""
        self.runner().run_workflow()

    def stop_workflow(self) -> None:
        self.runner().cancel()

    def _set_live(self, live: bool) -> None:
        self.runner().live = live

    def set_scheme(self, new_scheme: Any, freeze_creation: bool = False) -> None:
        super().set_scheme(new_scheme, freeze_creation)
        self._connect_runner()

    def _connect_runner(self) -> None:
        scheme = self.current_document().scheme()
        if scheme is None or not hasattr(self, "live_action"):  # set_scheme runs in Orange's __init__ first
            return
        runner = runner_for_scheme(scheme)
        runner.handlers = list(self.event_handlers)
        runner.live = self.live_action.isChecked()
        if not getattr(runner, "_window_connected", False):
            runner.run_started.connect(self._on_run_started)
            runner.run_finished.connect(self._on_run_finished)
            runner._window_connected = True

    def _on_run_started(self) -> None:
        self.stop_action.setEnabled(True)
        self.statusBar().showMessage("Running...")

    def _on_run_finished(self, error: Optional[BaseException]) -> None:
        self.stop_action.setEnabled(False)
        runner = self.runner()
        if error is None:
            self.statusBar().showMessage(f"Finished in {runner.duration:.2f} s (job {runner.job_id})")
        else:
            self.statusBar().showMessage(f"Failed: {error}")

    # -- files ------------------------------------------------------------------------------------
    def _open_workflow_dialog(self) -> QFileDialog:
        dialog = super()._open_workflow_dialog()
        dialog.setNameFilters(["Workflows (*.ows *.json *.yaml *.yml)", *FILE_FILTERS])
        return dialog

    def check_requires(self, fileobj: IO) -> bool:
        name = getattr(fileobj, "name", "")
        if isinstance(name, str) and Path(name).suffix.lower() in (".json", ".yaml", ".yml"):
            return True  # ewoks files name tasks, not add-ons: missing tasks are reported when they run
        return super().check_requires(fileobj)

    def new_scheme_from_contents_and_path(self, fileobj: IO, path: str) -> Any:
        try:
            if Path(path).suffix.lower() in (".json", ".yaml", ".yml"):
                from ewoks_core.graph import load_graph

                stream = document_stream(load_graph(path).to_dict())
            else:
                stream = document_stream_of(fileobj)
        except EwoksError as e:
            QMessageBox.critical(self, "Cannot open the workflow", str(e))
            return None
        self.ensure_task_widgets(widget_names(stream))
        for registry in self._registries():
            add_link_channels(registry, link_channels(stream))
        return super().new_scheme_from_contents_and_path(stream, path)

    def _registries(self) -> List[Any]:
        toolbox_registry = self.current_document().registry()  # the copy behind the toolbox and the scene
        return [self.widget_registry] + ([toolbox_registry] if toolbox_registry is not None and
                                         toolbox_registry is not self.widget_registry else [])

    def ensure_task_widgets(self, qualified_names: List[str]) -> List[str]:
        """Register the widgets of tasks no library lists (category "Other tasks") in this window's
        registries; returns the names that are no task widgets."""
        unknown = [ensure_widgets(registry, qualified_names) for registry in self._registries()]
        return unknown[0]

    def save_scheme_to(self, scheme: Any, filename: str) -> bool:
        fmt = FORMATS.get(Path(filename).suffix.lower())
        if fmt == "ows":
            return super().save_scheme_to(scheme, filename)
        try:
            if fmt is None:
                raise EwoksError(f"cannot save {os.path.basename(filename)!r}: unknown extension",
                                 hint="Use .ows, .json, .yaml or .yml.")
            from ewoks_core.graph.io import dump_document

            doc, _ = scheme_document(scheme, filename)
            dump_document(doc, Path(filename))
        except Exception as e:  # the file is written atomically: nothing is lost
            QMessageBox.critical(self, "Cannot save the workflow", f"{type(e).__name__}: {e}")
            return False
        return True

    def save_scheme_as(self) -> int:
        document = self.current_document()
        scheme = document.scheme()
        start = document.path() or os.path.join(os.getcwd(), (scheme.title or "untitled") + ".ows")
        dialog = QFileDialog(self, windowTitle="Save workflow", directory=start, fileMode=QFileDialog.AnyFile,
                             acceptMode=QFileDialog.AcceptSave, objectName="save-as-ows-filedialog")
        dialog.setNameFilters(FILE_FILTERS)
        dialog.setWindowModality(Qt.WindowModal)
        if not dialog.exec():
            return QFileDialog.Rejected
        filename = dialog.selectedFiles()[0]
        if not Path(filename).suffix:
            filename += {0: ".ows", 1: ".json", 2: ".yaml"}[FILE_FILTERS.index(dialog.selectedNameFilter())]
        if self.save_scheme_to(scheme, filename):
            document.setPath(filename)
            document.setModified(False)
            self.add_recent_scheme(scheme.title, filename)
            return QFileDialog.Accepted
        return QFileDialog.Rejected

    # -- links ------------------------------------------------------------------------------------
    def edit_link_attributes(self) -> None:
        """Edit the ewoks attributes of the selected link (kept by its target node's widget)."""
        links = [item for item in self.current_document().scene().selectedItems() if hasattr(item, "sourceItem")]
        scene = self.current_document().scene()
        if len(links) != 1:
            QMessageBox.information(self, "Edit link attributes", "Select one link first.")
            return
        link = scene.link_for_item(links[0])
        scheme = self.current_document().scheme()
        source_id, widget = link_endpoints(scheme, link)
        current = next((dict(a) for a in widget._ewoks_links if a.get("source") == source_id), {})
        current.pop("source", None)
        text, ok = QInputDialog.getMultiLineText(
            self, "Edit link attributes", f"Link {source_id} -> {widget.ewoks_node_id} (JSON: conditions, on_error, "
            "required, ...):", json.dumps(current, indent=1))
        if ok:
            try:
                set_link_attributes(scheme, link, json.loads(text or "{}"))
            except (ValueError, TypeError) as e:
                QMessageBox.critical(self, "Edit link attributes", f"Not a JSON mapping: {e}")


def link_endpoints(scheme: Any, link: Any) -> tuple:
    """(ewoks id of the source node, target widget) of an Orange link (ids are given when missing)."""
    from .document import assign_node_ids

    assign_node_ids(scheme)
    return scheme.widget_for_node(link.source_node).ewoks_node_id, scheme.widget_for_node(link.sink_node)


def set_link_attributes(scheme: Any, link: Any, attributes: dict) -> None:
    """Set the ewoks attributes (conditions, on_error, required...) of the link between two nodes."""
    if not isinstance(attributes, dict):
        raise TypeError(f"expected a mapping, got {type(attributes).__name__}")
    source_id, widget = link_endpoints(scheme, link)
    others = [a for a in widget._ewoks_links if a.get("source") != source_id]
    widget._ewoks_links = others + ([{"source": source_id, **attributes}] if attributes else [])
    runner_for_scheme(scheme).node_changed(link.sink_node)


def document_stream_of(fileobj: IO) -> Any:
    """An .ows file as a rewindable stream."""
    import io

    return io.BytesIO(fileobj.read())
