"""The json scheme: explicit encoding and crash safety."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from _persistence_support import assert_same

from ewoks_core.persistence import open_store


@pytest.fixture
def json_store(tmp_path):
    return open_store({"root_uri": str(tmp_path / "results")})


def test_file_is_plain_json_with_explicit_arrays(json_store):
    key = json_store.cache_key("pkg.Task", {"x": 1})
    stored = json_store.save("wf", "sub/a", key, {"y": np.arange(3, dtype=np.int16), "s": "x"},
                             task_identifier="pkg.Task", inputs={"x": 1, 0: np.zeros(2)})
    doc = json.loads(Path(stored.task_uri).read_text())
    assert doc["node_id"] == "sub/a" and doc["workflow_id"] == "wf"
    assert doc["task_identifier"] == "pkg.Task" and doc["cache_key"] == key
    array = doc["outputs"]["y"]["__ndarray__"]
    assert array["dtype"] == "<i2" and array["shape"] == [3] and isinstance(array["data"], str)
    assert doc["outputs"]["s"] == "x"
    assert Path(stored.task_uri).parent == json_store.root / "wf"
    assert (json_store.index_dir / key[:2] / f"{key}.json").is_file()


def test_large_input_arrays_are_summarized(json_store):
    stored = json_store.save("wf", "n", None, {"y": 1}, inputs={"image": np.zeros((512, 512))})
    doc = json.loads(Path(stored.task_uri).read_text())
    assert doc["inputs"]["image"] == {"__ndarray_summary__": {"dtype": "float64", "shape": [512, 512]}}


def test_crash_while_writing_keeps_the_previous_result(json_store, monkeypatch):
    key = json_store.cache_key("t", {"x": 1})
    stored = json_store.save("wf", "node", key, {"y": np.arange(3)})
    before = Path(stored.task_uri).read_bytes()
    original_write_text = Path.write_text

    def half_write(self, data, *args, **kwargs):
        original_write_text(self, data[: len(data) // 2], *args, **kwargs)
        raise OSError("simulated disk full")

    monkeypatch.setattr(Path, "write_text", half_write)
    with pytest.raises(OSError, match="simulated"):
        json_store.save("wf", "node", json_store.cache_key("t", {"x": 2}), {"y": np.arange(100)})
    monkeypatch.undo()
    assert Path(stored.task_uri).read_bytes() == before
    assert not list(json_store.root.rglob("*.tmp"))
    assert_same(json_store.lookup("wf", "node", key).outputs, {"y": np.arange(3)})
