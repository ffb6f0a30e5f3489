"""NeXus, .xy and PNG outputs: readable by plain h5py/silx, complete, written atomically."""

from __future__ import annotations

import json

import h5py
import numpy as np
import pytest
from _xrpd_support import NFRAMES, list_files


@pytest.fixture(scope="module")
def result_1d(integration_inputs):
    from ewoks_xrpd.tasks.scan import IntegrateScan1D

    return IntegrateScan1D(inputs=integration_inputs).execute()


@pytest.fixture(scope="module")
def result_2d(integration_inputs):
    from ewoks_xrpd.tasks.scan import IntegrateScan2D

    return IntegrateScan2D(inputs={**integration_inputs, "npt": 200, "npt_azim": 36, "stop": 2}).execute()


def test_nexus_1d_with_plain_h5py(result_1d, tmp_path):
    from ewoks_xrpd.tasks.save import SaveNexus

    path = SaveNexus(inputs={**result_1d, "output_dir": str(tmp_path)}).execute()["nexus_path"]
    assert path == str(tmp_path / "demo_scan_1.1_integrated.h5")
    with h5py.File(path, "r") as f:
        assert f.attrs["NX_class"] == "NXroot" and f.attrs["default"] == "entry"
        entry = f["entry"]
        assert entry.attrs["NX_class"] == "NXentry" and entry.attrs["default"] == "integrate"
        process = entry["integrate"]
        assert process.attrs["NX_class"] == "NXprocess" and process.attrs["default"] == "integrated"
        assert process["program"][()] == b"pyFAI"
        assert process["configuration"].attrs["NX_class"] == "NXnote"
        config = json.loads(process["configuration/data"][()])
        assert config["npt"] == 800 and config["method_used"] == ["bbox", "csc", "cython"]
        assert config["geometry"]["detector"] == "Pilatus1M"
        np.testing.assert_array_equal(process["monitor"][()], result_1d["monitor"])
        data = process["integrated"]
        assert data.attrs["NX_class"] == "NXdata"
        assert data.attrs["signal"] == "intensity"
        assert list(data.attrs["axes"]) == ["frame", "q"]
        assert data.attrs["q_indices"] == 1 and data.attrs["frame_indices"] == 0
        np.testing.assert_array_equal(data["intensity"][()], result_1d["intensity"])
        np.testing.assert_array_equal(data["intensity_errors"][()], result_1d["sigma"])
        np.testing.assert_array_equal(data["q"][()], result_1d["radial"])
        assert data["q"].attrs["units"] == "nm^-1"
        np.testing.assert_array_equal(data["frame"][()], np.arange(NFRAMES))
        assert data["intensity"].attrs["interpretation"] == "spectrum"


def test_nexus_readable_by_silx(result_1d, result_2d, tmp_path):
    nxdata = pytest.importorskip("silx.io.nxdata")
    import silx.io

    from ewoks_xrpd.tasks.save import SaveNexus

    p1 = SaveNexus(inputs={**result_1d, "output_file": str(tmp_path / "one.h5")}).execute()["nexus_path"]
    p2 = SaveNexus(inputs={**result_2d, "output_file": str(tmp_path / "cake.h5")}).execute()["nexus_path"]
    with silx.io.open(p1) as f:
        data = nxdata.get_default(f)
        assert data is not None and data.is_valid and data.signal.shape == (NFRAMES, 800)
        assert data.errors is not None and data.is_curve
    with silx.io.open(p2) as f:
        data = nxdata.get_default(f)
        assert data.signal.shape == (2, 36, 200) and data.is_image
        assert [a.split()[0] for a in data.axes_names] == ["frame", "chi", "q"]


