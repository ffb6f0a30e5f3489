"""Write result values as HDF5 datasets and read them back (imports h5py: load lazily).

Every dataset written here has an ``ewoks_type`` attribute saying how to read it back:

- ``ndarray``: a numpy array (numeric, bool, bytes, compound); unicode arrays are
  stored as UTF-8 strings with a ``numpy_dtype`` attribute to restore the dtype;
- ``scalar``: a Python (or numpy) bool/int/float/complex, read back as a Python scalar;
- ``str``: a UTF-8 string; ``bytes``: raw bytes stored as a uint8 array;
- ``json``: anything else (dicts, lists, tuples, None, big ints, object or
  datetime arrays...) as a JSON string in the encoding of encoding.py.

``output_name`` keeps the original output name (dataset names are made HDF5-safe).
Datasets without ``ewoks_type`` (written by other tools) are read generically.
"""

from __future__ import annotations

import json
from typing import Any, Optional, Tuple

import h5py
import numpy as np

from .encoding import decode, encode

STR_DTYPE = h5py.string_dtype("utf-8")
_NATIVE_ARRAY_KINDS = "biufcSV"
_INT64 = (-(2**63), 2**63 - 1)


def write_value(group: h5py.Group, name: str, value: Any, original_name: Optional[str] = None) -> bool:
    """Write `value` as dataset `name` of `group`; False when part of it could only be stored as a repr."""
    native = _native(value)
    dataset = None
    complete = True
    if native is not None:
        kind, data, dtype, attrs = native
        try:
            dataset = group.create_dataset(name, data=data, dtype=dtype)
        except (TypeError, ValueError):
            if name in group:
                del group[name]
    if dataset is None:
        kind, attrs = "json", {}
        encoded, complete = encode(value)
        dataset = group.create_dataset(name, data=json_text(encoded), dtype=STR_DTYPE)
    dataset.attrs["ewoks_type"] = kind
    dataset.attrs["output_name"] = str(original_name if original_name is not None else name)
    for key, attr in attrs.items():
        dataset.attrs[key] = attr
    return complete


def json_text(encoded: Any) -> str:
    """JSON text storable in an HDF5 string (falls back to ASCII escapes for unencodable characters)."""
    text = json.dumps(encoded, allow_nan=False, ensure_ascii=False)
    try:
        text.encode("utf-8")
        if "\x00" not in text:
            return text
    except UnicodeEncodeError:
        pass
    return json.dumps(encoded, allow_nan=False, ensure_ascii=True)


def _native(value: Any) -> Optional[Tuple[str, Any, Any, dict]]:
    """(ewoks_type, data, dtype, attrs) to store `value` natively in HDF5, or None for JSON."""
    if isinstance(value, np.generic):
        if value.dtype.kind in "US":
            value = value.item()
        elif value.dtype.kind in "biufc":
            return "scalar", value, None, {}
        else:
            return None
    if isinstance(value, bool):
        return "scalar", np.bool_(value), None, {}
    if isinstance(value, int):
        return ("scalar", np.int64(value), None, {}) if _INT64[0] <= value <= _INT64[1] else None
    if isinstance(value, float):
        return "scalar", np.float64(value), None, {}
    if isinstance(value, complex):
        return "scalar", np.complex128(value), None, {}
    if isinstance(value, str):
        return ("str", value, STR_DTYPE, {}) if "\x00" not in value else None
    if isinstance(value, (bytes, bytearray)):
        return "bytes", np.frombuffer(bytes(value), dtype=np.uint8), None, {}
    if type(value) is np.ndarray:
        if value.dtype.kind in _NATIVE_ARRAY_KINDS and not value.dtype.hasobject:
            return "ndarray", value, None, {}
        if value.dtype.kind == "U":
            return "ndarray", value.astype(object), STR_DTYPE, {"numpy_dtype": value.dtype.str}
    return None


def read_value(dataset: h5py.Dataset) -> Any:
    """Read back a value written by write_value (or any dataset, generically)."""
    kind = _attr_str(dataset, "ewoks_type")
    if kind == "json":
        return decode(json.loads(dataset.asstr()[()]))
    if kind == "str":
        return dataset.asstr()[()]
    if kind == "bytes":
        return np.asarray(dataset[()], dtype=np.uint8).tobytes()
    if kind == "scalar":
        value = dataset[()]
        return value.item() if isinstance(value, np.generic) else value
    if kind == "ndarray":
        numpy_dtype = _attr_str(dataset, "numpy_dtype")
        if numpy_dtype:
            return np.array(dataset.asstr()[()], dtype=numpy_dtype)
        return np.asarray(dataset[()])
    if h5py.check_string_dtype(dataset.dtype) is not None:
        return dataset.asstr()[()]
    value = dataset[()]
    return value.item() if isinstance(value, np.generic) else value


def _attr_str(obj: Any, name: str) -> str:
    value = obj.attrs.get(name)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)
