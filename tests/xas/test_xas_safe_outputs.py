"""ewoks_xas writers replace only files they wrote (issue 10, point 1)."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest

from ewoks_xas.tasks.demo import GenerateDemoSpectra
from ewoks_xas.tasks.exafs import AutoBackground, FourierTransform, MergeSpectra, Normalize
from ewoks_xas.tasks.output import PlotExafs
from ewoks_xas.validation import XasInputError


@pytest.fixture(scope="module")
def processed(spectra):
    s = MergeSpectra(inputs={"spectra": spectra}).execute()["spectrum"]
    s = Normalize(inputs={"spectrum": s}).execute()["spectrum"]
    s = AutoBackground(inputs={"spectrum": s}).execute()["spectrum"]
    return FourierTransform(inputs={"spectrum": s}).execute()["spectrum"]


def test_plot_exafs_refuses_to_replace_a_png_it_did_not_write(tmp_path: Path, processed):
    theirs = tmp_path / "figure.png"
    theirs.write_bytes(b"\x89PNG\r\n\x1a\nsomeone's figure")
    with pytest.raises(XasInputError, match=r"input 'output_file': .*figure\.png' exists and was not written by "
                                            "ewoks_xas"):
        PlotExafs(inputs={"spectrum": processed, "output_file": str(theirs)}).execute()
    assert theirs.read_bytes() == b"\x89PNG\r\n\x1a\nsomeone's figure"
    mine = PlotExafs(inputs={"spectrum": processed, "output_file": str(tmp_path / "mine.png")}).execute()
    PlotExafs(inputs={"spectrum": processed, "output_file": mine["png_file"]}).execute()  # its own: replaced


def test_demo_spectra_never_replace_real_scans(tmp_path: Path):
    real = tmp_path / "cu_exafs_scan001.dat"
    real.write_text("# my measurement\n1 2 3 4\n")
    with h5py.File(tmp_path / "cu_exafs_demo.h5", "w") as f:
        f["1.1/measurement/I0"] = np.ones(3)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    for fmt in ("ascii", "hdf5"):
        with pytest.raises(Exception, match="was not written by ewoks_xas"):
            GenerateDemoSpectra(inputs={"output_dir": str(tmp_path), "nscans": 1, "fmt": fmt,
                                        "overwrite": True}).execute()
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_demo_spectra_regenerate_their_own_files(tmp_path: Path):
    first = GenerateDemoSpectra(inputs={"output_dir": str(tmp_path), "nscans": 1}).execute()
    again = GenerateDemoSpectra(inputs={"output_dir": str(tmp_path), "nscans": 1, "overwrite": True,
                                        "seed": 3}).execute()
    assert again["generated"] and again["paths"] == first["paths"]


def test_ewoks_demo_data_never_replaces_real_scans(tmp_path: Path, capsys):
    from ewoks_core.cli.main import main

    assert main(["demo-data", str(tmp_path), "--only", "xas"]) == 0
    assert main(["demo-data", str(tmp_path), "--only", "xas"]) == 0  # its own files: written again
    (tmp_path / "xas" / "cu_exafs_scan002.dat").write_text("# my measurement\n1 2 3 4\n")
    capsys.readouterr()
    assert main(["demo-data", str(tmp_path), "--only", "xas"]) == 2
    err = capsys.readouterr()[1]
    assert err.count("\n") == 1 and "cu_exafs_scan002.dat' exists and was not written by ewoks_xas" in err
    assert (tmp_path / "xas" / "cu_exafs_scan002.dat").read_text() == "# my measurement\n1 2 3 4\n"
