"""ewoks_xrpd writers replace only files they wrote and delete nothing else (issue 10, point 1)."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
from _xrpd_support import NFRAMES, list_files


@pytest.fixture(scope="module")
def result_1d(integration_inputs):
    from ewoks_xrpd.tasks.scan import IntegrateScan1D

    return IntegrateScan1D(inputs=integration_inputs).execute()


def test_save_ascii_into_an_existing_folder_keeps_its_files(result_1d, tmp_path: Path):
    from ewoks_xrpd.tasks.save import SaveAscii

    folder = tmp_path / "processed"
    (folder / "sub").mkdir(parents=True)
    (folder / "notes.txt").write_text("my notes")
    (folder / "sub" / "raw.edf").write_bytes(b"raw data")
    outputs = SaveAscii(inputs={**result_1d, "output_folder": str(folder)}).execute()
    assert len(outputs["xy_paths"]) == NFRAMES
    assert (folder / "notes.txt").read_text() == "my notes"
    assert (folder / "sub" / "raw.edf").read_bytes() == b"raw data"
    assert sorted(list_files(folder)) == sorted(["notes.txt", "sub/raw.edf"] +
                                                [Path(p).name for p in outputs["xy_paths"]])


def test_save_ascii_refuses_to_replace_an_xy_file_it_did_not_write(result_1d, tmp_path: Path):
    from ewoks_xrpd.tasks.save import SaveAscii

    folder = tmp_path / "processed"
    folder.mkdir()
    theirs = folder / "demo_scan_1.1_0002.xy"
    theirs.write_text("# my own pattern\n1 2\n")
    with pytest.raises(ValueError, match=r"demo_scan_1\.1_0002\.xy.*was not written by ewoks_xrpd"):
        SaveAscii(inputs={**result_1d, "output_folder": str(folder)}).execute()
    assert list_files(folder) == ["demo_scan_1.1_0002.xy"]  # nothing written, nothing removed
    assert theirs.read_text() == "# my own pattern\n1 2\n"


def test_save_ascii_replaces_its_own_previous_files(result_1d, tmp_path: Path):
    from ewoks_xrpd.tasks.save import SaveAscii

    folder = tmp_path / "xy"
    first = SaveAscii(inputs={**result_1d, "output_folder": str(folder)}).execute()["xy_paths"]
    (folder / "keep.txt").write_text("mine")
    second = SaveAscii(inputs={**result_1d, "output_folder": str(folder), "start": 100}).execute()["xy_paths"]
    names = list_files(folder)
    assert names == sorted(["keep.txt"] + [Path(p).name for p in second])  # its own older frames replaced
    assert not set(map(lambda p: Path(p).name, first)) & set(names)


def test_save_ascii_with_a_file_as_folder_is_refused(result_1d, tmp_path: Path):
    from ewoks_xrpd.tasks.save import SaveAscii

    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(ValueError, match="is a file; give a folder"):
        SaveAscii(inputs={**result_1d, "output_folder": str(target)}).execute()
    assert target.read_text() == "x"


def test_plot_pattern_refuses_to_replace_a_png_it_did_not_write(result_1d, tmp_path: Path):
    from ewoks_xrpd.tasks.plot import PlotPattern

    theirs = tmp_path / "figure.png"
    theirs.write_bytes(b"\x89PNG\r\n\x1a\nsomeone's figure")
    with pytest.raises(ValueError, match=r"figure\.png.*was not written by ewoks_xrpd"):
        PlotPattern(inputs={**result_1d, "output_file": str(theirs)}).execute()
    assert theirs.read_bytes() == b"\x89PNG\r\n\x1a\nsomeone's figure"
    mine = PlotPattern(inputs={**result_1d, "output_file": str(tmp_path / "mine.png")}).execute()["png_path"]
    PlotPattern(inputs={**result_1d, "output_file": mine}).execute()  # its own plot is replaced


def test_demo_scan_never_replaces_real_data(tmp_path: Path):
    """overwrite=true (or a frame count that differs) regenerates only files the demo generator wrote."""
    from ewoks_xrpd.tasks.demo import GenerateDemoScan

    scan = tmp_path / "demo_scan.h5"
    with h5py.File(scan, "w") as f:
        f.attrs["creator"] = "bliss"
        f["1.1/measurement/pilatus"] = np.zeros((3, 4, 4), dtype=np.int32)
    (tmp_path / "demo_scan.poni").write_text("Distance: 0.1\n")
    (tmp_path / "demo_scan_mask.edf").write_bytes(b"{\nHeaderID = EH:000001:000000:000000 ;\n}\n")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    for inputs in ({"overwrite": True}, {"nframes": 2}):
        with pytest.raises(Exception, match="was not written by ewoks_xrpd"):
            GenerateDemoScan(inputs={"output_dir": str(tmp_path), **inputs}).execute()
        assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_demo_scan_regenerates_its_own_files(tmp_path: Path):
    from ewoks_xrpd.tasks.demo import GenerateDemoScan

    first = GenerateDemoScan(inputs={"output_dir": str(tmp_path), "nframes": 1}).execute()
    second = GenerateDemoScan(inputs={"output_dir": str(tmp_path), "nframes": 2, "overwrite": True}).execute()
    assert first["scan_file"] == second["scan_file"]
    with h5py.File(second["scan_file"], "r") as f:
        assert f["1.1/measurement/pilatus"].shape[0] == 2
