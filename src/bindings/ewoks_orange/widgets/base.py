"""EwoksTaskWidget: the Orange widget (orange-widget-base `OWBaseWidget`) of an ewoks task.

A widget class is made from a Task class, either generated (`generate.widget_class`) or written by
hand::

    class OWMyTask(EwoksTaskWidget, task=MyTask):
        name = "My task"

        def ewoks_show_outputs(self, outputs):   # e.g. plot them
            ...

The `task=` keyword gives the class its signals (one input per task input, one output per task
output, named after them, typed where the task declares types, plus the channels of links without
names: `(all outputs)`, `(all inputs)`, `(trigger)`), its settings (the node's default inputs,
ewoks node attributes and link attributes, saved in the .ows as ewoksorange saves them) and its help
text (the task's docstring). Values do not travel through Orange's signal manager: the canvas runs
the workflow with ewoks_core's execution (`ewoks_orange.canvas.runner`) and hands each widget its
run's state, progress, outputs or error.
"""

from __future__ import annotations

import inspect
import json
from typing import Any, Dict, Optional

from AnyQt.QtWidgets import QLabel, QLineEdit, QPlainTextEdit, QPushButton
from orangewidget.settings import Setting
from orangewidget.utils.signals import Input, Output
from orangewidget.widget import Msg, OWBaseWidget, WidgetMetaClass

from ewoks_core.graph.ows import ALL_INPUTS, ALL_OUTPUTS, TRIGGER

from .form import UNSET, DefaultInputsForm, input_fields, positional_inputs, signal_type

INPUT_HANDLER = "_ewoks_input_received"
_NODE_IDENTITY = ("id", "label", "task_type", "task_identifier")


class EwoksWidgetMeta(WidgetMetaClass):
    """Orange's widget metaclass; `task=` fills the class's signals, name and help from the task."""

    def __new__(mcs, name: str, bases: tuple, namespace: dict, task: Any = None,
                task_type: str = "class", task_identifier: Optional[str] = None, **kwargs: Any) -> Any:
        if task is not None:
            _prepare_namespace(namespace, task, task_type, task_identifier or task.class_registry_name())
        return super().__new__(mcs, name, bases, namespace, **kwargs)

    @classmethod
    def __prepare__(mcs, name: str, bases: tuple, task: Optional[type] = None, task_type: str = "class",
                    task_identifier: Optional[str] = None, **kwargs: Any) -> Any:
        return super().__prepare__(name, bases, **kwargs)


def _prepare_namespace(namespace: dict, task: Any, task_type: str, identifier: str) -> None:
    doc = inspect.cleandoc(task.__dict__.get("__doc__") or "")
    namespace["ewokstaskclass"] = task  # the name ewoksorange reads: its .ows readers find our tasks too
    namespace["ewoks_task_type"] = task_type
    namespace["ewoks_task_identifier"] = identifier
    namespace.setdefault("name", identifier.rpartition(".")[2])
    namespace.setdefault("description", doc.splitlines()[0] if doc else f"ewoks task {identifier}")
    namespace.setdefault("ewoks_help", doc)
    namespace.setdefault("id", f"ewoks.{task_type}.{identifier}")
    namespace.setdefault("keywords", ["ewoks", *identifier.split(".")])
    namespace["Inputs"] = _signals_class("Inputs", _input_signals(task))
    namespace["Outputs"] = _signals_class("Outputs", _output_signals(task))


def _input_signals(task: Any) -> Dict[str, Any]:
    signals = {}
    for name, annotation, _, _ in input_fields(task):
        signals[name] = Input(name, signal_type(annotation), id=name, multiple=True, auto_summary=False)
    for index in range(positional_inputs(task)):
        signals[f"_{index}"] = Input(str(index), object, id=f"positional {index}", multiple=True, auto_summary=False)
    signals["_all_inputs"] = Input(ALL_INPUTS, dict, id=ALL_INPUTS, multiple=True, auto_summary=False)
    signals["_trigger"] = Input(TRIGGER, object, id=TRIGGER, multiple=True, auto_summary=False)
    for signal in signals.values():
        signal.handler = INPUT_HANDLER
    return signals