def test_nexus_is_atomic(result_1d, tmp_path, monkeypatch):
    from ewoks_xrpd import _nexus
    from ewoks_xrpd.tasks.save import SaveNexus

    target = tmp_path / "out.h5"
    SaveNexus(inputs={**result_1d, "output_file": str(target)}).execute()  # a previous result
    previous = target.read_bytes()

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(_nexus.json, "dumps", fail)  # fails in the middle of writing
    with pytest.raises(RuntimeError, match="disk full"):
        SaveNexus(inputs={**result_1d, "output_file": str(target)}).execute()
    assert list_files(tmp_path) == ["out.h5"] and target.read_bytes() == previous
    monkeypatch.undo()
    SaveNexus(inputs={**result_1d, "output_file": str(target)}).execute()
    assert h5py.is_hdf5(target) and list_files(tmp_path) == ["out.h5"]


def test_xy_files(result_1d, tmp_path):
    from ewoks_xrpd.tasks.save import SaveAscii

    outputs = SaveAscii(inputs={**result_1d, "output_dir": str(tmp_path)}).execute()
    assert len(outputs["xy_paths"]) == NFRAMES
    assert outputs["xy_folder"] == str(tmp_path / "demo_scan_1.1_xy")
    table = np.loadtxt(outputs["xy_paths"][3])
    np.testing.assert_allclose(table[:, 0], result_1d["radial"], rtol=1e-6)
    np.testing.assert_allclose(table[:, 1], result_1d["intensity"][3], rtol=1e-6)
    np.testing.assert_allclose(table[:, 2], result_1d["sigma"][3], rtol=1e-6)
    header = open(outputs["xy_paths"][3]).read().split("\n")[:6]
    assert header[0] == "# creator: ewoks_xrpd"  # the mark that lets a later run replace it
    assert "# frame: 3" in header and "# q(nm^-1)  intensity  sigma" in header
    # rewriting replaces its own earlier files of the same scan as a set
    SaveAscii(inputs={**result_1d, "output_dir": str(tmp_path), "start": 100}).execute()
    names = sorted(p.split("/")[-1] for p in list_files(tmp_path))
    assert names[0] == "demo_scan_1.1_0100.xy" and len(names) == NFRAMES


def test_xy_is_atomic(result_1d, tmp_path):
    from ewoks_xrpd.tasks.save import SaveAscii

    bad = {**result_1d, "sigma": np.ones(5)}  # fails after the folder was created
    with pytest.raises(ValueError):
        SaveAscii(inputs={**bad, "output_dir": str(tmp_path)}).execute()
    assert list_files(tmp_path) == [] and list(tmp_path.iterdir()) == []


def test_plot_png(result_1d, result_2d, tmp_path):
    from ewoks_xrpd.tasks.plot import PlotPattern
    from ewoks_xrpd.tasks.save import SaveNexus

    png = PlotPattern(inputs={**result_1d, "output_dir": str(tmp_path)}).execute()["png_path"]
    assert open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    nexus = SaveNexus(inputs={**result_2d, "output_file": str(tmp_path / "cake.h5")}).execute()["nexus_path"]
    png2 = PlotPattern(inputs={"nexus_path": nexus}).execute()["png_path"]
    assert png2 == str(tmp_path / "demo_scan_1.1_integrated.png") and png2 == png  # next to the NeXus file
    with pytest.raises(ValueError, match="give input 'nexus_path' or the inputs 'radial' and 'intensity'"):
        PlotPattern(inputs={"output_dir": str(tmp_path)}).execute()


def test_never_replaces_a_file_it_did_not_write(result_1d, demo, tmp_path):
    """An output_file naming the raw scan (or any foreign file) is refused; the scan stays intact."""
    import shutil

    from ewoks_xrpd.tasks.save import SaveNexus

    scan = tmp_path / "scan.h5"
    shutil.copy(demo["scan_file"], scan)
    before = scan.read_bytes()
    with pytest.raises(ValueError, match=r"input 'output_file': .*scan.h5' exists and was not written by ewoks_xrpd"):
        SaveNexus(inputs={**result_1d, "output_file": str(scan)}).execute()
    assert scan.read_bytes() == before
    (tmp_path / "notes.h5").write_text("my notes")
    with pytest.raises(ValueError, match="was not written by ewoks_xrpd"):
        SaveNexus(inputs={**result_1d, "output_file": str(tmp_path / "notes.h5")}).execute()
    assert (tmp_path / "notes.h5").read_text() == "my notes"
