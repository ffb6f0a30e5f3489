"""Widgets of tasks: generated from the task's declaration (signals, types, help, form), unique names,
hand-written ones through the hook, discovery through the `orange.widgets` entry points."""

from __future__ import annotations

import pytest
from AnyQt.QtWidgets import QCheckBox, QComboBox, QLabel, QLineEdit

from ewoks_core.graph.ows import ALL_INPUTS, ALL_OUTPUTS, TRIGGER, widget_qualified_name


def test_every_task_of_the_libraries_is_a_widget_in_its_category(canvas_registry):
    from ewoks_core.task.discovery import discover_tasks

    categories = {c.name for c in canvas_registry.categories()}
    assert {"ewoks_xrpd", "ewoks_xas", "Examples"} <= categories
    for category, package in (("ewoks_xrpd", "ewoks_xrpd.tasks"), ("ewoks_xas", "ewoks_xas.tasks"),
                              ("Examples", "ewoks_core.testing.tasks")):
        names = {w.qualified_name for w in canvas_registry.widgets(category)}
        expected = {widget_qualified_name("class", t["task_identifier"]) for t in discover_tasks(package)}
        assert names == expected and len(names) > 5
    qualified = [w.qualified_name for w in canvas_registry.widgets()]
    assert len(qualified) == len(set(qualified))  # one name per widget: all register together
    ids = [w.id for w in canvas_registry.widgets()]
    assert len(ids) == len(set(ids))


def test_generated_widget_follows_the_task_declaration(canvas_registry, qtbot):
    from orangecanvas.utils import name_lookup

    from ewoks_orange.discovery import widget_description

    description = widget_description("class", "ewoks_canvas_test_tasks.Scale")
    inputs = {s.name: s for s in description.inputs}
    outputs = {s.name: s for s in description.outputs}
    assert set(inputs) == {"value", "factor", "enabled", "mode", "label", ALL_INPUTS, TRIGGER}
    assert set(outputs) == {"value", "label", ALL_OUTPUTS}
    assert inputs["value"].types == ("builtins.float",) and inputs["enabled"].types == ("builtins.bool",)
    assert inputs["mode"].types == ("builtins.object",)  # a Literal is no class: any value
    assert outputs["label"].types == ("builtins.str",)
    assert description.description == "Multiply (or divide) a value by a factor."
    cls = name_lookup(description.qualified_name)
    assert cls.ewokstaskclass.class_registry_name() == "ewoks_canvas_test_tasks.Scale"
    widget = cls()
    qtbot.addWidget(widget)
    editors = widget.form.editors
    assert isinstance(editors["enabled"], QCheckBox) and isinstance(editors["mode"], QComboBox)
    assert isinstance(editors["value"], QLineEdit) and editors["factor"].placeholderText() == "2.0"
    assert "Typed inputs" in widget.findChild(QLabel, "ewoks-help").text()  # the docstring as help


def test_xas_forms_are_typed_and_documented_by_the_input_models(canvas_registry, qtbot):
    """The EXAFS widgets' forms come from the tasks' input models: types, defaults, choices, descriptions."""
    from orangecanvas.utils import name_lookup

    from ewoks_orange.discovery import widget_description
    from ewoks_orange.widgets.xas import OWFourierTransform

    widget = OWFourierTransform()
    qtbot.addWidget(widget)
    kmax = widget.form.editors["kmax"]
    assert isinstance(kmax, QLineEdit) and kmax.placeholderText() == "14.0"
    tooltip = widget.form.layout().labelForField(kmax).toolTip()
    assert tooltip == "optional: end of the k range in 1/Angstrom, at most 1 beyond the data (default 14)"
    spectrum = widget.form.layout().labelForField(widget.form.editors["spectrum"]).toolTip()
    assert spectrum.startswith("required: chi(k)")
    read = name_lookup(widget_description("class", "ewoks_xas.tasks.read.ReadSpectra").qualified_name)()
    qtbot.addWidget(read)
    mode = read.form.editors["mode"]
    assert isinstance(mode, QComboBox)
    assert [mode.itemText(i) for i in range(mode.count())] == ["", "transmission", "fluorescence", "mu"]


