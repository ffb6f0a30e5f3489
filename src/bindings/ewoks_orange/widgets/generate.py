"""The widget class of a task: the hand-written one registered for it, else one generated from the task.

Hand-written widgets are found through the entry-point group `ewoks.widgets` (see `custom_widgets`).
Every widget class is reachable under one importable name per task, which .ows files record:
`ewoks_orange.task_widgets.<task identifier>` (method tasks: `method_widgets`, ppfmethod tasks:
`ppfmethod_widgets`), made by `ewoks_core.graph.ows.widget_qualified_name`.
"""

from __future__ import annotations

import functools
import logging
import threading
from typing import Dict, Tuple

from ewoks_core.graph.ows import WIDGET_PACKAGES
from ewoks_core.task.discovery import resolve_task_class

from .base import EwoksTaskWidget, EwoksWidgetMeta

logger = logging.getLogger(__name__)
WIDGETS_GROUP = "ewoks.widgets"
_LOCK = threading.Lock()
_GENERATED: Dict[Tuple[str, str], type] = {}


def widget_class(task_type: str, task_identifier: str) -> type:
    """The widget class of a task (EwoksError when the task cannot be imported)."""
    key = (task_type, task_identifier)
    with _LOCK:
        cls = _GENERATED.get(key)
        if cls is None:
            cls = custom_widgets().get(key) or _generate(task_type, task_identifier)
            _GENERATED[key] = cls
        return cls


def _generate(task_type: str, task_identifier: str) -> type:
    task = resolve_task_class(task_type, task_identifier)
    module, _, name = task_identifier.rpartition(".")
    package = WIDGET_PACKAGES[task_type]
    namespace = {"__module__": f"{package}.{module}" if module else package, "__qualname__": name}
    cls = EwoksWidgetMeta(name, (EwoksTaskWidget,), namespace, task=task, task_type=task_type,
                          task_identifier=task_identifier)
    return cls


@functools.lru_cache(maxsize=None)
def custom_widgets() -> Dict[Tuple[str, str], type]:
    """Hand-written widgets by (task_type, task_identifier), from the `ewoks.widgets` entry points.

    An entry point names a widget class (`module:Class`) made with `EwoksTaskWidget(..., task=TaskClass)`;
    one that cannot be loaded is skipped with a warning (the task then gets a generated widget)."""
    from importlib.metadata import entry_points

    found: Dict[Tuple[str, str], type] = {}
    for entry in entry_points(group=WIDGETS_GROUP):
        try:
            cls = entry.load()
        except Exception as e:  # a broken add-on must not take the canvas down
            logger.warning("widget %s (%s) cannot be loaded: %s: %s", entry.name, entry.value, type(e).__name__, e)
            continue
        if not (isinstance(cls, type) and issubclass(cls, EwoksTaskWidget) and cls.ewokstaskclass is not None):
            logger.warning("widget %s (%s) is not an EwoksTaskWidget made with task=...", entry.name, entry.value)
            continue
        found[(cls.ewoks_task_type, cls.ewoks_task_identifier)] = cls
    return found
