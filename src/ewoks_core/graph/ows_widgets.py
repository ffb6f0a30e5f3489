"""The task behind an Orange widget named in an .ows file that ewoksorange (or an add-on built on it) wrote.

As in ewoksorange, the widget class gives the task (`ewokstaskclass`) and the ewoks names of its
channels (a signal's `ewoksname`, else its attribute name in the widget's `Inputs`/`Outputs`). The
class must be importable; when it is not, the error names it and the package that provides it.
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass, field
from typing import Any, Dict

from ..errors import GraphFormatError


@dataclass
class WidgetTask:
    """The task of a widget class and the ewoks names of its Orange channel names."""

    task_identifier: str
    inputs: Dict[str, str] = field(default_factory=dict)
    outputs: Dict[str, str] = field(default_factory=dict)

    def input_name(self, orange_name: str) -> str:
        return self.inputs.get(orange_name, orange_name)

    def output_name(self, orange_name: str) -> str:
        return self.outputs.get(orange_name, orange_name)


def widget_task(qualified_name: str, project_name: str, orange_id: Any, title: str, source: str) -> WidgetTask:
    """Import the widget class `qualified_name` and read its task and channel names."""
    where = f"node {orange_id!r} ({title!r})" if title else f"node {orange_id!r}"
    module_name, _, class_name = qualified_name.rpartition(".")
    install = f"pip install {project_name}" if project_name else "install the Orange add-on that provides it"
    try:
        widget = getattr(importlib.import_module(module_name), class_name)
    except Exception as e:  # not installed, or its module fails to import: both need the user's action
        reason = f"{type(e).__name__}: {e}"
        raise GraphFormatError(f"{where}: the widget class {qualified_name!r} cannot be imported ({reason})",
                               source=source, field="qualified_name",
                               hint=f"Install the package that provides it ({install}).") from None
    task_class = getattr(widget, "ewokstaskclass", None)
    if task_class is None:
        raise GraphFormatError(f"{where}: {qualified_name!r} is a native Orange widget, not the widget of an "
                               "ewoks task: it only runs inside Orange", source=source, field="qualified_name",
                               hint="Replace it by a task widget, or run the workflow in Orange.")
    registry_name = getattr(task_class, "class_registry_name", None)
    identifier = registry_name() if callable(registry_name) else f"{task_class.__module__}.{task_class.__qualname__}"
    return WidgetTask(identifier, _names(getattr(widget, "Inputs", None)), _names(getattr(widget, "Outputs", None)))


def _names(container: Any) -> Dict[str, str]:
    """Orange channel name -> ewoks name, for the signals declared in an Inputs/Outputs class."""
    if container is None:
        return {}
    names: Dict[str, str] = {}
    classes = inspect.getmro(container) if inspect.isclass(container) else (type(container),)
    for cls in reversed(classes):
        for attribute, signal in vars(cls).items():
            orange_name = getattr(signal, "name", None)
            if attribute.startswith("_") or not isinstance(orange_name, str):
                continue
            names[orange_name] = getattr(signal, "ewoksname", "") or attribute
    return names
