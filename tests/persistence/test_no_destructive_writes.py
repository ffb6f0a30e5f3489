"""The result stores replace only what ewoks_core wrote, and say what to do instead (issue 10, point 1)."""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import pytest

from ewoks_core.errors import EwoksError
from ewoks_core.persistence import open_store
from ewoks_core.persistence.overwrite import check_replaceable, creator_of, png_metadata, text_marker


def test_json_store_refuses_to_replace_a_file_it_did_not_write(tmp_path: Path):
    store = open_store({"root_uri": str(tmp_path / "root"), "scheme": "json"})
    theirs = tmp_path / "root" / "wf" / "node.json"
    theirs.parent.mkdir(parents=True)
    theirs.write_text('{"my": "notes"}')
    with pytest.raises(EwoksError, match=r"node\.json.*was not written by ewoks_core.*[Cc]hoose another"):
        store.save("wf", "node", None, {"x": 1})
    assert theirs.read_text() == '{"my": "notes"}'
    assert [p.name for p in theirs.parent.iterdir()] == ["node.json"]  # no temporary file left


def test_json_store_replaces_its_own_results(tmp_path: Path):
    store = open_store({"root_uri": str(tmp_path / "root"), "scheme": "json"})
    first = store.save("wf", "node", None, {"x": 1})
    assert json.loads(Path(first.task_uri).read_text())["creator"] == "ewoks_core"
    store.save("wf", "node", None, {"x": 2})
    assert store.load(first.task_uri) == {"x": 2}


def test_json_store_recognises_results_of_earlier_versions(tmp_path: Path):
    """Files written before the 'creator' key existed start with the result format name."""
    store = open_store({"root_uri": str(tmp_path / "root"), "scheme": "json"})
    old = tmp_path / "root" / "wf" / "node.json"
    old.parent.mkdir(parents=True)
    old.write_text(json.dumps({"format": "ewoks_core.result", "version": 1, "outputs": {"x": 0}}, indent=1))
    store.save("wf", "node", None, {"x": 3})
    assert store.load(str(old)) == {"x": 3}


def test_nexus_store_refuses_a_main_file_it_did_not_write(tmp_path: Path):
    scan = tmp_path / "scan.h5"
    with h5py.File(scan, "w") as f:
        f.attrs["creator"] = "bliss"
        f["1.1/measurement/diode"] = [1, 2, 3]
    before = scan.read_bytes()
    store = open_store({"root_uri": str(scan)})
    with pytest.raises(EwoksError, match=r"scan\.h5.*was not written by ewoks_core"):
        store.save("wf", "node", None, {"x": 1})
    assert scan.read_bytes() == before


def test_nexus_store_refuses_a_node_file_it_did_not_write(tmp_path: Path):
    store = open_store({"root_uri": str(tmp_path / "results.h5")})
    theirs = tmp_path / "results_data" / "wf" / "node.h5"
    theirs.parent.mkdir(parents=True)
    with h5py.File(theirs, "w") as f:
        f["data"] = [1, 2]
    before = theirs.read_bytes()
    with pytest.raises(EwoksError, match=r"node\.h5.*was not written by ewoks_core"):
        store.save("wf", "node", None, {"x": 1})
    assert theirs.read_bytes() == before


def test_nexus_store_refuses_a_main_file_that_is_not_hdf5(tmp_path: Path):
    notes = tmp_path / "notes.h5"
    notes.write_text("my notes")
    with pytest.raises(EwoksError, match="was not written by ewoks_core"):
        open_store({"root_uri": str(notes)}).save("wf", "node", None, {"x": 1})
    assert notes.read_text() == "my notes" and not list(tmp_path.glob("notes.h5.*"))


def test_markers_are_read_from_the_content_not_the_name(tmp_path: Path):
    (tmp_path / "a.txt").write_text("# " + text_marker("ewoks_xrpd") + "\n1 2\n")
    (tmp_path / "b.txt").write_text("# ewoks_xrpd 1D integration\n1 2\n")  # mentions the name, no marker
    (tmp_path / "c.json").write_text('{\n "creator": "ewoks_core",\n "x": 1}')
    (tmp_path / "d.bin").write_bytes(b"\x00\x01creator: ewoks_core")
    assert creator_of(tmp_path / "a.txt") == "ewoks_xrpd"
    assert creator_of(tmp_path / "b.txt") is None
    assert creator_of(tmp_path / "c.json") == "ewoks_core"
    assert creator_of(tmp_path / "d.bin") is None
    assert creator_of(tmp_path / "missing") is None
    pytest.importorskip("matplotlib")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure()
    FigureCanvasAgg(fig)
    fig.savefig(tmp_path / "plot.png", format="png", metadata=png_metadata("ewoks_xas"))
    fig.savefig(tmp_path / "other.png", format="png")
    assert creator_of(tmp_path / "plot.png") == "ewoks_xas"
    assert creator_of(tmp_path / "other.png") is None


def test_check_replaceable_says_what_to_do(tmp_path: Path):
    (tmp_path / "folder").mkdir()
    with pytest.raises(ValueError, match="is a folder; give a file name"):
        check_replaceable(tmp_path / "folder", "ewoks_xrpd")
    (tmp_path / "raw.h5").write_bytes(b"x")
    with pytest.raises(ValueError, match="choose another file name, or move that file away first"):
        check_replaceable(tmp_path / "raw.h5", "ewoks_xrpd")
    check_replaceable(tmp_path / "new.h5", "ewoks_xrpd")  # nothing there: fine
