"""Widgets of the installed task libraries for Orange canvases (entry-point group `orange.widgets`).

Each task library is one toolbox category. pyproject.toml registers the libraries of this
repository (`ewoks_xrpd`, `ewoks_xas`, and the testing tasks as "Examples"); another library adds its
own category with one function and one entry point::

    # mylib/orange.py
    from ewoks_orange.discovery import library_widgets

    def widget_discovery(discovery):
        library_widgets(discovery, "My library", "mylib.tasks")

    # pyproject.toml
    [project.entry-points."orange.widgets"]
    "My library" = "mylib.orange:widget_discovery"

Orange's canvas (ours and Orange3's) calls these functions with its widget discovery object.
"""

from __future__ import annotations

import logging
from typing import Any, Iterable, List

from ewoks_core.graph.ows import PROJECT_NAME, task_of_widget, widget_qualified_name

logger = logging.getLogger(__name__)

EXAMPLES = "Examples"


def library_widgets(discovery: Any, category: str, package: str, description: str = "",
                    background: str = "#ffe4b2", priority: int = 100) -> None:
    """Register one toolbox category with the widgets of every Task class of `package` (and its modules)."""
    from orangecanvas.registry import CategoryDescription

    from ewoks_core.task.discovery import discover_tasks

    discovery.handle_category(CategoryDescription(name=category, description=description or f"ewoks tasks of {package}",
                                                  background=background, priority=priority,
                                                  project_name=PROJECT_NAME, package=package))
    for task in discover_tasks(package):
        try:
            discovery.handle_widget(widget_description("class", task["task_identifier"], category))
        except Exception as e:  # one broken task must not hide the others
            logger.warning("no widget for %s: %s: %s", task["task_identifier"], type(e).__name__, e)


def xrpd_widgets(discovery: Any) -> None:
    """The `ewoks_xrpd` category: pyFAI powder diffraction tasks."""
    library_widgets(discovery, "ewoks_xrpd", "ewoks_xrpd.tasks", "X-ray powder diffraction (pyFAI)",
                    background="#c6def1", priority=10)


def xas_widgets(discovery: Any) -> None:
    """The `ewoks_xas` category: xraylarch spectroscopy tasks."""
    library_widgets(discovery, "ewoks_xas", "ewoks_xas.tasks", "X-ray absorption spectroscopy (xraylarch)",
                    background="#d6f0c6", priority=11)


def example_widgets(discovery: Any) -> None:
    """The "Examples" category: the small tasks of ewoks_core.testing."""
    library_widgets(discovery, EXAMPLES, "ewoks_core.testing.tasks", "Small example tasks (sum, loop, sleep...)",
                    background="#e8e8e8", priority=90)


def widget_description(task_type: str, task_identifier: str, category: str = EXAMPLES) -> Any:
    """The Orange WidgetDescription of a task's widget, under its .ows name (see ewoks_core.graph.ows)."""
    from orangecanvas.registry import WidgetDescription

    from .widgets import widget_class

    cls: Any = widget_class(task_type, task_identifier)
    properties = cls.get_widget_description()
    properties.update(category=category, qualified_name=widget_qualified_name(task_type, task_identifier),
                      project_name=PROJECT_NAME)
    description = WidgetDescription(**properties)
    description.category = category
    description.package = "ewoks_orange.widgets"  # where its icon is
    return description


def ensure_widgets(registry: Any, qualified_names: Iterable[str]) -> List[str]:
    """Register (in category "Other tasks") the widgets of tasks named in a workflow that no library lists;
    return the names that are no task of ours (Orange reports those as missing widgets)."""
    from orangecanvas.registry import CategoryDescription

    unknown = []
    for name in dict.fromkeys(qualified_names):
        if registry.has_widget(name):
            continue
        task = task_of_widget(name)
        if task is None:
            unknown.append(name)
            continue
        try:
            description = widget_description(task[0], task[1], "Other tasks")
        except Exception as e:
            logger.warning("no widget for %s task %s: %s", task[0], task[1], e)
            unknown.append(name)
            continue
        if not registry.has_category("Other tasks"):
            registry.register_category(CategoryDescription(name="Other tasks", project_name=PROJECT_NAME,
                                                           background="#f0f0f0", priority=1000))
        registry.register_widget(description)
    return unknown


def add_link_channels(registry: Any, links: Iterable[tuple]) -> None:
    """Give task widgets the channels a workflow's links use that their task does not declare (positional
    inputs of ConcatenateChunks, the keyword arguments of a method task...): links are
    (source widget name, output channel, sink widget name, input channel)."""
    from orangecanvas.registry import InputSignal, OutputSignal
    from orangecanvas.registry.description import Multiple, NonDefault

    from .widgets.base import INPUT_HANDLER

    for source, output, sink, input_name in links:
        for name, channel, outputs in ((source, output, True), (sink, input_name, False)):
            if task_of_widget(name) is None or not registry.has_widget(name):
                continue
            description = registry.widget(name)
            channels = description.outputs if outputs else description.inputs
            if any(c.name == channel or c.id == channel for c in channels):
                continue
            if outputs:
                channels.append(OutputSignal(channel, "builtins.object", id=channel))
            else:
                channels.append(InputSignal(channel, "builtins.object", INPUT_HANDLER, flags=Multiple | NonDefault,
                                            id=channel))
