"""varinfo persistence through execute_graph: URIs in events, NeXus layout, cached re-execution."""

import json
import sys

import h5py
import numpy
import pytest

from ewoks_core import execute_graph
from ewoks_core.events.sinks.memory import MemorySink
from ewoks_core.testing.builders import graph, link, node

TASKS = '''
import numpy
from ewoks_core import Task
LOG = {log!r}

class Counted(Task, input_names=["a"], optional_input_names=["b"], output_names=["result", "array"]):
    def run(self):
        with open(LOG, "a") as f:
            f.write(str(self.node_id) + "\\n")
        self.outputs.result = self.inputs.a + (self.inputs.b or 0)
        self.outputs.array = numpy.arange(3) * self.outputs.result
'''


@pytest.fixture
def counted(tmp_path, monkeypatch):
    log = tmp_path / "runs.log"
    (tmp_path / "counted_tasks.py").write_text(TASKS.format(log=str(log)))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "counted_tasks", raising=False)
    from ewoks_core.task import discovery

    monkeypatch.setattr(discovery, "_CACHE", {})

    def runs():
        text = log.read_text() if log.exists() else ""
        log.write_text("")
        return sorted(text.split())
    return runs


DOC = graph("cached", [node("p1", "counted_tasks.Counted", {"a": 1}), node("p2", "counted_tasks.Counted", {"a": 2}),
                       node("m", "counted_tasks.Counted")],
            [link("p1", "m", {"result": "a"}), link("p2", "m", {"result": "b"})])


@pytest.mark.parametrize("root", ["results.h5", "results_dir"])
def test_only_nodes_downstream_of_a_change_run_again(tmp_path, counted, root):
    varinfo = {"root_uri": str(tmp_path / root)}
    assert execute_graph(DOC, varinfo=varinfo, outputs=[{"id": "m", "name": "result"}]) == {"result": 3}
    assert counted() == ["m", "p1", "p2"]
    result = execute_graph(DOC, varinfo=varinfo)
    assert counted() == [] and result["result"] == 3
    numpy.testing.assert_array_equal(result["array"], [0, 3, 6])
    changed = execute_graph(DOC, varinfo=varinfo, inputs=[{"id": "p2", "name": "a", "value": 20}])
    assert counted() == ["m", "p2"] and changed["result"] == 21


def test_events_carry_uris_and_nexus_is_readable(tmp_path, counted):
    sink = MemorySink()
    h5 = tmp_path / "results.h5"
    execute_graph(DOC, varinfo={"root_uri": str(h5), "scheme": "nexus"}, execinfo={"handlers": [sink]})
    ends = {e.node_id: e for e in sink.events if e.context == "node" and e.type == "end"}
    m = ends["m"]
    assert m.task_uri and "::" in m.task_uri and set(m.output_uris) == {"result", "array"}
    assert set(m.input_uris) == {"a", "b"}
    filename, path = m.output_uris["array"].split("::")
    with h5py.File(filename, "r") as f:
        numpy.testing.assert_array_equal(f[path][()], [0, 3, 6])
        entry = f[path.split("/")[1]]
        assert entry.attrs["NX_class"] == "NXentry"


def test_json_scheme_files(tmp_path, counted):
    root = tmp_path / "json_results"
    sink = MemorySink()
    execute_graph(DOC, varinfo={"root_uri": str(root), "scheme": "json"}, execinfo={"handlers": [sink]})
    uri = [e for e in sink.events if e.node_id == "m" and e.type == "end"][0].task_uri
    assert json.loads(open(uri.split("::")[0]).read())
    assert not list(root.rglob("*.tmp"))


def test_unwritable_result_store_is_named_as_such(tmp_path):
    from ewoks_core import execute_graph
    from ewoks_core.errors import TaskFailedError
    from ewoks_core.testing.builders import graph, node

    (tmp_path / "afile").write_text("")
    doc = graph("p", [node("a", "SumTask", {"a": 1})], [])
    with pytest.raises(TaskFailedError, match=r"node 'a'.*PersistenceError.*results could not be saved.*root_uri"):
        execute_graph(doc, varinfo={"root_uri": str(tmp_path / "afile" / "sub")})