def _output_signals(task: Any) -> Dict[str, Any]:
    model = getattr(task, "_OUTPUT_MODEL", None)
    fields = getattr(model, "model_fields", {}) if model is not None else {}
    signals = {}
    for name in sorted(task.output_names()):
        annotation = fields[name].annotation if name in fields else None
        signals[name] = Output(name, signal_type(annotation), id=name, auto_summary=False)
    signals["_all_outputs"] = Output(ALL_OUTPUTS, dict, id=ALL_OUTPUTS, auto_summary=False)
    return signals


def _signals_class(name: str, signals: Dict[str, Any]) -> type:
    return type(name, (), {key if key.isidentifier() else f"_{i}": value
                           for i, (key, value) in enumerate(signals.items())})


class EwoksTaskWidget(OWBaseWidget, metaclass=EwoksWidgetMeta, openclass=True):
    """Base class of the widgets of ewoks tasks (see the module docstring)."""

    ewokstaskclass: Any = None
    ewoks_task_type = "class"
    ewoks_task_identifier = ""
    ewoks_help = ""
    want_main_area = False
    resizing_enabled = True
    icon = "icons/task.svg"

    # Saved in the .ows node properties (ewoks_core.graph.ows NODE_KEY, INPUTS_KEY, LINKS_KEY; the default
    # inputs under the name ewoksorange uses)
    _ewoks_default_inputs: Dict[Any, Any] = Setting({}, schema_only=True)
    _ewoks_node: Dict[str, Any] = Setting({}, schema_only=True)
    _ewoks_links: list = Setting([], schema_only=True)

    class Error(OWBaseWidget.Error):
        task_failed = Msg("{}")

    def __init__(self) -> None:
        super().__init__()
        self.ewoks_outputs: Optional[Dict[str, Any]] = None
        self.ewoks_error: Optional[str] = None
        box = self.controlArea
        if self.ewoks_help:
            help_label = QLabel(self.ewoks_help, objectName="ewoks-help", wordWrap=True)
            box.layout().addWidget(help_label)
        self.form = DefaultInputsForm(self.ewokstaskclass, self._ewoks_default_inputs, box)
        self.form.changed.connect(self._on_input_edited)
        box.layout().addWidget(self.form)
        self.node_attributes = QLineEdit(objectName="ewoks-node-attributes")
        self.node_attributes.setPlaceholderText('node attributes (JSON), e.g. {"force_start_node": true}')
        self.node_attributes.setToolTip("ewoks node attributes: force_start_node, conditions_else_value, "
                                        "default_error_node, varinfo...")
        self.node_attributes.setText(self._attributes_text())
        self.node_attributes.editingFinished.connect(self._on_attributes_edited)
        box.layout().addWidget(self.node_attributes)
        self.run_button = QPushButton("Run", objectName="ewoks-run",
                                      toolTip="Run this node and the nodes after it (the workflow's earlier "
                                              "results are reused)")
        self.run_button.clicked.connect(self.ewoks_request_run)
        box.layout().addWidget(self.run_button)
        self.output_view = QPlainTextEdit(objectName="ewoks-outputs", readOnly=True)
        self.output_view.setPlaceholderText("Outputs appear here after a run.")
        self.output_view.setMaximumHeight(160)
        box.layout().addWidget(self.output_view)

    # -- inputs ----------------------------------------------------------------------------------
    def _ewoks_input_received(self, value: Any, id: Any = None) -> None:
        """Orange's handler of every input: values come from the ewoks execution instead (see module doc)."""

    def set_default_input(self, name: Any, value: Any) -> None:
        """Set (or with UNSET clear) a default input of the node, as the form does."""
        values = dict(self._ewoks_default_inputs)
        if value is UNSET:
            values.pop(name, None)
        else:
            values[name] = value
        self._ewoks_default_inputs = values
        self.form.set_values(values)
        self._changed()

    def _on_input_edited(self, name: Any, value: Any) -> None:
        old = self._ewoks_default_inputs.get(name, UNSET)
        if (old is UNSET and value is UNSET) or (old is not UNSET and type(old) is type(value) and old == value):
            return  # editing finished without a change
        self.set_default_input(name, value)

    def _attributes_text(self) -> str:
        extra = {k: v for k, v in self._ewoks_node.items() if k not in _NODE_IDENTITY}
        return json.dumps(extra) if extra else ""

    def _on_attributes_edited(self) -> None:
        text = self.node_attributes.text().strip()
        try:
            extra = json.loads(text) if text else {}
            if not isinstance(extra, dict):
                raise ValueError("not a mapping")
        except ValueError as e:
            self.node_attributes.setStyleSheet("background: #ffc6c6")
            self.node_attributes.setToolTip(f"node attributes: {e}")
            return
        self.node_attributes.setStyleSheet("")
        self.set_node_attributes(extra)

    def set_node_attributes(self, attributes: Dict[str, Any]) -> None:
        """Set the ewoks attributes of the node besides its id and task (force_start_node, ...)."""
        kept = {k: v for k, v in self._ewoks_node.items() if k in _NODE_IDENTITY}
        if {**kept, **attributes} == self._ewoks_node:
            return
        self._ewoks_node = {**kept, **{k: v for k, v in attributes.items() if k not in _NODE_IDENTITY}}
        self.node_attributes.setText(self._attributes_text())
        self._changed()

    def _changed(self) -> None:
        runner = self._runner()
        if runner is not None:
            runner.node_changed(self)

    def ewoks_request_run(self) -> None:
        """Run this node and what depends on it (the "Run" button)."""
        runner = self._runner()
        if runner is not None:
            runner.node_changed(self, force=True)

    def _runner(self) -> Any:
        from ..canvas.runner import runner_for_widget

        return runner_for_widget(self)

    # -- the runner's reports (GUI thread) --------------------------------------------------------
    def ewoks_started(self) -> None:
        """A run of this node started (the node shows it running; its progress bar starts)."""
        if self.Error.task_failed.is_shown():
            self.Error.task_failed.clear()
        self.ewoks_error = None
        self.progressBarInit()

    def ewoks_progress(self, value: float) -> None:
        """The task reported progress (percent)."""
        if self.processingState == 0:
            self.progressBarInit()
        self.progressBarSet(value)

    def ewoks_finished(self, outputs: Optional[Dict[str, Any]], error: Optional[str]) -> None:
        """A run of this node ended with these outputs, or failed with this error."""
        if self.processingState:
            self.progressBarFinished()
        if error is not None:
            self.ewoks_error = error
            self.Error.task_failed(error)
            self.output_view.setPlainText(error)
            return
        if self.Error.task_failed.is_shown():
            self.Error.task_failed.clear()
        self.ewoks_outputs = dict(outputs or {})
        self.ewoks_show_outputs(self.ewoks_outputs)

    def ewoks_cancelled(self) -> None:
        """The run of this node was cancelled, or never started."""
        if self.processingState:
            self.progressBarFinished()

    def ewoks_show_outputs(self, outputs: Dict[str, Any]) -> None:
        """Show a run's outputs; hand-written widgets override this (plots...)."""
        self.output_view.setPlainText("\n".join(f"{name} = {summarize(value)}" for name, value in outputs.items()))

    # -- node attributes -------------------------------------------------------------------------
    @property
    def ewoks_node_id(self) -> Any:
        return self._ewoks_node.get("id")

    def ewoks_node_attributes(self) -> Dict[str, Any]:
        """The ewoks attributes of the node (id, task, force_start_node, ...), as saved in the .ows."""
        return dict(self._ewoks_node)



def summarize(value: Any, width: int = 100) -> str:
    """A one-line summary of an output value (arrays by shape and dtype)."""
    shape = getattr(value, "shape", None)
    if shape is not None and getattr(value, "dtype", None) is not None and len(shape) > 0:
        return f"array{tuple(shape)} {value.dtype}"
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."
