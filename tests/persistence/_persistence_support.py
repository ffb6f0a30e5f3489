"""Helpers of the persistence tests, including functions run in spawned worker processes."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import numpy as np

from ewoks_core.persistence import open_store


def node_outputs(worker: int, index: int) -> Dict[str, Any]:
    """Deterministic outputs of one node saved by a worker."""
    return {"image": np.full((8, 8), worker * 100 + index, dtype=np.int32), "label": f"w{worker}-n{index}",
            "meta": {"worker": worker, "index": index}}


def save_nodes(config: dict, workflow_id: str, worker: int, count: int) -> List[str]:
    """Save `count` node results from one process; return their task URIs."""
    store = open_store(config)
    uris = []
    for index in range(count):
        node_id = f"sub/w{worker}-n{index}"
        key = store.cache_key("test:node", {"worker": worker, "index": index})
        stored = store.save(workflow_id, node_id, key, node_outputs(worker, index), task_identifier="test:node",
                            inputs={"worker": worker, "index": index})
        uris.append(stored.task_uri)
    return uris


def lookup_in_process(config: dict, key: str) -> Optional[Dict[str, Any]]:
    """Look a key up in a fresh store of another process; return (outputs, task_uri) or None."""
    hit = open_store(config).lookup("other-workflow", "other-node", key)
    return None if hit is None else {"outputs": hit.outputs, "task_uri": hit.task_uri}


def key_in_process(identity: str, inputs: Dict[Any, Any]) -> Optional[str]:
    """The cache key computed in another process."""
    return open_store({"root_uri": "unused", "scheme": "json"}).cache_key(identity, inputs)


def assert_same(actual: Any, expected: Any, path: str = "value") -> None:
    """Deep equality that also checks types, array dtypes and shapes (NaN equals NaN)."""
    if isinstance(expected, np.ndarray):
        assert isinstance(actual, np.ndarray), f"{path}: {type(actual)} is not an ndarray"
        assert actual.dtype == expected.dtype, f"{path}: dtype {actual.dtype} != {expected.dtype}"
        assert actual.shape == expected.shape, f"{path}: shape {actual.shape} != {expected.shape}"
        if expected.dtype.hasobject:
            for i, (a, e) in enumerate(zip(actual.ravel(), expected.ravel(), strict=True)):
                assert_same(a, e, f"{path}[{i}]")
        elif expected.dtype.kind in "fc":
            np.testing.assert_array_equal(actual, expected)
        else:
            assert actual.tobytes() == expected.tobytes(), f"{path}: data differ"
        return
    assert type(actual) is type(expected), f"{path}: {type(actual).__name__} != {type(expected).__name__}"
    if isinstance(expected, dict):
        assert list(actual) == list(expected), f"{path}: keys {list(actual)} != {list(expected)}"
        for key in expected:
            assert_same(actual[key], expected[key], f"{path}[{key!r}]")
    elif isinstance(expected, (list, tuple)):
        assert len(actual) == len(expected), f"{path}: length differs"
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_same(a, e, f"{path}[{i}]")
    elif isinstance(expected, float) and expected != expected:
        assert actual != actual, f"{path}: {actual} is not NaN"
    else:
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"
