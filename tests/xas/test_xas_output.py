"""NeXus output (readable by h5py, atomic) and the PNG plot."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest

from ewoks_core.errors import TaskInputError
from ewoks_xas.nexus import read_nexus
from ewoks_xas.tasks.exafs import AutoBackground, FourierTransform, MergeSpectra, Normalize
from ewoks_xas.tasks.output import PlotExafs, SaveNexus
from ewoks_xas.validation import XasInputError


@pytest.fixture(scope="module")
def processed(spectra):
    s = MergeSpectra(inputs={"spectra": spectra}).execute()["spectrum"]
    s = Normalize(inputs={"spectrum": s}).execute()["spectrum"]
    s = AutoBackground(inputs={"spectrum": s}).execute()["spectrum"]
    return FourierTransform(inputs={"spectrum": s}).execute()["spectrum"]


def test_nexus_is_readable_by_h5py(tmp_path: Path, processed):
    target = str(tmp_path / "out" / "cu.nxs")
    path = SaveNexus(inputs={"spectrum": processed, "output_file": target}).execute()["nexus_file"]
    with h5py.File(path, "r") as f:
        assert f.attrs["NX_class"] == "NXroot" and f.attrs["default"] == "entry"
        entry = f["entry"]
        assert entry.attrs["NX_class"] == "NXentry" and entry.attrs["default"] == "mu_norm"
        nxdata = [("mu_norm", "norm", "energy"), ("chi_k", "chi_weighted", "k"), ("chi_r", "chir_mag", "r")]
        for name, signal, axis in nxdata:
            group = entry[name]
            assert group.attrs["NX_class"] == "NXdata"
            assert group.attrs["signal"] == signal and list(group.attrs["axes"]) == [axis]
            assert group[signal].shape == group[axis].shape
        np.testing.assert_array_equal(entry["mu_norm/norm"][()], processed["norm"])
        np.testing.assert_array_equal(entry["chi_k/chi"][()], processed["chi"])
        np.testing.assert_array_equal(entry["chi_r/chir_mag"][()], processed["chir_mag"])
        np.testing.assert_allclose(entry["mu_norm/norm_errors"][()], processed["mu_std"] / processed["edge_step"])
        assert entry["mu_norm/energy"].attrs["units"] == "eV"
        process = entry["process"]
        assert process.attrs["NX_class"] == "NXprocess"
        assert process["e0"][()] == pytest.approx(processed["e0"])
        assert process["parameters/fourier"].attrs["NX_class"] == "NXparameters"
        assert process["parameters/fourier/kmax"][()] == 14.0
        assert process["parameters/fourier/window"][()].decode() == "hanning"
        assert "xraylarch" in process["version"][()].decode()
        assert len(process["sources"]) == 3
    back = read_nexus(path)
    assert back["edge_step"] == pytest.approx(processed["edge_step"])
    assert back["parameters"]["background"]["rbkg"] == processed["parameters"]["background"]["rbkg"]
    assert not list(Path(path).parent.glob(".*.tmp"))


def test_nexus_readable_by_silx(tmp_path: Path, processed):
    silx_io = pytest.importorskip("silx.io")
    path = SaveNexus(inputs={"spectrum": processed, "output_file": str(tmp_path / "cu.h5")}).execute()["nexus_file"]
    from silx.io.nxdata import get_default

    with silx_io.open(path) as f:
        nxdata = get_default(f)
        assert nxdata is not None and nxdata.is_valid
        assert nxdata.signal.name.endswith("/norm") and nxdata.axes_dataset_names == ["energy"]


def test_bad_spectrum_leaves_no_file(tmp_path: Path, processed):
    bad = dict(processed, mu=np.where(np.arange(processed["mu"].size) == 5, np.nan, processed["mu"]))
    target = tmp_path / "cu.nxs"
    with pytest.raises(XasInputError, match=r"input 'spectrum': mu has 1 NaN/inf value\(s\), first at index 5"):
        SaveNexus(inputs={"spectrum": bad, "output_file": str(target)}).execute()
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(XasInputError, match=r"input 'output_file': .*cu\.txt' should end in \.nxs"):
        SaveNexus(inputs={"spectrum": processed, "output_file": str(tmp_path / "cu.txt")}).execute()
    assert list(tmp_path.iterdir()) == []


def test_failure_while_writing_keeps_the_previous_file(tmp_path: Path, processed, monkeypatch):
    target = tmp_path / "cu.nxs"
    SaveNexus(inputs={"spectrum": processed, "output_file": str(target)}).execute()
    before = target.read_bytes()

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("ewoks_xas.nexus._parameters", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        SaveNexus(inputs={"spectrum": dict(processed, label="other"), "output_file": str(target)}).execute()
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["cu.nxs"]


def test_plot_png(tmp_path: Path, processed):
    nexus = SaveNexus(inputs={"spectrum": processed, "output_file": str(tmp_path / "cu.nxs")}).execute()["nexus_file"]
    png = PlotExafs(inputs={"nexus_file": nexus}).execute()["png_file"]
    assert png == str(tmp_path / "cu.png")
    assert Path(png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and Path(png).stat().st_size > 20_000
    direct = PlotExafs(inputs={"spectrum": processed, "output_file": str(tmp_path / "direct.png")}).execute()
    assert Path(direct["png_file"]).is_file()
    with pytest.raises(TaskInputError, match="inputs 'spectrum' and 'nexus_file': give one of them"):
        PlotExafs(inputs={}).execute()
    with pytest.raises(TaskInputError, match="input 'output_file': required when plotting a spectrum without"):
        PlotExafs(inputs={"spectrum": processed}).execute()
    with pytest.raises(TaskInputError, match="field 'dpi': must be at least 1, got 0"):
        PlotExafs(inputs={"nexus_file": nexus, "dpi": "0"}).execute()
    with pytest.raises(FileNotFoundError, match=r"input 'nexus_file': file .*missing\.nxs' does not exist"):
        PlotExafs(inputs={"nexus_file": str(tmp_path / "missing.nxs")}).execute()


def test_never_replaces_a_file_it_did_not_write(tmp_path: Path, processed):
    raw = tmp_path / "raw.h5"
    with h5py.File(raw, "w") as f:
        f["1.1/measurement/I0"] = np.ones(3)
    before = raw.read_bytes()
    with pytest.raises(XasInputError, match=r"input 'output_file': .*raw.h5' exists and was not written by ewoks_xas"):
        SaveNexus(inputs={"spectrum": processed, "output_file": str(raw)}).execute()
    assert raw.read_bytes() == before
    target = tmp_path / "cu.nxs"
    SaveNexus(inputs={"spectrum": processed, "output_file": str(target)}).execute()
    SaveNexus(inputs={"spectrum": processed, "output_file": str(target)}).execute()  # its own: replaced
