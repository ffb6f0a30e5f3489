"""Cache keys: content hashes of task identity + inputs."""

from __future__ import annotations

import dataclasses
import enum
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from _persistence_support import key_in_process

from ewoks_core.persistence.hashing import cache_key


@dataclasses.dataclass
class Point:
    x: float
    y: float


class Color(enum.Enum):
    RED = 1
    BLUE = 2


def module_function(x):
    return x


def make_inputs():
    """Fresh objects (no shared identity) with the same content each call."""
    return {
        "a": 1,
        "b": [1.5, "text", None, True, {"nested": (1, 2)}],
        0: np.arange(12, dtype=np.float64).reshape(3, 4),
        "bytes": b"\x00\x01",
        "point": Point(1.0, 2.0),
        "color": Color.RED,
        "func": module_function,
        "path": Path("/tmp/x"),
        "set": {"alpha", "beta", "gamma"},
    }


def test_equal_inputs_equal_keys():
    first, second = make_inputs(), make_inputs()
    reordered = dict(reversed(list(second.items())))
    assert cache_key("task", first) == cache_key("task", reordered)
    assert len(cache_key("task", first)) == 64


def _set(inputs, path, value):
    target = inputs
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value


@pytest.mark.parametrize(
    "path, value",
    [
        (("a",), 2),
        (("a",), 1.0),
        (("a",), "1"),
        (("a",), True),
        (("b", 0), 1.5000000001),
        (("b", 1), "Text"),
        (("b", 2), 0),
        (("b", 4, "nested"), (1, 3)),
        (("bytes",), b"\x00\x02"),
        (("point",), Point(1.0, 2.5)),
        (("color",), Color.BLUE),
        (("func",), print),
        (("path",), Path("/tmp/y")),
        (("set",), {"alpha", "beta"}),
        ((0,), np.arange(12, dtype=np.float32).reshape(3, 4)),
        ((0,), np.arange(12, dtype=np.float64).reshape(4, 3)),
        ((0,), np.arange(12, dtype=np.float64)),
    ],
)
def test_any_change_changes_the_key(path, value):
    changed = make_inputs()
    _set(changed, path, value)
    assert cache_key("task", changed) != cache_key("task", make_inputs())


def test_one_array_element_changes_the_key():
    changed = make_inputs()
    changed[0][2, 3] = np.nextafter(changed[0][2, 3], np.inf)
    assert cache_key("task", changed) != cache_key("task", make_inputs())


def test_identity_and_key_kinds_matter():
    assert cache_key("task", {"x": 1}) != cache_key("other", {"x": 1})
    assert cache_key("task", {0: 1}) != cache_key("task", {"0": 1})
    assert cache_key("task", {"x": 1}) != cache_key("task", {"y": 1})
    assert cache_key("task", {}) == cache_key("task", None)


def test_values_that_come_back_from_a_store_hash_the_same():
    # numpy scalars come back as Python scalars and tuples may come back as lists
    assert cache_key("t", {"x": np.float64(1.5), "y": np.int32(3), "z": np.bool_(True)}) == \
        cache_key("t", {"x": 1.5, "y": 3, "z": True})
    assert cache_key("t", {"x": (1, 2)}) == cache_key("t", {"x": [1, 2]})


def test_array_layout_does_not_matter_but_mask_does():
    data = np.arange(6).reshape(2, 3)
    assert cache_key("t", {"x": data.T.copy()}) == cache_key("t", {"x": np.asfortranarray(data.T)})
    masked1 = np.ma.masked_array([1, 2, 3], mask=[0, 1, 0])
    masked2 = np.ma.masked_array([1, 2, 3], mask=[0, 0, 1])
    assert cache_key("t", {"x": masked1}) is not None
    assert cache_key("t", {"x": masked1}) != cache_key("t", {"x": masked2})


def _local_instance():
    class Local:
        pass

    return Local()


@pytest.mark.parametrize(
    "value",
    [lambda x: x, threading.Lock(), (i for i in range(3)), _local_instance()],
    ids=["lambda", "lock", "generator", "local-class"],
)
def test_values_without_content_identity_are_not_cacheable(value):
    assert cache_key("task", {"x": value}) is None


def test_reference_cycle_is_not_cacheable():
    cyclic = [1]
    cyclic.append(cyclic)
    assert cache_key("task", {"x": cyclic}) is None


def test_shared_but_acyclic_references_are_fine():
    shared = [1, 2]
    assert cache_key("task", {"x": [shared, shared]}) == cache_key("task", {"x": [[1, 2], [1, 2]]})


def test_objects_hash_by_content():
    import datetime
    from fractions import Fraction

    assert cache_key("t", {"x": Fraction(1, 3)}) == cache_key("t", {"x": Fraction(2, 6)})
    assert cache_key("t", {"x": Fraction(1, 3)}) != cache_key("t", {"x": Fraction(1, 4)})
    day = datetime.date(2024, 1, 2)
    assert cache_key("t", {"x": day}) == cache_key("t", {"x": datetime.date(2024, 1, 2)})
    assert cache_key("t", {"x": day}) != cache_key("t", {"x": datetime.date(2024, 1, 3)})


def test_key_is_pinned():
    """The key of fixed inputs never changes (a change silently invalidates every cache)."""
    inputs = {"a": 1, 0: [1.5, "s", None], "arr": np.arange(4, dtype="<i8"), "b": b"x"}
    assert cache_key("pkg.mod.Task", inputs) == PINNED_KEY


PINNED_KEY = "e2143c49e4afa1fbe868f697913293af1b306c8bce090f973cbb74e9cc24232d"


def test_key_is_stable_across_processes(spawn_pool):
    inputs = make_inputs()
    assert spawn_pool.apply(key_in_process, ("task", inputs)) == cache_key("task", inputs)


def test_key_does_not_depend_on_hash_randomization():
    script = (
        "from ewoks_core.persistence.hashing import cache_key;"
        "print(cache_key('t', {'s': {'a', 'b', 'c', 'd'}, 'f': frozenset({'x', 'y'}), 'd': {'k': 1, 'j': 2}}))"
    )
    keys = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
        keys.add(out.stdout.strip())
    assert len(keys) == 1
    assert keys.pop() != "None"
