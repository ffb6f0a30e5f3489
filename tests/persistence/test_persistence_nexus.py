"""The nexus scheme: layout readable by plain h5py, concurrency and crash safety."""

from __future__ import annotations

import threading
from pathlib import Path

import h5py
import numpy as np
import pytest
from _persistence_support import assert_same, node_outputs, save_nodes

from ewoks_core.persistence import ResultReadError, nexus_store, open_store


@pytest.fixture
def nexus(tmp_path):
    return open_store({"root_uri": str(tmp_path / "results.h5")})


def _tmp_files(folder: Path):
    return [p for p in folder.rglob("*.tmp")]


def test_layout_is_plain_nexus(nexus):
    key = nexus.cache_key("pkg.Task", {"x": 1})
    stored = nexus.save("wf 1", "sub/a", key, {"image": np.eye(3), "label": "ok", "info": {"a": [1, 2]},
                                               "n": 3}, task_identifier="pkg.Task", inputs={"x": 1})
    main, path = stored.task_uri.split("::")
    assert main == str(nexus.root)
    entry_name, process_name = path.strip("/").split("/")
    assert entry_name.startswith("wf_1-") and process_name.startswith("sub_a-")
    with h5py.File(main, "r") as f:
        assert f.attrs["NX_class"] == "NXroot"
        link = f[entry_name].get(process_name, getlink=True)
        assert isinstance(link, h5py.ExternalLink) and not Path(link.filename).is_absolute()
        assert f[entry_name].attrs["NX_class"] == "NXentry"
        assert f[entry_name].attrs["workflow_id"] == "wf 1"
        process = f[path]  # follows the external link
        assert process.attrs["NX_class"] == "NXprocess"
        assert process.attrs["node_id"] == "sub/a"
        assert process.attrs["task_identifier"] == "pkg.Task"
        assert process.attrs["cache_key"] == key
        assert process.attrs["date"]
        results = process["results"]
        assert results.attrs["NX_class"] == "NXcollection"
        np.testing.assert_array_equal(results["image"][()], np.eye(3))
        assert results["label"].asstr()[()] == "ok"
        assert results["n"][()] == 3
        assert results["info"].attrs["ewoks_type"] == "json"
        assert process["configuration"].attrs["NX_class"] == "NXnote"
    for uri in stored.output_uris.values():
        file_name, dataset = uri.split("::")
        with h5py.File(file_name, "r") as f:
            assert isinstance(f[dataset], h5py.Dataset)


def test_links_resolve_from_another_working_directory(nexus, tmp_path, monkeypatch):
    stored = nexus.save("wf", "node", None, {"y": np.arange(5)})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    with h5py.File(nexus.root, "r") as f:
        np.testing.assert_array_equal(f["/wf/node/results/y"][()], np.arange(5))
    assert_same(nexus.load(stored.task_uri), {"y": np.arange(5)})


def test_readable_with_silx(nexus):
    silx_io = pytest.importorskip("silx.io")
    nexus.save("wf", "node", None, {"y": np.arange(5), "s": "text"})
    with silx_io.open(str(nexus.root)) as f:
        np.testing.assert_array_equal(f["/wf/node/results/y"][()], np.arange(5))


def test_concurrent_saves_from_processes(nexus, spawn_pool):
    workers, count = 4, 6
    config = nexus.config()
    jobs = [spawn_pool.apply_async(save_nodes, (config, "wf", worker, count)) for worker in range(workers)]
    uris = [uri for job in jobs for uri in job.get(timeout=120)]
    assert len(set(uris)) == workers * count
    with h5py.File(nexus.root, "r") as f:
        entry = f["wf"]
        assert len(entry) == workers * count
        for worker in range(workers):
            for index in range(count):
                name = uris[worker * count + index].split("::")[1].split("/")[-1]
                expected = node_outputs(worker, index)
                np.testing.assert_array_equal(entry[name]["results"]["image"][()], expected["image"])
                assert entry[name].attrs["node_id"] == f"sub/w{worker}-n{index}"
    for worker in range(workers):
        for index in range(count):
            key = nexus.cache_key("test:node", {"worker": worker, "index": index})
            assert_same(nexus.lookup("x", "y", key).outputs, node_outputs(worker, index))
    assert not _tmp_files(nexus.root.parent)


