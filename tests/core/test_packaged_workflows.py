"""Workflows shipped by an installed distribution through the `ewoks.workflows` entry points (ewoks' convention:
the entry point's name is a module pattern; a workflow is known as package.stem)."""

import json
import os
import subprocess
import sys

import pytest

from ewoks_core import EwoksError, execute_graph, load_graph
from ewoks_core.graph.packaged import discover_workflows, find_packaged_workflow

from ._distributions import build_wheel, install_into_folder

SUM = "ewoks_core.testing.tasks.SumTask"
DOUBLE = f"""graph: {{id: double, label: Shipped double}}
nodes:
  - {{id: first, task_identifier: {SUM}, default_inputs: [{{name: b, value: 0}}]}}
  - {{id: second, task_identifier: {SUM}}}
links:
  - {{source: first, target: second, data_mapping: [{{source_output: result, target_input: a}},
                                                   {{source_output: result, target_input: b}}]}}
"""
TRIPLE = {"graph": {"id": "triple"}, "nodes": [
    {"id": "x", "task_identifier": SUM, "default_inputs": [{"name": "a", "value": 1}, {"name": "b", "value": 2}]}],
    "links": []}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The distribution `shipwf` built as a wheel and installed with pip into a folder (put on sys.path by
    the tests, on PYTHONPATH for commands): two entry points, one with a wildcard in the middle."""
    folder = tmp_path_factory.mktemp("shipwf")
    wheel = build_wheel(folder / "dist", "shipwf", "1.0", {
        "shipwf/__init__.py": "",
        "shipwf/workflows/__init__.py": "",
        "shipwf/workflows/double.yaml": DOUBLE,
        "shipwf/workflows/README.txt": "not a workflow",
        "shipwf/lib/__init__.py": "",
        "shipwf/lib/more/__init__.py": "",
        "shipwf/lib/more/triple.json": json.dumps(TRIPLE),
    }, entry_points={"ewoks.workflows": {"shipwf.workflows.*": "shipwf", "shipwf.*.more.*": "shipwf_more"}})
    yield install_into_folder(wheel, folder / "site")
    for name in [m for m in sys.modules if m == "shipwf" or m.startswith("shipwf.")]:
        del sys.modules[name]


@pytest.fixture
def installed(site, monkeypatch):
    monkeypatch.syspath_prepend(str(site))
    return site


def ewoks(site, *argv, cwd=None):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]))
    return subprocess.run([sys.executable, "-m", "ewoks_core.cli.main", *argv], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=120)


def test_discovery_lists_the_workflows_of_every_pattern(installed):
    found = {w.name: w for w in discover_workflows()}
    assert {"shipwf.workflows.double", "shipwf.lib.more.triple"} <= set(found)
    assert found["shipwf.workflows.double"].distribution == "shipwf"
    assert found["shipwf.workflows.double"].path == installed / "shipwf" / "workflows" / "double.yaml"
    assert found["shipwf.lib.more.triple"].pattern == "shipwf.*.more.*"
    assert find_packaged_workflow("shipwf.workflows.README") is None  # only .json and .yaml files


def test_execute_and_load_by_name(installed):
    assert execute_graph("shipwf.workflows.double", inputs=[{"id": "first", "name": "a", "value": 5}]) == \
        {"result": 10}
    assert execute_graph("shipwf.lib.more.triple") == {"result": 3}
    graph = load_graph("shipwf.workflows.double")
    assert graph.label == "Shipped double" and graph.source == str(installed / "shipwf" / "workflows" / "double.yaml")


def test_unknown_name_says_where_it_looked(installed):
    with pytest.raises(EwoksError) as info:
        load_graph("shipwf.workflows.doubel")
    message = str(info.value)
    assert "shipwf.workflows.doubel" in message and "no installed package ships a workflow of that name" in message
    assert "shipwf.workflows.*" in message and "shipwf.*.more.*" in message and "ewoks workflows" in message


def test_cli_lists_shows_and_executes_shipped_workflows(site):
    listed = ewoks(site, "workflows")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].split() == ["workflow", "package", "file"]
    assert any(line.split()[:2] == ["shipwf.workflows.double", "shipwf"] for line in lines)
    as_json = json.loads(ewoks(site, "workflows", "--json").stdout)
    assert {"name": "shipwf.lib.more.triple", "distribution": "shipwf",
            "path": str(site / "shipwf" / "lib" / "more" / "triple.json")} in as_json

    shown = ewoks(site, "show", "shipwf.workflows.double")
    assert shown.returncode == 0 and "workflow 'Shipped double': 2 nodes" in shown.stdout
    ran = ewoks(site, "execute", "shipwf.workflows.double", "--pn", "first:a=4", "--json")
    assert ran.returncode == 0 and json.loads(ran.stdout) == {"result": 8}
    missing = ewoks(site, "execute", "shipwf.workflows.nope")
    assert missing.returncode == 2 and "no installed package ships a workflow of that name" in missing.stderr


def test_no_workflows_without_the_distribution():
    names = [w.name for w in discover_workflows()]
    assert not any(name.startswith("shipwf.") for name in names)
    with pytest.raises(EwoksError, match="no installed package ships a workflow"):
        load_graph("shipwf.workflows.double")
