"""The workflow files run with ewoks_core's execute_graph and give the same result as the tasks."""

from __future__ import annotations

import json
import os
from pathlib import Path

import h5py
import numpy as np
import pytest
from _xrpd_support import NFRAMES, list_files

from ewoks_core.errors import TaskFailedError

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"

api = pytest.importorskip("ewoks_core.api")


def read_signal(path):
    with h5py.File(path, "r") as f:
        return f["entry/integrate/integrated/intensity"][()], json.loads(f["entry/integrate/configuration/data"][()])


@pytest.fixture(scope="module")
def powder_run(tmp_path_factory):
    """xrpd_powder.json run with no inputs at all, from an empty working directory."""
    workdir = tmp_path_factory.mktemp("powder_cwd")
    cwd = os.getcwd()
    os.chdir(workdir)
    try:
        results = api.execute_graph(str(WORKFLOWS / "xrpd_powder.json"))
    finally:
        os.chdir(cwd)
    return workdir, results


def test_powder_workflow_runs_without_inputs(powder_run):
    workdir, results = powder_run
    out = workdir / "xrpd_demo_output"
    files = list_files(out)
    for name in ("demo_scan.h5", "demo_scan.poni", "demo_scan_mask.edf", "demo_scan_1.1_integrated.h5",
                 "demo_scan_1.1_integrated.png"):
        assert name in files
    assert len([f for f in files if f.endswith(".xy")]) == 20
    assert results["png_path"] == str(out / "demo_scan_1.1_integrated.png")
    assert len(results["xy_paths"]) == 20
    intensity, config = read_signal(out / "demo_scan_1.1_integrated.h5")
    assert intensity.shape == (20, 1000) and config["polarization_factor"] == 0.99


def test_powder_workflow_equals_task(powder_run):
    from ewoks_xrpd.tasks.scan import IntegrateScan1D

    workdir, _ = powder_run
    out = workdir / "xrpd_demo_output"
    scan = str(out / "demo_scan.h5")
    expected = IntegrateScan1D(inputs={"frames_url": scan + "::/1.1/measurement/pilatus",
                                       "monitor_url": scan + "::/1.1/measurement/mon",
                                       "poni": str(out / "demo_scan.poni"), "mask": str(out / "demo_scan_mask.edf"),
                                       "polarization_factor": 0.99}).execute()
    intensity, _ = read_signal(out / "demo_scan_1.1_integrated.h5")
    np.testing.assert_array_equal(intensity, expected["intensity"])


def test_chunked_workflow_equals_powder_workflow(powder_run, tmp_path):
    workdir, _ = powder_run
    # the demo scan of the powder run is reused (GenerateDemoScan only writes missing files)
    for name in ("demo_scan.h5", "demo_scan.poni", "demo_scan_mask.edf"):
        os.link(workdir / "xrpd_demo_output" / name, tmp_path / name)
    results = api.execute_graph(str(WORKFLOWS / "xrpd_chunked.json"),
                                inputs=[{"name": "output_dir", "value": str(tmp_path), "all": True}])
    assert results["png_path"] == str(tmp_path / "demo_scan_1.1_integrated.png")
    chunked, config = read_signal(tmp_path / "demo_scan_1.1_integrated.h5")
    whole, _ = read_signal(workdir / "xrpd_demo_output" / "demo_scan_1.1_integrated.h5")
    np.testing.assert_array_equal(chunked, whole)
    assert config["chunks"] == [[0, 5], [5, 10], [10, 15], [15, 20]]


def test_workflow_error_names_node_and_input_and_writes_nothing(demo, tmp_path):
    graph = json.loads((WORKFLOWS / "xrpd_powder.json").read_text())
    graph["nodes"] = [n for n in graph["nodes"] if n["id"] not in ("gen", "geometry")]
    graph["links"] = [link for link in graph["links"] if link["source"] not in ("gen", "geometry")]
    integrate = next(n for n in graph["nodes"] if n["id"] == "integrate")
    integrate["default_inputs"] += [{"name": "frames_url", "value": demo["scan_file"] + "::/1.1/measurement/pilatu"},
                                    {"name": "poni", "value": demo["poni_path"]}]
    with pytest.raises(Exception) as info:
        api.execute_graph(graph, inputs=[{"name": "output_dir", "value": str(tmp_path / "out"), "all": True}])
    message = str(info.value)
    assert "integrate" in message and "input 'frames_url'" in message and "not found in demo_scan.h5" in message
    assert not (tmp_path / "out").exists()


def test_workflow_files_are_valid_ewoks_documents():
    for name in ("xrpd_powder.json", "xrpd_chunked.json"):
        doc = json.loads((WORKFLOWS / name).read_text())
        assert doc["graph"]["schema_version"] == "1.2"
        graph = api.load_graph(str(WORKFLOWS / name))
        assert graph is not None
        for node in doc["nodes"]:
            module, _, cls = node["task_identifier"].rpartition(".")
            assert hasattr(__import__(module, fromlist=[cls]), cls)


@pytest.mark.slow
def test_chunked_workflow_on_dask_threads(powder_run, tmp_path):
    pytest.importorskip("ewoks_dask")
    workdir, _ = powder_run
    for name in ("demo_scan.h5", "demo_scan.poni", "demo_scan_mask.edf"):
        os.link(workdir / "xrpd_demo_output" / name, tmp_path / name)
    api.execute_graph(str(WORKFLOWS / "xrpd_chunked.json"), engine="dask",
                      inputs=[{"name": "output_dir", "value": str(tmp_path), "all": True}])
    chunked, _ = read_signal(tmp_path / "demo_scan_1.1_integrated.h5")
    whole, _ = read_signal(workdir / "xrpd_demo_output" / "demo_scan_1.1_integrated.h5")
    np.testing.assert_array_equal(chunked, whole)


def test_powder_workflow_on_real_data(demo, tmp_path):
    """The workflow file processes a given scan: the demo generator passes real data on untouched."""
    out = tmp_path / "processed"
    inputs = [{"id": "gen", "name": "scan_url", "value": demo["scan_url"]},
              {"id": "gen", "name": "poni_path", "value": demo["poni_path"]},
              {"id": "gen", "name": "monitor_url", "value": demo["monitor_url"]},
              {"id": "gen", "name": "output_dir", "value": str(out)}]
    results = api.execute_graph(str(WORKFLOWS / "xrpd_powder.json"), inputs=inputs)
    assert results["nexus_path"].startswith(str(out))
    intensity, config = read_signal(results["nexus_path"])
    assert config["frames_url"] == demo["scan_url"] and intensity.shape[0] == NFRAMES
    assert config["mask"] is None  # no mask given: only the detector's own
    assert not (tmp_path / "xrpd_demo_output").exists()


def test_input_overridden_by_a_link_warns(demo, tmp_path):
    graph = json.loads((WORKFLOWS / "xrpd_powder.json").read_text())
    with pytest.warns(UserWarning, match=r"workflow input 'frames_url' of node 'integrate' is not used: the link "
                                         r"from 'gen' sets it"):
        # stops early: the demo output folder cannot be created
        with pytest.raises(TaskFailedError, match=r"node 'gen'.*/proc/nope"):
            api.execute_graph(graph, inputs=[{"id": "integrate", "name": "frames_url", "value": "x.h5"},
                                             {"id": "gen", "name": "output_dir", "value": "/proc/nope"}])
