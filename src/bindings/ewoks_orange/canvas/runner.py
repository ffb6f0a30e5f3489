"""Workflow runs of a canvas: one CanvasRunner per Orange scheme, runs in a worker thread.

"Run workflow" runs every node; a changed input (a widget's form, its "Run" button, a link added or
removed) re-runs that node and the nodes after it, reusing the other nodes' last outcomes (live
mode, on by default). A change during a run cancels it and starts again. Runs go through ewoks_core's
job lifecycle (`prepare_job`/`run_job`: validation, JobState, run_node, events to the configured
sinks), so `ewoks events` shows canvas runs; the widgets follow them from the same event stream.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Dict, List, Optional

from AnyQt.QtCore import QEventLoop, QObject, QTimer, Signal

from ewoks_core.engines.lifecycle import prepare_job, run_job
from ewoks_core.errors import EwoksError, node_label
from ewoks_core.events.sinks.base import EventSink
from ewoks_core.graph import compile_graph, load_graph

from .document import scheme_document
from .engine import CanvasEngine, Outcomes, ReplayJob, reusable_outcomes

logger = logging.getLogger(__name__)
_ATTRIBUTE = "_ewoks_canvas_runner"


def runner_for_scheme(scheme: Any) -> "CanvasRunner":
    """The runner of a scheme (made on first use: Orange3's canvas gets one through our widgets too)."""
    runner = getattr(scheme, _ATTRIBUTE, None)
    if runner is None:
        runner = CanvasRunner(scheme)
        setattr(scheme, _ATTRIBUTE, runner)
    return runner


def runner_for_widget(widget: Any) -> Optional["CanvasRunner"]:
    """The runner of the scheme a widget belongs to (None for a widget outside a canvas)."""
    manager = getattr(widget, "signalManager", None)
    scheme = manager.workflow() if manager is not None and hasattr(manager, "workflow") else None
    return runner_for_scheme(scheme) if scheme is not None else None


class _Bridge(QObject):
    """Carries what happens in the worker thread to the GUI thread (queued Qt signals)."""

    event = Signal(object)
    outcome = Signal(object, object, bool)
    done = Signal(object, object)


class _WidgetEvents(EventSink):
    """The event sink of the canvas: node events go to the widgets (through the bridge)."""

    def __init__(self, bridge: _Bridge) -> None:
        self.bridge = bridge

    def emit(self, event: Any) -> None:
        if event.context == "node" and event.type in ("start", "progress"):
            self.bridge.event.emit(event)


class CanvasRunner(QObject):
    """Runs the workflow of one scheme (see the module docstring)."""

    run_started = Signal()
    run_finished = Signal(object)  # the error, or None

    def __init__(self, scheme: Any) -> None:
        super().__init__(scheme)
        self.scheme = scheme
        self.live = True
        self.handlers: List[dict] = []  # execinfo handlers: where events go besides the widgets
        self.results: Optional[Dict[Any, Any]] = None
        self.error: Optional[BaseException] = None
        self.job_id: Optional[str] = None
        self.duration: Optional[float] = None
        self._outcomes: Outcomes = {}
        self._changed: set = set()
        self._run_all = False
        self._thread: Optional[threading.Thread] = None
        self._cancel: Optional[threading.Event] = None
        self._nodes: Dict[str, Any] = {}  # node label -> SchemeNode of the current run
        self._started_at = 0.0
        self._bridge = _Bridge()
        self._bridge.event.connect(self._on_event)
        self._bridge.outcome.connect(self._on_outcome)
        self._bridge.done.connect(self._on_done)
        self._timer = QTimer(self, singleShot=True, interval=0)
        self._timer.timeout.connect(self._start)
        for name in ("link_added", "link_removed"):
            getattr(scheme, name).connect(self._on_link_changed)

    # -- requests ---------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._thread is not None

    def run_workflow(self) -> None:
        """Run every node (the "Run workflow" action)."""
        self._run_all = True
        self._request()

    def node_changed(self, widget_or_node: Any, force: bool = False) -> None:
        """A node's inputs changed: re-run it and what depends on it (now when live or forced)."""
        from orangecanvas.scheme import SchemeNode

        node = widget_or_node
        if not isinstance(node, SchemeNode):
            node = self.scheme.node_for_widget(widget_or_node) if hasattr(self.scheme, "node_for_widget") else None
        if node is None:
            return
        self._changed.add(node)
        if self.live or force:
            self._request()

    def cancel(self) -> None:
        """Cancel the running job (its tasks see `self.cancelled`; nothing new starts)."""
        if self._cancel is not None:
            self._cancel.set()

    def wait(self, timeout: float = 60.0) -> bool:
        """Process Qt events until no run is running or pending (for scripts and tests)."""
        end = time.monotonic() + timeout
        loop = QEventLoop()
        self.run_finished.connect(loop.quit)
        try:
            while (self.running or self._timer.isActive()) and time.monotonic() < end:
                QTimer.singleShot(max(1, int((end - time.monotonic()) * 1000)), loop.quit)
                loop.exec()  # Qt's event loop until the run ends (no polling: the worker keeps the CPU)
        finally:
            self.run_finished.disconnect(loop.quit)
        return not (self.running or self._timer.isActive())

    def _request(self) -> None:
        if self.running:
            self.cancel()  # restarted when it ends (_on_done)
        else:
            self._timer.start()

    def _on_link_changed(self, link: Any) -> None:
        self.node_changed(link.sink_node)

    # -- a run ------------------------------------------------------------------------------------
    def _start(self) -> None:
        if self.running or not self.scheme.nodes:
            return
        try:
            doc, nodes = scheme_document(self.scheme, self.scheme.title or "<canvas>")
        except Exception as e:  # a value the .ows format cannot hold, ...
            self._report_error(EwoksError(f"the workflow cannot be read from the canvas: {type(e).__name__}: {e}"))
            return
        ids = [n["id"] for n in doc["nodes"]]
        self._nodes = {node_label(node_id): node for node_id, node in zip(ids, nodes, strict=True)}
        changed = set(ids) if self._run_all else {node_id for node_id, node in zip(ids, nodes, strict=True)
                                                   if node in self._changed}
        links = [(lk["source"], lk["target"]) for lk in doc["links"]]
        replay = reusable_outcomes(self._outcomes, ids, links, changed)
        self._changed.clear()
        self._run_all = False
        self.error = self.results = None
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._job, args=(doc, replay, self._cancel), name="ewoks-canvas-run",
                                        daemon=True)
        self._started_at = time.monotonic()
        self.run_started.emit()
        self._thread.start()

    def _job(self, doc: dict, replay: Outcomes, cancel: threading.Event) -> None:
        """In the worker thread: check, run, hand the results (or the error) to the GUI thread."""
        results: Any = None
        error: Optional[BaseException] = None
        job = None
        try:
            engine = CanvasEngine()
            compiled = compile_graph(load_graph(doc))
            handlers = list(self.handlers) + [_WidgetEvents(self._bridge)]
            prepared, options, selection = prepare_job(engine, compiled, execinfo={"handlers": handlers},
                                                       cancel_event=cancel)
            self.job_id = prepared.ctx.job_id
            job = ReplayJob(prepared, replay, lambda node_id, outcome, replayed:
                            self._bridge.outcome.emit(node_id, outcome, replayed))
            results = run_job(engine, job, options, selection)
        except BaseException as e:  # reported in the canvas, never raised into Qt
            error = e
        self._bridge.done.emit((results, dict(job.outcomes) if job is not None else {}), error)

    # -- GUI thread -----------------------------------------------------------------------------
    def _widget(self, node_id: Any) -> Any:
        node = self._nodes.get(node_label(node_id))
        if node is None or not hasattr(self.scheme, "widget_for_node"):
            return None
        widget = self.scheme.widget_for_node(node)
        return widget if hasattr(widget, "ewoks_finished") else None

    def _on_event(self, event: Any) -> None:
        widget = self._widget(event.node_id)
        if widget is None:
            return
        if event.type == "start":
            widget.ewoks_started()
        elif event.progress is not None:
            widget.ewoks_progress(event.progress)

    def _on_outcome(self, node_id: Any, outcome: Any, replayed: bool) -> None:
        widget = self._widget(node_id)
        if widget is None:
            return
        if outcome.failed:
            widget.ewoks_finished(None, f"{type(outcome.error).__name__}: {outcome.error}")
        else:
            widget.ewoks_finished(outcome.outputs, None)

    def _on_done(self, payload: Any, error: Optional[BaseException]) -> None:
        results, outcomes = payload
        if self._thread is not None:
            self._thread.join()
        self._thread = None
        self.duration = time.monotonic() - self._started_at
        for node in self._nodes.values():  # nodes left running by a cancel
            widget = self.scheme.widget_for_node(node) if hasattr(self.scheme, "widget_for_node") else None
            if widget is not None and getattr(widget, "processingState", False):
                widget.ewoks_cancelled()
        self._outcomes = outcomes
        self.results, self.error = results, error
        if error is not None:
            self._report_error(error)
        self.run_finished.emit(error)
        if self._changed or self._run_all:
            self._timer.start()  # changes made during the run

    def _report_error(self, error: BaseException) -> None:
        """An error before or outside a task (a task's own error is on its node already)."""
        self.error = error
        node_id = getattr(error, "node_id", None)
        widget = self._widget(node_id) if node_id is not None else None
        if widget is not None and not getattr(widget, "ewoks_error", None):
            widget.ewoks_finished(None, str(error))
        logger.info("canvas run: %s", error)