def test_concurrent_saves_from_threads(nexus):
    errors = []

    def work(worker: int) -> None:
        try:
            save_nodes(nexus.config(), "wf", worker, 5)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    with h5py.File(nexus.root, "r") as f:
        assert len(f["wf"]) == 20


def test_crash_while_writing_outputs_leaves_nothing_half_written(nexus, monkeypatch):
    key = nexus.cache_key("t", {"x": 1})
    first = nexus.save("wf", "node", key, {"a": np.arange(3), "b": "old"})
    main_before = nexus.root.read_bytes()
    node_before = nexus.node_file("wf", "node").read_bytes()
    calls = []
    original = nexus_store.write_value

    def crash_after_first(*args, **kwargs):
        calls.append(args[1])
        if args[1] == "b":  # after writing "a"
            raise RuntimeError("simulated crash")
        return original(*args, **kwargs)

    monkeypatch.setattr(nexus_store, "write_value", crash_after_first)
    with pytest.raises(RuntimeError, match="simulated crash"):
        nexus.save("wf", "node", nexus.cache_key("t", {"x": 2}), {"a": np.arange(9), "b": "new"})
    with pytest.raises(RuntimeError, match="simulated crash"):
        nexus.save("wf", "other", None, {"a": np.arange(9), "b": "new"})
    assert calls == ["a", "b", "a", "b"]
    assert nexus.root.read_bytes() == main_before
    assert nexus.node_file("wf", "node").read_bytes() == node_before
    assert not nexus.node_file("wf", "other").exists()
    assert not _tmp_files(nexus.root.parent)
    assert_same(nexus.lookup("wf", "node", key).outputs, {"a": np.arange(3), "b": "old"})
    assert_same(nexus.load(first.task_uri), {"a": np.arange(3), "b": "old"})


def test_crash_while_linking_keeps_the_main_file_and_heals(nexus, monkeypatch):
    nexus.save("wf", "first", None, {"a": 1})
    main_before = nexus.root.read_bytes()

    def crash(*args, **kwargs):
        raise RuntimeError("simulated crash")

    with monkeypatch.context() as patch:
        patch.setattr(nexus_store, "set_link", crash)
        with pytest.raises(RuntimeError, match="simulated crash"):
            nexus.save("wf", "second", nexus.cache_key("t", {}), {"a": 2})
    assert nexus.root.read_bytes() == main_before
    assert not _tmp_files(nexus.root.parent)
    assert nexus.lookup("wf", "second", nexus.cache_key("t", {})) is None  # not indexed: re-run
    nexus.save("wf", "third", None, {"a": 3})  # the next save links the orphaned complete result too
    with h5py.File(nexus.root, "r") as f:
        assert sorted(f["wf"]) == ["first", "second", "third"]
        assert f["wf/second/results/a"][()] == 2


def test_corrupt_main_file_is_rebuilt_and_kept_aside(nexus):
    nexus.save("wf1", "a", None, {"v": 1})
    nexus.save("wf2", "b", None, {"v": 2})
    truncated = nexus.root.read_bytes()[:4096]  # a main file of ours, cut short (disk full while copying it)
    nexus.root.write_bytes(truncated)
    nexus.save("wf2", "c", None, {"v": 3})
    with h5py.File(nexus.root, "r") as f:
        assert f["wf1/a/results/v"][()] == 1
        assert f["wf2/b/results/v"][()] == 2
        assert f["wf2/c/results/v"][()] == 3
    backups = list(nexus.root.parent.glob("results.h5.corrupt-*"))
    assert len(backups) == 1 and backups[0].read_bytes() == truncated


def test_load_accepts_ewoks_query_form(nexus):
    stored = nexus.save("wf", "node", None, {"v": 1})
    main, path = stored.task_uri.split("::")
    assert nexus.load(f"{main}?path={path}") == {"v": 1}
    with pytest.raises(ResultReadError, match="has no HDF5 path"):
        nexus.load(main)
