"""numpy arrays and other non-JSON values pass between tasks on every scheduler, unchanged."""

from __future__ import annotations

import numpy
from _dask_support import T
from ewoks_dask_test_tasks import Point, non_json_values

from ewoks_core import execute_graph
from ewoks_core.testing.builders import graph, link, node

DOC = graph("values", [node("make", T + "MakeValues"), node("check", T + "CheckValues"),
                       node("again", T + "CheckValues")],
            [link("make", "check", {"values": "values", "array": "array"}),
             link("check", "again", map_all_data=True)])


def test_non_json_values_between_tasks(scheduler):
    results = execute_graph(DOC, engine="dask", scheduler=scheduler)
    assert results["same_types"] is True
    expected = non_json_values()
    values = results["values"]
    for name, value in expected.items():
        if isinstance(value, numpy.ndarray):
            assert values[name].dtype == value.dtype and values[name].shape == value.shape
            numpy.testing.assert_array_equal(values[name], value)
        else:
            assert type(values[name]) is type(value) and values[name] == value, name
    assert values["point"] == Point(1.5, -2.0)
    array = results["array"]
    assert isinstance(array, numpy.ndarray) and array.dtype == numpy.float32
    numpy.testing.assert_array_equal(array, expected["array"] * 4)


def test_workflow_inputs_with_arrays(scheduler):
    """Workflow inputs (not only link data) may be arrays too."""
    doc = graph("inputs", [node("a", "ArrayScale"), node("b", "ArrayScale", {"factor": 3})],
                [link("a", "b", {"array": "array"})])
    big = numpy.random.default_rng(0).random((256, 256))
    results = execute_graph(doc, engine="dask", scheduler=scheduler,
                            inputs=[{"id": "a", "name": "array", "value": big},
                                    {"id": "a", "name": "factor", "value": 2}])
    numpy.testing.assert_allclose(results["array"], big * 6)
