"""Every kind of output value comes back from both schemes as it went in."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from _persistence_support import assert_same

from ewoks_core.persistence import open_store
from ewoks_core.persistence.encoding import decode, encode
from ewoks_core.task.missing import MISSING

VALUES = {
    "none": None,
    "true": True,
    "false": False,
    "int": -7,
    "big_int": 2**70,
    "float": 1.25,
    "nan": math.nan,
    "inf": -math.inf,
    "complex": 1 + 2j,
    "str": "text",
    "unicode": "é ☃ 日本",
    "empty_str": "",
    "str_with_nul": "a\x00b",
    "bytes": b"\x00\xffabc",
    "empty_bytes": b"",
    "list": [1, "a", None, 2.5, [True]],
    "empty_list": [],
    "tuple": (1, "two", (3.0,)),
    "dict": {"a": {"b": [1, 2], "c": None}},
    "empty_dict": {},
    "int_keys": {1: "one", "two": 2},
    "odd_keys": {(1, "a"): 1, frozenset({2}): 2, None: 3, 1.5: 4},
    "tag_like_key": {"__ndarray__": 1},
    "set": {1, 2, 3},
    "path": Path("/tmp/some/file.edf"),
    "nested_arrays": {"x": np.arange(3), "y": [np.ones((2, 2), dtype=np.float32)]},
    "float64_2d": np.arange(12, dtype=np.float64).reshape(3, 4) / 7,
    "float32": np.linspace(0, 1, 5, dtype=np.float32),
    "float16": np.arange(4, dtype=np.float16),
    "big_endian": np.arange(4, dtype=">i4"),
    "uint8_3d": np.arange(24, dtype=np.uint8).reshape(2, 3, 4),
    "bool_array": np.array([True, False, True]),
    "complex_array": np.array([1 + 1j, 2 - 3j], dtype=np.complex64),
    "nan_array": np.array([1.0, np.nan, np.inf]),
    "zero_d": np.array(3.5),
    "empty_array": np.zeros((0, 3)),
    "fortran": np.asfortranarray(np.arange(6).reshape(2, 3)),
    "unicode_array": np.array(["a", "bcé", ""]),
    "bytes_array": np.array([b"ab", b"c"]),
    "structured": np.array([(1, 2.0), (3, 4.0)], dtype=[("a", "<i4"), ("b", "<f8")]),
    "datetime_array": np.array(["2024-01-01", "2024-02-03"], dtype="datetime64[D]"),
    "object_array": np.array([1, "a", None], dtype=object),
}

# numpy scalars come back as Python scalars
SCALARS = {
    "np_float64": (np.float64(2.5), 2.5),
    "np_float32": (np.float32(0.1), float(np.float32(0.1))),
    "np_int16": (np.int16(-3), -3),
    "np_uint64": (np.uint64(2**63 + 1), 2**63 + 1),
    "np_bool": (np.bool_(True), True),
    "np_complex": (np.complex128(1 - 1j), 1 - 1j),
    "np_str": (np.str_("s"), "s"),
    "np_bytes": (np.bytes_(b"b"), b"b"),
}


@pytest.mark.parametrize("name", list(VALUES))
def test_encoding_round_trip(name):
    encoded, complete = encode(VALUES[name])
    assert complete
    assert_same(decode(encoded), VALUES[name])


def test_all_values_round_trip_through_a_store(store):
    outputs = dict(VALUES)
    expected = dict(VALUES)
    for name, (value, back) in SCALARS.items():
        outputs[name] = value
        expected[name] = back
    outputs["missing"] = MISSING
    key = store.cache_key("task", {"x": 1})
    stored = store.save("wf", "node", key, outputs, task_identifier="pkg.Task", inputs={"x": 1})
    assert set(stored.output_uris) == set(expected)
    assert_same(store.load(stored.task_uri), expected)
    hit = open_store(store.config()).lookup("wf", "node", key)
    assert hit is not None
    assert_same(hit.outputs, expected)
    assert hit.task_uri == stored.task_uri
    assert hit.output_uris == stored.output_uris


@pytest.mark.parametrize("name", list(SCALARS))
def test_numpy_scalars_come_back_as_python_scalars(store, name):
    value, back = SCALARS[name]
    stored = store.save("wf", name, None, {"x": value})
    assert_same(store.load(stored.task_uri), {"x": back})


def test_large_array_round_trip(store):
    data = np.random.default_rng(0).normal(size=(256, 256))
    stored = store.save("wf", "big", None, {"image": data})
    assert_same(store.load(stored.task_uri)["image"], data)