def test_form_values_are_typed_and_saved_as_settings(canvas_registry, qtbot):
    from orangecanvas.utils import name_lookup

    from ewoks_orange.discovery import widget_description

    cls = name_lookup(widget_description("class", "ewoks_canvas_test_tasks.Scale").qualified_name)
    widget = cls()
    qtbot.addWidget(widget)
    value, mode, enabled = widget.form.editors["value"], widget.form.editors["mode"], widget.form.editors["enabled"]
    value.setText("2.5")
    value.editingFinished.emit()
    mode.setCurrentIndex(mode.findText("divide"))
    enabled.click()  # partially checked (not set) -> checked
    assert widget._ewoks_default_inputs == {"value": 2.5, "mode": "divide", "enabled": True}
    value.setText("not a number")
    value.editingFinished.emit()
    assert widget._ewoks_default_inputs["value"] == 2.5 and "background" in value.styleSheet()
    value.setText("")
    value.editingFinished.emit()
    assert "value" not in widget._ewoks_default_inputs
    assert widget.settingsHandler.pack_data(widget)["_ewoks_default_inputs"] == {"mode": "divide", "enabled": True}


def test_untyped_fields_hold_json_or_text(canvas_registry, qtbot):
    from orangecanvas.utils import name_lookup

    cls = name_lookup(widget_qualified_name("class", "ewoks_core.testing.tasks.DictSummary"))
    widget = cls()
    qtbot.addWidget(widget)
    editor = widget.form.editors["data"]
    editor.setText('{"a": 1, "b": [1, 2]}')
    editor.editingFinished.emit()
    assert widget._ewoks_default_inputs == {"data": {"a": 1, "b": [1, 2]}}
    editor.setText("plain words")
    editor.editingFinished.emit()
    assert widget._ewoks_default_inputs == {"data": "plain words"}


def test_method_tasks_get_widgets_with_their_parameters(canvas_registry):
    from ewoks_orange.discovery import widget_description

    description = widget_description("method", "ewoks_core.testing.tasks.subtract")
    assert description.qualified_name == "ewoks_orange.method_widgets.ewoks_core.testing.tasks.subtract"
    assert [s.name for s in description.inputs] == ["a", "b", "0", "1", ALL_INPUTS, TRIGGER]
    assert [s.name for s in description.outputs] == ["return_value", ALL_OUTPUTS]


def test_hand_written_widgets_replace_the_generated_ones(canvas_registry, qtbot):
    from orangecanvas.utils import name_lookup

    from ewoks_orange.widgets import custom_widgets, widget_class
    from ewoks_orange.widgets.xas import OWFourierTransform
    from ewoks_orange.widgets.xrpd import OWIntegrateScan1D

    assert custom_widgets()[("class", "ewoks_xrpd.tasks.scan.IntegrateScan1D")] is OWIntegrateScan1D
    assert widget_class("class", "ewoks_xas.tasks.exafs.FourierTransform") is OWFourierTransform
    name = widget_qualified_name("class", "ewoks_xrpd.tasks.scan.IntegrateScan1D")
    assert name_lookup(name) is OWIntegrateScan1D  # the .ows name of the task gives the hand-written class
    description = canvas_registry.widget(name)
    assert description.name == "Integrate scan 1D" and description.category == "ewoks_xrpd"
    assert {"frames_url", "poni", "npt"} <= {s.name for s in description.inputs}
    widget = OWIntegrateScan1D()
    qtbot.addWidget(widget)
    import numpy

    widget.ewoks_finished({"radial": numpy.linspace(1, 30, 50), "intensity": numpy.ones((3, 50)), "nframes": 3,
                           "radial_unit": "q_nm^-1"}, None)
    x, y = widget.pattern.getData()
    assert len(x) == 50 and numpy.allclose(y, 1.0)


@pytest.mark.parametrize("name", ["ewoks_orange.task_widgets.no_such_module.Task",
                                  "ewoks_orange.task_widgets.ewoks_core.testing.tasks.NoSuchTask"])
def test_unknown_task_widgets_are_import_errors(name):
    from orangecanvas.utils import name_lookup

    with pytest.raises((AttributeError, ImportError)):
        name_lookup(name)
