"""Helpers of the canvas tests: a real main window with the discovered widgets, driven like a user."""

from __future__ import annotations

from typing import Any, Dict, List

from AnyQt.QtCore import Qt
from AnyQt.QtTest import QTest


def add_widget(window: Any, task_identifier: str, title: str, position=(100.0, 100.0)) -> Any:
    """Drop the widget of a task on the canvas (as the toolbox does); returns its SchemeNode."""
    from orangecanvas.scheme import SchemeNode

    from ewoks_core.graph.ows import widget_qualified_name

    name = widget_qualified_name("class", task_identifier)
    assert window.ensure_task_widgets([name]) == []  # tasks of no library: "Other tasks"
    description = window.widget_registry.widget(name)
    node = SchemeNode(description, title=title, position=position)
    window.current_document().addNode(node)
    return node


def connect(window: Any, source: Any, output: str, sink: Any, input_name: str) -> Any:
    """Link an output channel of a node to an input channel of another (as dragging a link does)."""
    from orangecanvas.scheme import SchemeLink

    link = SchemeLink(source, source.output_channel(output), sink, sink.input_channel(input_name))
    window.current_document().addLink(link)
    return link


def type_input(widget: Any, name: str, text: str) -> None:
    """Type a value into a form field and leave it (Enter), as a user does."""
    editor = widget.form.editors[name]
    editor.setFocus()
    editor.selectAll()
    QTest.keyClicks(editor, text)
    QTest.keyClick(editor, Qt.Key.Key_Return)


def widget(window: Any, node: Any) -> Any:
    return window.current_document().scheme().widget_for_node(node)


def node_by_title(window: Any, title: str) -> Any:
    return next(n for n in window.current_document().scheme().nodes if n.title == title)


def run_and_wait(window: Any, timeout: float = 120.0) -> Any:
    """Trigger "Run workflow" and wait for the end; returns the runner."""
    window.run_action.trigger()
    runner = window.runner()
    assert runner.wait(timeout), "the run did not end"
    return runner


def node_starts(events: List[Any]) -> List[str]:
    return [e.node_id for e in events if e.context == "node" and e.type == "start"]


def plain(doc: Dict[str, Any]) -> Dict[str, Any]:
    """A document without the parts the canvas adds (positions), for comparisons."""
    for node in doc["nodes"]:
        node.pop("ows", None)
    doc["graph"].pop("schema_version", None)
    return doc


def same(a: Any, b: Any) -> None:
    """Equal results (numpy arrays compared by value)."""
    import numpy

    if isinstance(a, dict):
        assert isinstance(b, dict) and set(a) == set(b), (a, b)
        for key in a:
            same(a[key], b[key])
    elif isinstance(a, numpy.ndarray) or isinstance(b, numpy.ndarray):
        numpy.testing.assert_allclose(numpy.asarray(a, dtype=float), numpy.asarray(b, dtype=float))
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), (a, b)
        for x, y in zip(a, b, strict=True):
            same(x, y)
    else:
        assert a == b, (a, b)
