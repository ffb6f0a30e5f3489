"""workflows/exafs.json through ewoks_core.execute_graph, and cheap task discovery."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

WORKFLOW = Path(__file__).resolve().parents[2] / "workflows" / "exafs.json"
execute_graph = pytest.importorskip("ewoks_core.api").execute_graph


def require_engine(name: str) -> None:
    """Skip when the engine binding is not installed/written yet."""
    if name == "dask":
        pytest.importorskip("dask")
    from ewoks_core.engines.registry import get_engine
    from ewoks_core.errors import EwoksError

    try:
        get_engine(name)
    except EwoksError as e:
        pytest.skip(f"engine {name!r} not available: {e}")


def test_workflow_document():
    doc = json.loads(WORKFLOW.read_text())
    assert doc["graph"]["id"] == "exafs" and doc["graph"]["schema_version"] == "1.2"
    ids = [n["id"] for n in doc["nodes"]]
    assert ids == ["gen", "read", "merge", "normalize", "background", "ft", "save", "plot"]
    # a chain, and the plot also takes the spectrum in memory (it does not re-read the NeXus file)
    assert [(link["source"], link["target"]) for link in doc["links"]] == \
        list(zip(ids[:-2], ids[1:-1], strict=True)) + [("ft", "plot"), ("save", "plot")]


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["sequential", "dask"])
def test_exafs_workflow_runs_with_no_inputs(tmp_path: Path, monkeypatch, engine):
    require_engine(engine)
    monkeypatch.chdir(tmp_path)
    result = execute_graph(str(WORKFLOW), engine=engine)
    out = tmp_path / "exafs_demo_output"
    assert result == {"png_file": str(out / "cu_exafs.png"), "nexus_file": str(out / "cu_exafs.nxs")}
    assert sorted(p.name for p in out.iterdir()) == ["cu_exafs.nxs", "cu_exafs.png", "cu_exafs_scan001.dat",
                                                     "cu_exafs_scan002.dat", "cu_exafs_scan003.dat"]
    with h5py.File(out / "cu_exafs.nxs", "r") as f:
        assert abs(f["/entry/process/e0"][()] - 8979.0) < 3
        r, mag = f["/entry/chi_r/r"][()], f["/entry/chi_r/chir_mag"][()]
        sel = (r > 1) & (r < 3.5)
        assert 2.05 < r[sel][np.argmax(mag[sel])] < 2.35

    # all outputs, same numbers as the tasks called directly
    from ewoks_xas.processing import exafs_chain
    from ewoks_xas.tasks.read import ReadSpectra

    every = execute_graph(str(WORKFLOW), engine=engine, outputs=[{"all": True}], merge_outputs=False)
    assert every["gen"]["generated"] is False  # the scans were there already
    spectra = ReadSpectra(inputs={"paths": every["gen"]["paths"]}).execute()["spectra"]
    expected = exafs_chain(spectra, normalize_kws={"expected_e0": 8979.0})
    np.testing.assert_allclose(every["ft"]["chir_mag"], expected["chir_mag"], rtol=1e-9)
    assert every["normalize"]["edge_step"] == pytest.approx(expected["edge_step"], rel=1e-12)


@pytest.mark.slow
def test_workflow_in_worker_processes(tmp_path: Path, monkeypatch):
    """Spectrum dicts of numpy arrays cross process boundaries (dask process pool, one worker: one larch import)."""
    require_engine("dask")
    monkeypatch.chdir(tmp_path)
    every = execute_graph(str(WORKFLOW), engine="dask", scheduler="processes", scheduler_options={"num_workers": 1},
                          outputs=[{"all": True}], merge_outputs=False)
    assert isinstance(every["ft"]["chir_mag"], np.ndarray) and 2.05 < every["ft"]["peak_r"] < 2.35
    assert (tmp_path / "exafs_demo_output" / "cu_exafs.png").is_file()


@pytest.mark.slow
def test_workflow_with_hdf5_and_fluorescence(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    inputs = [{"id": "gen", "name": "fmt", "value": "hdf5"}, {"id": "read", "name": "mode", "value": "fluorescence"},
              {"id": "save", "name": "output_file", "value": "fluo/cu.nxs"},
              {"id": "plot", "name": "output_file", "value": "fluo/cu.png"}]
    every = execute_graph(str(WORKFLOW), inputs=inputs, outputs=[{"all": True}], merge_outputs=False)
    assert every["read"]["nspectra"] == 3 and every["merge"]["nscans"] == 3
    assert 2.05 < every["ft"]["peak_r"] < 2.35
    assert (tmp_path / "fluo" / "cu.png").is_file()


def test_workflow_bad_input_names_node_and_input(tmp_path: Path, monkeypatch):
    from ewoks_core.errors import EwoksError

    monkeypatch.chdir(tmp_path)
    with pytest.raises(EwoksError) as info:
        execute_graph(str(WORKFLOW), inputs=[{"id": "read", "name": "it", "value": "Itrans"}])
    message = str(info.value)
    assert "node 'read'" in message and "ReadSpectra" in message
    assert "input 'it': no column 'Itrans'" in message and "Did you mean 'It'" in message
    assert not (tmp_path / "exafs_demo_output" / "cu_exafs.nxs").exists()


def test_cli_bad_option_names_node_and_input(tmp_path: Path):
    """A text option that is not a number: refused by FourierTransform's input model before anything runs
    (a bad command line: exit 2), in one line naming the node and the input; nothing is written."""
    exe = Path(sys.executable).with_name("ewoks")
    proc = subprocess.run([str(exe), "execute", str(WORKFLOW), "--pn", "ft:kmax=fourteen"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "node 'ft'" in proc.stderr
    assert "field 'kmax': expected a number, got 'fourteen'" in proc.stderr
    assert not (tmp_path / "exafs_demo_output").exists()  # not even the demo spectra: refused before the run


def test_input_descriptions_from_the_models():
    """`ewoks tasks --json` gives each input's description, read from the task's input model."""
    from ewoks_core.task.discovery import discover_tasks

    tasks = {t["task_identifier"].rsplit(".", 1)[1]: t for t in discover_tasks("ewoks_xas.tasks")}
    ft = tasks["FourierTransform"]
    assert ft["optional_input_names"] == ["dk", "kmax", "kmin", "kweight", "rmax_out", "window"]
    assert ft["input_descriptions"]["kmax"] == "end of the k range in 1/Angstrom, at most 1 beyond the data " \
                                                "(default 14)"
    for task in tasks.values():
        names = task["required_input_names"] + task["optional_input_names"]
        assert sorted(task["input_descriptions"]) == sorted(names), task["task_identifier"]


def test_discovery_is_quick_and_does_not_import_larch():
    code = ("import sys, time; t = time.perf_counter(); "
            "from ewoks_core.task.discovery import discover_tasks; tasks = discover_tasks('ewoks_xas'); "
            "dt = time.perf_counter() - t; "
            "heavy = [m for m in ('larch', 'matplotlib', 'h5py', 'scipy') if m in sys.modules]; "
            "print(len(tasks), round(dt, 3), heavy, sorted(t['task_identifier'].rsplit('.', 1)[1] for t in tasks))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split(" ", 2)
    assert out[0] == "8"
    assert float(out[1]) < 2.0
    assert out[2].startswith("[] ")  # no heavy import
    assert "GenerateDemoSpectra" in out[2] and "FourierTransform" in out[2]


def test_exafs_workflow_on_given_scans(tmp_path: Path, monkeypatch):
    """paths given to the generator node: those scans are processed and nothing is generated."""
    from ewoks_xas.demo_data import generate_spectra

    real = generate_spectra(tmp_path / "beamline", nscans=2, seed=3)
    monkeypatch.chdir(tmp_path)
    every = execute_graph(str(WORKFLOW), inputs=[{"id": "gen", "name": "paths", "value": real}],
                          outputs=[{"all": True}], merge_outputs=False)
    assert every["gen"] == {"paths": [str(p) for p in real], "output_dir": "exafs_demo_output", "generated": False}
    assert not list((tmp_path / "exafs_demo_output").glob("*.dat"))
