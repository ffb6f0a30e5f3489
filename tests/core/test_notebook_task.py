"""task_type 'notebook': a real notebook run by a real Jupyter kernel through papermill, as in ewoks."""

import json
import shutil
import sys
from pathlib import Path

import pytest

from ewoks_core import EwoksError, TaskFailedError, execute_graph
from ewoks_core.task import discovery

pytest.importorskip("papermill")

NOTEBOOK = Path(__file__).parent / "data" / "notebook_task.ipynb"


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A working directory holding the notebook (task identifiers are relative to it, as in ewoks)."""
    shutil.copy(NOTEBOOK, tmp_path / "nb.ipynb")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def notebook_node(node_id="nb", **inputs):
    return {"id": node_id, "task_type": "notebook", "task_identifier": "nb.ipynb",
            "default_inputs": [{"name": k, "value": v} for k, v in inputs.items()]}


def one_node(**inputs):
    return {"graph": {"id": "notebook"}, "nodes": [notebook_node(**inputs)], "links": []}


@pytest.mark.slow
def test_inputs_become_parameters_and_tagged_cells_give_results(workdir):
    workflow = {
        "graph": {"id": "notebook"},
        "nodes": [
            {"id": "start", "task_type": "method", "task_identifier": "builtins.int",
             "default_inputs": [{"name": 0, "value": 2}]},
            notebook_node(b=5, _output_notebook="out/executed.ipynb"),
            {"id": "after", "task_type": "method", "task_identifier": "builtins.dict"},
        ],
        "links": [
            {"source": "start", "target": "nb",
             "data_mapping": [{"source_output": "return_value", "target_input": "a"}]},
            {"source": "nb", "target": "after", "data_mapping": [{"source_output": "results", "target_input": "r"}]},
        ],
    }
    results = execute_graph(workflow, outputs=[{"all": True}], merge_outputs=False)
    # the cell tagged "results" whose value is `result`, and the displayed JSON dict; not the untagged cell
    expected = {"result": 7, "product": 10, "kernel_python": sys.executable}
    assert results["nb"] == {"results": expected, "output_notebook": "out/executed.ipynb"}
    assert results["after"] == {"return_value": {"r": expected}}
    saved = json.loads((workdir / "out" / "executed.ipynb").read_text())
    assert saved["metadata"]["papermill"]["parameters"] == {"a": 2, "b": 5}
    assert saved["metadata"]["papermill"]["output_path"] == "out/executed.ipynb"
    assert saved["metadata"]["ewoks_core"]["node"] == "nb"
    assert [p.name for p in (workdir / "out").iterdir()] == ["executed.ipynb"]  # no temporary file left

    # a second run replaces the notebook the first one wrote
    again = execute_graph(one_node(a=1, b=1, _output_notebook="out/executed.ipynb"))
    assert again["results"]["result"] == 2
    saved = json.loads((workdir / "out" / "executed.ipynb").read_text())
    assert saved["metadata"]["papermill"]["parameters"] == {"a": 1, "b": 1}


@pytest.mark.slow
def test_failing_cell_names_node_cell_and_error_and_keeps_the_executed_notebook(workdir):
    with pytest.raises(TaskFailedError) as info:
        execute_graph(one_node(a=-1, _output_notebook="failed.ipynb"))
    message = str(info.value)
    assert "node 'nb'" in message and "nb.ipynb" in message
    assert "cell In [" in message and "ValueError: a must be positive, got -1" in message
    saved = json.loads((workdir / "failed.ipynb").read_text())  # saved for inspection, as ewoks does
    assert saved["metadata"]["papermill"]["exception"] is True
    assert saved["metadata"]["ewoks_core"]["node"] == "nb"


def test_executed_notebook_never_replaces_a_file_it_did_not_write(workdir):
    precious = workdir / "scan.ipynb"
    precious.write_text("raw data")
    with pytest.raises(TaskFailedError) as info:
        execute_graph(one_node(a=1, _output_notebook="scan.ipynb"))
    assert "node 'nb'" in str(info.value) and "exists and was not written by a notebook task" in str(info.value)
    assert precious.read_text() == "raw data"
    with pytest.raises(TaskFailedError, match="is the notebook being run"):
        execute_graph(one_node(a=1, _output_notebook="nb.ipynb"))
    assert json.loads((workdir / "nb.ipynb").read_text()) == json.loads(NOTEBOOK.read_text())
    assert sorted(p.name for p in workdir.iterdir()) == ["nb.ipynb", "scan.ipynb"]


def test_missing_notebook_names_node_and_where_it_looked(workdir):
    workflow = one_node(a=1)
    workflow["nodes"][0]["task_identifier"] = "analysis/missing.ipynb"
    with pytest.raises(EwoksError) as info:
        execute_graph(workflow)
    message = str(info.value)
    assert "node 'nb'" in message and "field 'task_identifier'" in message
    assert str(workdir / "analysis" / "missing.ipynb") in message


def test_missing_kernel_is_named(workdir):
    with pytest.raises(TaskFailedError, match="no Jupyter kernel named 'no_such_kernel'"):
        execute_graph(one_node(a=1, _kernel_name="no_such_kernel"))


def test_missing_papermill_names_the_extra(workdir, monkeypatch):
    monkeypatch.setitem(sys.modules, "papermill", None)  # as if not installed
    monkeypatch.setattr(discovery, "_CACHE", {})
    with pytest.raises(EwoksError) as info:
        execute_graph(one_node(a=1))
    assert "node 'nb'" in str(info.value) and "pip install 'ewoks_core[notebook]'" in str(info.value)


def test_positional_inputs_are_refused(workdir):
    workflow = one_node()
    workflow["nodes"][0]["default_inputs"] = [{"name": 0, "value": 1}]
    with pytest.raises(TaskFailedError, match="notebook parameters have names"):
        execute_graph(workflow)


@pytest.mark.slow
def test_two_notebooks_in_parallel_on_dask(workdir):
    pytest.importorskip("dask")
    workflow = {
        "graph": {"id": "notebooks"},
        "nodes": [notebook_node("left", a=1, b=2), notebook_node("right", a=3, b=4)],
        "links": [],
    }
    results = execute_graph(workflow, engine="dask", scheduler="threads", outputs=[{"all": True}],
                            merge_outputs=False)
    assert results["left"]["results"]["result"] == 3 and results["right"]["results"]["product"] == 12
    assert results["left"]["output_notebook"] is None and list(workdir.iterdir()) == [workdir / "nb.ipynb"]


def test_celery_workers_refuse_notebooks_unless_scripts_are_allowed(workdir):
    pytest.importorskip("celery")
    from ewoks_core.allowlist import check_graph
    from ewoks_core.errors import TaskNotAllowedError
    from ewoks_core.graph import compile_graph, load_graph

    compiled = compile_graph(load_graph(one_node(a=1)))
    with pytest.raises(TaskNotAllowedError, match="worker refuses notebook task 'nb.ipynb': scripts are disabled"):
        check_graph(compiled, ["*"], allow_scripts=False)
    check_graph(compiled, ["*"], allow_scripts=True)


def test_an_edited_notebook_is_a_new_task_version(workdir):
    first = discovery.resolve_task_class("notebook", "nb.ipynb", "nb")
    assert discovery.resolve_task_class("notebook", "nb.ipynb", "nb") is first
    edited = json.loads((workdir / "nb.ipynb").read_text())
    edited["cells"][2]["source"] = "result = a * b"
    (workdir / "nb.ipynb").write_text(json.dumps(edited))
    second = discovery.resolve_task_class("notebook", "nb.ipynb", "nb")
    assert second.cache_version != first.cache_version  # results persisted for the old one are not reused
