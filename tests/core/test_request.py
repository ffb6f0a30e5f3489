"""execute_graph's arguments are parsed once (ewoks_core.request.ExecuteRequest): each bad one is refused
by name, in one line, before any event is sent; the parsed request is frozen and round-trips as plain data."""

import dataclasses
import json

import pytest

from ewoks_core import execute_graph, load_graph
from ewoks_core.errors import EwoksError
from ewoks_core.events.sinks.memory import MemorySink
from ewoks_core.request import ExecuteRequest
from ewoks_core.testing.builders import graph, node

SUM = "SumTask"


def one(**inputs):
    return graph("g", [node("a", SUM, inputs)], [])

BAD = [
    ({"varinfo": {"root_uri": "ROOT", "scheme": "jsn"}}, "varinfo.scheme", r"unknown persistence scheme 'jsn'.*"
                                                                          r"Did you mean 'json'"),
    ({"varinfo": {"root_uri": 3}}, "varinfo.root_uri", "expected a folder or file path"),
    ({"varinfo": "results"}, "varinfo", "expected a mapping"),
    ({"load_options": {"root_dri": "."}}, "load_options", r"unknown load option\(s\) \['root_dri'\].*'root_dir'"),
    ({"load_options": {"root_dir": 3}}, "load_options.root_dir", "must be a text or a path"),
    ({"inputs": [{"nme": "a", "value": 1}]}, "inputs[0]", r"unknown inputs\[0\] key\(s\) \['nme'\].*'name'"),
    ({"inputs": {"name": "a"}}, "inputs", "must be a list of mappings"),
    ({"inputs": [3]}, "inputs[0]", "must be a mapping"),
    ({"outputs": [{"id": "a", "rename": "x"}]}, "outputs[0]", r"\['rename'\].*"),
    ({"merge_outputs": "no"}, "merge_outputs", "must be True or False"),
    ({"execinfo": {"job_id": [1]}}, "execinfo.job_id", "is not a text or a number"),
    ({"execinfo": {"on_events_lost": "ignore"}}, "execinfo.on_events_lost", "is not one of"),
    ({"task_options": ["x"]}, "task_options", "must be a mapping"),
    ({"raise_on_error": False}, "raise_on_error", "raise_on_error=False is not supported"),
]


@pytest.mark.parametrize("kwargs,field,message", BAD, ids=[b[1] + "-" + str(i) for i, b in enumerate(BAD)])
def test_bad_argument_is_refused_by_name_before_any_event(tmp_path, kwargs, field, message):
    sink = MemorySink()
    kwargs = json.loads(json.dumps(kwargs).replace("ROOT", str(tmp_path / "results")))
    execinfo = {"handlers": [sink], **kwargs.pop("execinfo", {})}
    with pytest.raises(EwoksError, match=message) as info:
        execute_graph(one(a=1), execinfo=execinfo, **kwargs)
    assert info.value.field == field
    assert "\n" not in str(info.value).split(" Did you mean")[0]
    assert sink.events == []  # refused before the job started
    assert not (tmp_path / "results").exists()


def test_load_graph_refuses_unknown_keywords_by_name():
    with pytest.raises(EwoksError, match=r"unknown load option\(s\) \['root_dri'\]. Did you mean 'root_dir'"):
        load_graph(one(), root_dri=".")


def test_request_is_frozen_and_does_not_keep_the_callers_dicts():
    inputs = [{"name": "a", "value": 1}]
    varinfo = {"root_uri": "/tmp/r", "scheme": "json"}
    request = ExecuteRequest.parse(inputs=inputs, varinfo=varinfo, engine_options={"max_iterations": 2})
    inputs[0]["value"] = 2
    varinfo["scheme"] = "nexus"
    assert request.input_list() == [{"name": "a", "value": 1}] and request.varinfo["scheme"] == "json"
    with pytest.raises(dataclasses.FrozenInstanceError):
        request.merge_outputs = False  # type: ignore[misc]
    with pytest.raises(TypeError):
        request.engine_options["max_iterations"] = 3  # type: ignore[index]
    request.engine_options_dict()["max_iterations"] = 3  # a copy
    assert request.engine_options == {"max_iterations": 2}


def test_request_round_trips_as_json():
    request = ExecuteRequest.parse(engine="sequential", inputs=[{"id": "a", "name": "a", "value": [1, 2]}],
                                   outputs=[{"all": True}], merge_outputs=False, varinfo={"root_uri": "/tmp/r"},
                                   execinfo={"job_id": "j1"}, task_options={}, load_options={"root_module": "pkg"},
                                   engine_options={"max_iterations": 5})
    back = ExecuteRequest.from_json(json.loads(json.dumps(request.to_json())))
    assert back == request
    with pytest.raises(EwoksError, match=r"unknown request key\(s\) \['engin'\]"):
        ExecuteRequest.from_json({**request.to_json(), "engin": "dask"})
    with pytest.raises(EwoksError, match="request version 7 is not supported"):
        ExecuteRequest.from_json({**request.to_json(), "version": 7})


def test_execute_graph_results_unchanged_with_parsed_arguments(tmp_path):
    doc = one(a=1, b=2)
    assert execute_graph(doc, inputs=[{"name": "b", "value": 5}], varinfo={"root_uri": str(tmp_path)}) == \
        {"result": 6}
