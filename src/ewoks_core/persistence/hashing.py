"""Content hashes of task inputs, for cached re-execution.

The hash is a SHA-256 over a canonical, self-delimiting byte stream of the
value, so it is stable across processes, runs and platforms (no id(), no
Python hash randomization, no pickle). Deliberate normalizations, chosen so a
value that went through a result store hashes like the original:

- numpy scalars hash like the equivalent Python scalar (``np.float64(1.5) == 1.5``);
- tuples hash like lists; dict entry order and set order do not matter.

Arrays hash their dtype, shape and raw bytes. Other objects hash by content
(dataclasses, pydantic models, enums, module-level functions and classes by
name, anything else through its ``__reduce_ex__`` state). A value that cannot
be hashed by content (lambdas, locks, open files, cycles...) makes the inputs
not cacheable: ``cache_key`` returns None.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import pathlib
import sys
import types
from typing import Any, Mapping, Optional

from .uris import is_missing

HASH_VERSION = b"ewoks_core-cache-v1"
_MAX_DEPTH = 200
_SCALAR_KINDS = "biufcUS"


class Unhashable(Exception):
    """Raised internally when a value cannot be hashed by content."""


def cache_key(task_identity: str, inputs: Optional[Mapping[Any, Any]]) -> Optional[str]:
    """Hex SHA-256 of a task identity and its inputs, or None when some input cannot be hashed by content."""
    try:
        h = hashlib.sha256(HASH_VERSION)
        _feed(h, str(task_identity), 0, set())
        _feed(h, dict(inputs or {}), 0, set())
    except Exception:  # Unhashable, RecursionError, or an object failing while being inspected
        return None
    return h.hexdigest()


def value_digest(value: Any) -> Optional[bytes]:
    """The SHA-256 digest of one value, or None when it cannot be hashed by content."""
    try:
        return _digest(value, 0, set())
    except Exception:
        return None


def _digest(value: Any, depth: int, stack: set) -> bytes:
    h = hashlib.sha256()
    _feed(h, value, depth, stack)
    return h.digest()


def _leaf(h: Any, tag: bytes, payload: bytes) -> None:
    h.update(tag + len(payload).to_bytes(8, "little") + payload)


def _text(value: str) -> bytes:
    return value.encode("utf-8", "surrogatepass")


def _feed(h: Any, value: Any, depth: int, stack: set) -> None:
    if depth > _MAX_DEPTH:
        raise Unhashable("nested too deeply")
    np = sys.modules.get("numpy")
    if value is None:
        _leaf(h, b"N", b"")
    elif is_missing(value):
        _leaf(h, b"M", b"")
    elif isinstance(value, enum.Enum):
        _feed_global(h, type(value))
        _feed(h, value.value, depth + 1, stack)
    elif np is not None and isinstance(value, np.generic):
        _feed_numpy_scalar(h, value, np, depth, stack)
    elif isinstance(value, bool):
        _leaf(h, b"B", b"1" if value else b"0")
    elif isinstance(value, int):
        _leaf(h, b"I", str(int(value)).encode())
    elif isinstance(value, float):
        _leaf(h, b"F", repr(float(value)).encode())
    elif isinstance(value, complex):
        _leaf(h, b"C", repr(complex(value)).encode())
    elif isinstance(value, str):
        _leaf(h, b"S", _text(value))
    elif isinstance(value, (bytes, bytearray, memoryview)):
        _leaf(h, b"Y", bytes(value))
    elif np is not None and type(value) is np.ndarray:
        _feed_array(h, value, np, depth, stack)
    elif isinstance(value, pathlib.PurePath):
        _leaf(h, b"P", _text(str(value)))
    else:
        _feed_container(h, value, depth, stack)


def _feed_container(h: Any, value: Any, depth: int, stack: set) -> None:
    if id(value) in stack:
        raise Unhashable("reference cycle")
    stack.add(id(value))
    try:
        if isinstance(value, Mapping):
            entries = sorted(
                _digest(k, depth + 1, stack) + _digest(v, depth + 1, stack) for k, v in value.items()
            )
            _leaf(h, b"D", b"".join(entries))
        elif isinstance(value, (list, tuple)):
            h.update(b"L" + len(value).to_bytes(8, "little"))
            for item in value:
                _feed(h, item, depth + 1, stack)
        elif isinstance(value, (set, frozenset)):
            _leaf(h, b"T", b"".join(sorted(_digest(v, depth + 1, stack) for v in value)))
        else:
            _feed_object(h, value, depth, stack)
    finally:
        stack.discard(id(value))


def _feed_numpy_scalar(h: Any, value: Any, np: Any, depth: int, stack: set) -> None:
    if value.dtype.kind in _SCALAR_KINDS:
        _feed(h, value.item(), depth + 1, stack)
    else:
        _feed_array(h, np.asarray(value), np, depth, stack)


def _feed_array(h: Any, value: Any, np: Any, depth: int, stack: set) -> None:
    descr = np.lib.format.dtype_to_descr(value.dtype) if not value.dtype.hasobject else "object"
    _leaf(h, b"A", _text(repr((descr, tuple(value.shape)))))
    if value.dtype.hasobject:
        if value.dtype.names:
            raise Unhashable("structured array with object fields")
        for item in value.ravel(order="C"):
            _feed(h, item, depth + 1, stack)
        return
    data = np.ascontiguousarray(value)
    _leaf(h, b"R", data.reshape(-1).view(np.uint8).tobytes() if data.size else b"")


def _feed_global(h: Any, obj: Any) -> None:
    module = getattr(obj, "__module__", None) or ""
    qualname = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if not qualname or "<" in qualname or "<" in module:
        raise Unhashable(f"{obj!r} has no importable name")
    _leaf(h, b"G", _text(f"{module}:{qualname}"))


def _feed_object(h: Any, value: Any, depth: int, stack: set) -> None:
    if _is_global(value):
        _feed_global(h, value)
    elif dataclasses.is_dataclass(value):
        _feed_global(h, type(value))
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        _feed(h, fields, depth + 1, stack)
    elif callable(getattr(value, "model_dump", None)) and hasattr(type(value), "model_fields"):
        _feed_global(h, type(value))
        _feed(h, value.model_dump(), depth + 1, stack)
    else:
        _feed_reduced(h, value, depth, stack)


def _is_global(value: Any) -> bool:
    """Classes, module-level functions and builtins: hashed by their importable name."""
    if isinstance(value, type):
        return True
    if isinstance(value, (types.FunctionType, types.BuiltinFunctionType)):
        owner = getattr(value, "__self__", None)
        return owner is None or isinstance(owner, types.ModuleType)
    return False


def _feed_reduced(h: Any, value: Any, depth: int, stack: set) -> None:
    """Hash an arbitrary object through the pickle reduce protocol (without pickling)."""
    try:
        reduced = value.__reduce_ex__(4)
    except Exception as exc:
        raise Unhashable(f"{type(value).__name__} cannot be reduced") from exc
    if isinstance(reduced, str):
        _leaf(h, b"G", _text(f"{getattr(value, '__module__', '')}:{reduced}"))
        return
    if not isinstance(reduced, tuple) or len(reduced) < 2:
        raise Unhashable(f"unexpected reduce value for {type(value).__name__}")
    parts = list(reduced[:5]) + [None] * (5 - len(reduced[:5]))
    func, args, state, listitems, dictitems = parts
    _leaf(h, b"O", b"")
    _feed_global(h, func)
    _feed(h, list(args), depth + 1, stack)
    _feed(h, state, depth + 1, stack)
    _feed(h, list(listitems) if listitems is not None else None, depth + 1, stack)
    _feed(h, dict(dictitems) if dictitems is not None else None, depth + 1, stack)
