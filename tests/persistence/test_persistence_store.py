"""open_store and the ResultStore contract, for both schemes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from _persistence_support import assert_same, lookup_in_process

from ewoks_core.errors import EwoksError, PersistenceError
from ewoks_core.persistence import load_outputs, open_store
from ewoks_core.task.missing import MISSING


@pytest.mark.parametrize("varinfo", [None, {}, {"scheme": "json"}, {"root_uri": None}, {"root_uri": ""}])
def test_no_root_uri_means_no_persistence(varinfo):
    assert open_store(varinfo) is None


@pytest.mark.parametrize(
    "root, scheme",
    [("out", "json"), ("out.json", "json"), ("a.h5", "nexus"), ("a.HDF5", "nexus"), ("a.nx", "nexus"),
     ("a.nxs", "nexus")],
)
def test_default_scheme_from_root_uri(tmp_path, root, scheme):
    assert open_store({"root_uri": str(tmp_path / root)}).scheme == scheme


def test_explicit_scheme_wins(tmp_path):
    assert open_store({"root_uri": str(tmp_path / "a.h5"), "scheme": "json"}).scheme == "json"
    assert open_store({"root_uri": str(tmp_path / "results"), "scheme": "NeXus"}).scheme == "nexus"


def test_unknown_scheme_is_a_clear_error(tmp_path):
    with pytest.raises(EwoksError) as info:
        open_store({"root_uri": str(tmp_path), "scheme": "nexsu"})
    message = str(info.value)
    assert "varinfo.scheme" in message and "'json'" in message and "'nexus'" in message
    assert "nexsu" in message and "Did you mean 'nexus'" in message


def test_nexus_root_must_not_be_a_folder(tmp_path):
    with pytest.raises(EwoksError, match="varinfo.root_uri"):
        open_store({"root_uri": str(tmp_path), "scheme": "nexus"})


def test_config_rebuilds_an_equivalent_store(store, tmp_path, monkeypatch):
    config = store.config()
    assert json.loads(json.dumps(config)) == config
    monkeypatch.chdir(tmp_path.parent)  # another working directory: the root is absolute
    assert open_store(config) == store


def test_save_then_lookup_in_a_new_store(store):
    key = store.cache_key("pkg.Task", {"x": np.arange(3), 0: "a"})
    assert key == open_store(store.config()).cache_key("pkg.Task", {"x": np.arange(3), 0: "a"})
    outputs = {"y": np.arange(3) * 2, "label": "done", "skipped": MISSING}
    stored = store.save("wf", "node", key, outputs, task_identifier="pkg.Task", inputs={"x": np.arange(3)})
    assert "skipped" not in stored.outputs and set(stored.output_uris) == {"y", "label"}
    fresh = open_store(store.config())
    hit = fresh.lookup("another-workflow", "another-node", key)
    assert hit is not None
    assert_same(hit.outputs, {"y": np.arange(3) * 2, "label": "done"})
    assert hit.task_uri == stored.task_uri
    assert fresh.lookup("wf", "node", store.cache_key("pkg.Task", {"x": np.arange(4), 0: "a"})) is None
    assert fresh.lookup("wf", "node", None) is None


def test_lookup_from_another_process(store, spawn_pool):
    key = store.cache_key("pkg.Task", {"x": 1})
    stored = store.save("wf", "node", key, {"y": np.ones(4)})
    found = spawn_pool.apply(lookup_in_process, (store.config(), key))
    assert found is not None and found["task_uri"] == stored.task_uri
    assert_same(found["outputs"], {"y": np.ones(4)})


def test_node_ids_with_slashes_are_kept_apart(store):
    first = store.save("wf/1", "sub/a", "k" * 64, {"v": 1})
    second = store.save("wf/1", "sub_a", "j" * 64, {"v": 2})
    assert first.task_uri != second.task_uri
    assert store.load(first.task_uri) == {"v": 1} and store.load(second.task_uri) == {"v": 2}
    assert store.lookup("x", "y", "k" * 64).outputs == {"v": 1}


def test_original_ids_are_recorded(store):
    from ewoks_core.persistence import read_result

    stored = store.save("my workflow", ("sub", "a"), None, {"v": 1}, task_identifier="pkg.mod.Task")
    record = read_result(stored.task_uri)
    assert record.meta["workflow_id"] == "my workflow"
    assert record.meta["node_id"] == "sub/a"
    assert record.meta["task_identifier"] == "pkg.mod.Task"


def test_resaving_a_node_invalidates_its_old_key(store):
    old = store.cache_key("t", {"x": 1})
    new = store.cache_key("t", {"x": 2})
    store.save("wf", "node", old, {"y": 1})
    store.save("wf", "node", new, {"y": 2})
    assert store.lookup("wf", "node", old) is None  # the file now holds the result of other inputs
    assert store.lookup("wf", "node", new).outputs == {"y": 2}


def test_save_without_key_is_not_indexed(store):
    stored = store.save("wf", "node", None, {"y": 1})
    assert load_outputs(stored.task_uri) == {"y": 1}
    assert not store.index_dir.exists() or not any(p.is_file() for p in store.index_dir.rglob("*"))


def test_unencodable_output_is_recorded_but_never_reused(store):
    key = store.cache_key("t", {"x": 1})
    stored = store.save("wf", "node", key, {"obj": threading.Lock(), "y": 1})
    loaded = store.load(stored.task_uri)
    assert loaded["y"] == 1 and "lock" in loaded["obj"]
    assert store.lookup("wf", "node", key) is None


def _result_file(store, task_uri: str) -> Path:
    if store.scheme == "json":
        return Path(task_uri)
    workflow, node = task_uri.split("::")[1].strip("/").split("/")
    return store.node_file(workflow, node)


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty", "delete"])
def test_damaged_result_file_means_rerun(store, damage):
    key = store.cache_key("t", {"x": 1})
    stored = store.save("wf", "node", key, {"y": np.arange(1000)})
    path = _result_file(store, stored.task_uri)
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":  # no mark of ewoks_core any more: looked up as a miss, never replaced
        path.write_bytes(b"\x89HDF garbage {" * 10)
        assert open_store(store.config()).lookup("wf", "node", key) is None
        with pytest.raises(PersistenceError, match="was not written by ewoks_core"):
            store.save("wf", "node", key, {"y": np.arange(1000)})
        assert path.read_bytes() == b"\x89HDF garbage {" * 10
        return
    elif damage == "empty":  # nothing to lose: replaced
        path.write_bytes(b"")
    else:
        path.unlink()
    assert open_store(store.config()).lookup("wf", "node", key) is None
    # re-running saves again and the cache works again
    store.save("wf", "node", key, {"y": np.arange(1000)})
    assert_same(store.lookup("wf", "node", key).outputs, {"y": np.arange(1000)})


@pytest.mark.parametrize("content", ["", "{", "[]", '{"key": "other"}', "not json"])
def test_damaged_index_entry_means_rerun(store, content):
    key = store.cache_key("t", {"x": 1})
    store.save("wf", "node", key, {"y": 1})
    store._index_path(key).write_text(content)
    assert store.lookup("wf", "node", key) is None


def test_index_entry_cannot_escape_the_root(store):
    key = store.cache_key("t", {"x": 1})
    store.save("wf", "node", key, {"y": 1})
    store._index_path(key).write_text(json.dumps({"key": key, "workflow": "..", "node": "../../etc/passwd"}))
    assert store.lookup("wf", "node", key) is None


def test_output_uris_point_at_the_outputs(store):
    stored = store.save("wf", "node", None, {"y": np.arange(3), "name": "x"})
    for name, uri in stored.output_uris.items():
        assert uri.startswith(stored.task_uri + "::" if store.scheme == "json" else stored.task_uri + "/")
        assert uri.endswith("/" + name)


def test_importing_does_not_import_h5py(tmp_path):
    script = (
        "import sys, ewoks_core.persistence as p;"
        f"s = p.open_store({{'root_uri': {str(tmp_path / 'r')!r}}});"
        "s.save('wf', 'n', s.cache_key('t', {'x': 1}), {'y': 1});"
        "assert 'h5py' not in sys.modules, 'h5py imported'"
    )
    subprocess.run([sys.executable, "-c", script], check=True, env={**os.environ})


def test_masked_array_output_is_recorded_but_never_reused(store):
    key = store.cache_key("t", {"x": 1})
    stored = store.save("wf", "node", key, {"m": np.ma.masked_array([1, 2], mask=[0, 1])})
    np.testing.assert_array_equal(store.load(stored.task_uri)["m"], [1, 2])
    assert store.lookup("wf", "node", key) is None


def test_result_files_get_the_usual_permissions(store):
    umask = os.umask(0o022)
    os.umask(umask)
    stored = store.save("wf", "node", store.cache_key("t", {}), {"y": 1})
    files = [p for p in store.root.parent.rglob("*") if p.is_file() and p.name != ".lock"]
    assert Path(stored.task_uri.split("::")[0]) in files and len(files) >= 2
    for path in files:
        assert path.stat().st_mode & 0o777 == 0o666 & ~umask, path


def test_load_of_a_missing_result_is_a_clear_error(store):
    from ewoks_core.persistence import ResultReadError

    stored = store.save("wf", "node", None, {"y": 1})
    _result_file(store, stored.task_uri).unlink()
    with pytest.raises(ResultReadError, match="cannot read the result at"):
        store.load(stored.task_uri)
