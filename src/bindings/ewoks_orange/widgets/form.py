"""The form of a task widget: one editor per input of the task, typed from its declaration.

A field left empty is not set (the input keeps its default, or comes from a link). Typed fields
(bool, int, float, str, paths, Literal/Enum choices) parse their text into that type; a field
without a declared type holds JSON (`3`, `[1, 2]`, `{"a": 1}`, `true`), and text that is not JSON
is taken as a string.
"""

from __future__ import annotations

import enum
import json
import typing
from pathlib import PurePath
from typing import Any, Callable, Dict, List, Optional, Tuple

from AnyQt.QtCore import Signal
from AnyQt.QtWidgets import QCheckBox, QComboBox, QFormLayout, QLabel, QLineEdit, QWidget

from ewoks_core.task import MISSING

UNSET = MISSING


def input_fields(task_class: Any) -> List[Tuple[str, Optional[type], bool, Any]]:
    """(name, type or None, required, default) of every input of a task, required ones first (a function
    of a method task: its parameters, typed by their annotations)."""
    function = getattr(task_class, "_FUNCTION", None)
    if function is not None:
        return _parameters(function) + [(name, None, False, UNSET) for name in sorted(task_class.input_names())]
    model = getattr(task_class, "_INPUT_MODEL", None)
    fields = getattr(model, "model_fields", {}) if model is not None else {}
    rows = []
    for required, names in ((True, task_class.required_input_names()), (False, task_class.optional_input_names())):
        for name in sorted(names):
            field = fields.get(name)
            annotation = field.annotation if field is not None else None
            default = UNSET
            if field is not None and not field.is_required() and field.default is not None:
                default = field.default
            rows.append((name, annotation, required, default))
    return rows


def input_description(task_class: Any, name: str) -> str:
    """The description of an input, from the task's input model (`Field(description=...)`), or ''."""
    fields = getattr(getattr(task_class, "_INPUT_MODEL", None), "model_fields", {})
    field = fields.get(name)
    return (field.description or "") if field is not None else ""


def _parameters(function: Any) -> List[Tuple[str, Optional[type], bool, Any]]:
    import inspect

    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return []
    rows = []
    for p in parameters:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        annotation = None if p.annotation is p.empty or isinstance(p.annotation, str) else p.annotation
        required = p.default is p.empty
        rows.append((p.name, annotation, required, UNSET if required else p.default))
    return sorted(rows, key=lambda row: not row[2])


def positional_inputs(task_class: Any) -> int:
    """How many positional inputs (ewoks int input names) a task's function takes (0 for classes)."""
    import inspect

    function = getattr(task_class, "_FUNCTION", None)
    if function is None:
        return 0
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return 0
    return sum(1 for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))


def plain_type(annotation: Any) -> Any:
    """The annotation without Optional[...] (None when there is none)."""
    if annotation is None:
        return None
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) is typing.Union and len(args) == 1:
        return args[0]
    return annotation


def signal_type(annotation: Any) -> type:
    """The Orange signal type of an input/output: its class when it is one, else object."""
    kind = plain_type(annotation)
    return kind if isinstance(kind, type) and typing.get_origin(kind) is None else object


def _choices(kind: Any) -> Optional[List[Any]]:
    if typing.get_origin(kind) is typing.Literal:
        return list(typing.get_args(kind))
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return [member.value for member in kind]
    return None


def parse_text(text: str, kind: Any) -> Any:
    """The value of a field's text for a declared type (UNSET for empty text); ValueError when invalid."""
    if not text.strip():
        return UNSET
    if kind in (int, float):
        return kind(text.strip())
    if kind is str or (isinstance(kind, type) and issubclass(kind, PurePath)):
        return text
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        if kind is None:
            return text  # no declared type: text that is not JSON is a string
        raise ValueError(f"not JSON: {text!r}") from None


