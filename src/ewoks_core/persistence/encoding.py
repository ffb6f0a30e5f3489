"""Explicit JSON encoding of result values, decoded back to the same Python/numpy values.

Plain JSON types are kept as they are. Everything else becomes a one-key dict
whose key is a tag::

    {"__ndarray__": {"dtype": "<f8", "shape": [2, 3], "data": "<base64>"}}
    {"__ndarray__": {"dtype": "object", "shape": [2], "items": [...]}}
    {"__npscalar__": <encoded 0-d array>}      numpy scalars that are not numbers/strings
    {"__float__": "nan" | "inf" | "-inf"}      {"__complex__": [re, im]}
    {"__bytes__": "<base64>"}    {"__tuple__": [...]}    {"__set__": [...]}
    {"__path__": "str"}          {"__missing__": true}
    {"__dict__": [[key, value], ...]}            dicts with non-str keys or a key that is a tag
    {"__repr__": "repr(value)"}                  values that cannot be encoded (decoded as the repr string)

Numpy scalars of numeric, bool and string kinds become Python scalars.
"""

from __future__ import annotations

import base64
import math
import pathlib
import sys
from typing import Any, Optional, Tuple

from .uris import is_missing

TAGS = frozenset({"__ndarray__", "__npscalar__", "__float__", "__complex__", "__bytes__", "__tuple__",
                  "__set__", "__path__", "__missing__", "__dict__", "__repr__", "__ndarray_summary__"})
_SCALAR_KINDS = "biufcUS"


class _Encoder:
    def __init__(self, summarize_arrays_over: Optional[int], exact_scalars: bool = False) -> None:
        self.summarize_arrays_over = summarize_arrays_over
        self.exact_scalars = exact_scalars
        self.complete = True

    def encode(self, value: Any) -> Any:
        np = sys.modules.get("numpy")
        if value is None or isinstance(value, (bool, str)):
            return value
        if np is not None and isinstance(value, np.generic):
            return self._numpy_scalar(value, np)
        if isinstance(value, int):
            return int(value)
        if isinstance(value, float):
            value = float(value)
            if math.isfinite(value):
                return value
            return {"__float__": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}
        if isinstance(value, complex):
            return {"__complex__": [self.encode(value.real), self.encode(value.imag)]}
        if isinstance(value, (bytes, bytearray)):
            return {"__bytes__": base64.b64encode(bytes(value)).decode("ascii")}
        if np is not None and isinstance(value, np.ndarray):
            return self._array(value, np)
        if isinstance(value, dict):
            return self._dict(value)
        if isinstance(value, list):
            return [self.encode(v) for v in value]
        if isinstance(value, tuple):
            return {"__tuple__": [self.encode(v) for v in value]}
        if isinstance(value, (set, frozenset)):
            return {"__set__": [self.encode(v) for v in value]}
        if isinstance(value, pathlib.PurePath):
            return {"__path__": str(value)}
        if is_missing(value):
            return {"__missing__": True}
        self.complete = False
        try:
            text = repr(value)
        except Exception:
            text = f"<{type(value).__module__}.{type(value).__qualname__}>"
        return {"__repr__": text}

    def _dict(self, value: dict) -> Any:
        keys = list(value)
        if all(isinstance(k, str) for k in keys) and not (len(keys) == 1 and keys[0] in TAGS):
            return {k: self.encode(v) for k, v in value.items()}
        return {"__dict__": [[self.encode(k), self.encode(v)] for k, v in value.items()]}

    def _numpy_scalar(self, value: Any, np: Any) -> Any:
        if value.dtype.kind in _SCALAR_KINDS and not self.exact_scalars:
            return self.encode(value.item())
        return {"__npscalar__": self._array(np.asarray(value), np)}

    def _array(self, value: Any, np: Any) -> Any:
        shape = list(value.shape)
        if self.summarize_arrays_over is not None and value.nbytes > self.summarize_arrays_over:
            return {"__ndarray_summary__": {"dtype": str(value.dtype), "shape": shape}}
        if type(value) is not np.ndarray:  # e.g. a masked array: only its data can be stored
            self.complete = False
            value = np.asarray(value)
        if value.dtype.hasobject:
            if value.dtype.names:
                self.complete = False
                return {"__repr__": repr(value)}
            items = [self.encode(v) for v in value.ravel(order="C")]
            return {"__ndarray__": {"dtype": "object", "shape": shape, "items": items}}
        data = np.ascontiguousarray(value).tobytes()
        descr = np.lib.format.dtype_to_descr(value.dtype)
        return {"__ndarray__": {"dtype": descr, "shape": shape,
                                "data": base64.b64encode(data).decode("ascii")}}


def encode(value: Any, summarize_arrays_over: Optional[int] = None,
           exact_scalars: bool = False) -> Tuple[Any, bool]:
    """(JSON-compatible encoding of value, complete). complete is False when something was stored as a repr.

    With summarize_arrays_over, arrays larger than that many bytes are replaced by
    their dtype and shape (used for provenance records of inputs, not for results).
    Numpy scalars become plain JSON numbers (readable files), or, with exact_scalars, keep
    their numpy type (values sent between processes come back as they were).
    """
    encoder = _Encoder(summarize_arrays_over, exact_scalars)
    return encoder.encode(value), encoder.complete


def decode(obj: Any) -> Any:
    """Inverse of encode()."""
    if isinstance(obj, list):
        return [decode(v) for v in obj]
    if not isinstance(obj, dict):
        return obj
    if len(obj) == 1:
        tag, content = next(iter(obj.items()))
        if tag in TAGS and tag != "__ndarray_summary__":
            return _decode_tagged(tag, content)
    return {k: decode(v) for k, v in obj.items()}


def _decode_tagged(tag: str, content: Any) -> Any:
    if tag == "__ndarray__":
        return _decode_array(content)
    if tag == "__npscalar__":
        return decode(content)[()]
    if tag == "__float__":
        return float(content)
    if tag == "__complex__":
        return complex(decode(content[0]), decode(content[1]))
    if tag == "__bytes__":
        return base64.b64decode(content)
    if tag == "__tuple__":
        return tuple(decode(v) for v in content)
    if tag == "__set__":
        return {decode(v) for v in content}
    if tag == "__path__":
        return pathlib.Path(content)
    if tag == "__missing__":
        from ..task.missing import MISSING

        return MISSING
    if tag == "__dict__":
        return {_hashable(decode(k)): decode(v) for k, v in content}
    return str(content)  # __repr__


def _hashable(key: Any) -> Any:
    if isinstance(key, list):
        return tuple(_hashable(k) for k in key)
    return frozenset(key) if isinstance(key, set) else key


def _decode_array(content: dict) -> Any:
    import numpy as np

    shape = tuple(content["shape"])
    if content["dtype"] == "object":
        items = [decode(v) for v in content["items"]]
        array = np.empty(len(items), dtype=object)
        for index, item in enumerate(items):
            array[index] = item
        return array.reshape(shape)
    dtype = np.lib.format.descr_to_dtype(content["dtype"])
    data = base64.b64decode(content["data"])
    if dtype.itemsize == 0:
        return np.empty(shape, dtype=dtype)
    return np.frombuffer(data, dtype=dtype).reshape(shape).copy()