def format_value(value: Any, kind: Any) -> str:
    """The text showing a value in a field of that type."""
    if value is UNSET:
        return ""
    if kind in (int, float) or (kind is str and isinstance(value, str)):
        return str(value)
    if isinstance(value, PurePath):
        return str(value)
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


class DefaultInputsForm(QWidget):
    """Editors for the default inputs of a node; `changed(name, value)` (value UNSET when cleared)."""

    changed = Signal(object, object)

    def __init__(self, task_class: Any, values: Dict[Any, Any], parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setObjectName("ewoks-default-inputs")
        self._layout = QFormLayout(self)
        self._layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.editors: Dict[str, QWidget] = {}
        self._setters: Dict[str, Callable[[Any], None]] = {}
        for name, annotation, required, default in input_fields(task_class):
            kind = plain_type(annotation)
            editor, setter = self._editor(name, kind, default)
            editor.setObjectName(f"input-{name}")
            label = QLabel(f"<b>{name}</b>*" if required else name)
            description = input_description(task_class, name)
            label.setToolTip(("required" if required else "optional") + (f": {description}" if description else ""))
            self._layout.addRow(label, editor)
            self.editors[name] = editor
            self._setters[name] = setter
        if not self.editors:
            self._layout.addRow(QLabel("This task has no inputs."))
        self.set_values(values)

    def set_values(self, values: Dict[Any, Any]) -> None:
        """Show these values (names not in `values` show as unset)."""
        for name, setter in self._setters.items():
            setter(values.get(name, UNSET))

    def _editor(self, name: str, kind: Any, default: Any) -> Tuple[QWidget, Callable[[Any], None]]:
        choices = _choices(kind)
        if kind is bool:
            box = QCheckBox()
            box.setTristate(True)  # partially checked: not set
            box.setToolTip("partially checked: not set")

            def set_bool(value: Any) -> None:
                box.blockSignals(True)
                box.setCheckState(_check_state(value))
                box.blockSignals(False)

            box.stateChanged.connect(lambda _: self.changed.emit(name, _bool_of(box)))
            return box, set_bool
        if choices is not None:
            combo = QComboBox()
            combo.addItem("", UNSET)
            for choice in choices:
                combo.addItem(str(choice), choice)

            def set_choice(value: Any) -> None:
                combo.blockSignals(True)
                index = next((i for i in range(combo.count()) if combo.itemData(i) == value), 0)
                combo.setCurrentIndex(index)
                combo.blockSignals(False)

            combo.currentIndexChanged.connect(lambda i: self.changed.emit(name, combo.itemData(i)))
            return combo, set_choice
        edit = QLineEdit()
        type_name = getattr(kind, "__name__", None) if kind is not None else "JSON"
        placeholder = format_value(default, kind) if default is not UNSET else f"not set ({type_name or kind})"
        edit.setPlaceholderText(placeholder)
        edit.setToolTip(f"{name}: {type_name or kind}; empty: not set")

        def set_text(value: Any) -> None:
            edit.setText(format_value(value, kind))
            edit.setStyleSheet("")

        def commit() -> None:
            try:
                value = parse_text(edit.text(), kind)
            except (ValueError, TypeError) as e:
                edit.setStyleSheet("background: #ffc6c6")
                edit.setToolTip(f"{name}: {e}")
                return
            edit.setStyleSheet("")
            self.changed.emit(name, value)

        edit.editingFinished.connect(commit)
        return edit, set_text


def _check_state(value: Any) -> Any:
    from AnyQt.QtCore import Qt

    if value is UNSET:
        return Qt.CheckState.PartiallyChecked
    return Qt.CheckState.Checked if value else Qt.CheckState.Unchecked


def _bool_of(box: QCheckBox) -> Any:
    from AnyQt.QtCore import Qt

    state = box.checkState()
    if state == Qt.CheckState.PartiallyChecked:
        return UNSET
    return state == Qt.CheckState.Checked
