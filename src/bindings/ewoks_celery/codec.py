"""What crosses the wire: plain JSON, with non-JSON values (numpy arrays, tuples, bytes, ...) tagged explicitly.

The tags are those of ewoks_core.persistence.encoding, so values round-trip exactly
(dtype and shape of arrays, tuples stay tuples, non-string dict keys). A value that
has no explicit encoding is refused with an error naming where it is, instead of
being pickled or silently turned into its repr.
"""

from __future__ import annotations

from typing import Any

from ewoks_core.errors import EwoksError
from ewoks_core.persistence.encoding import decode as _decode
from ewoks_core.persistence.encoding import encode as _encode


class EncodingError(EwoksError):
    """A value cannot be sent to or from a worker."""


def encode(value: Any, what: str = "value") -> Any:
    """JSON-compatible form of `value`; raises EncodingError naming the first value without an encoding."""
    encoded, complete = _encode(value, exact_scalars=True)
    if not complete:
        path, bad = _find_bad(value, what)
        raise EncodingError(f"{path} of type {type(bad).__module__}.{type(bad).__qualname__} cannot be sent "
                            "between client and worker (only JSON values, numpy arrays and scalars, tuples, sets, "
                            "bytes and paths are encoded)",
                            hint="Pass a file path or URI to the data instead, or convert it to a supported type.")
    return encoded


def decode(obj: Any) -> Any:
    """Inverse of encode()."""
    return _decode(obj)


def _find_bad(value: Any, path: str) -> tuple:
    """(path, value) of the first value that cannot be encoded."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not _encode(key)[1]:
                return f"{path} key {key!r}", key
            if not _encode(item)[1]:
                return _find_bad(item, f"{path}[{key!r}]")
    elif isinstance(value, (list, tuple, set, frozenset)):
        for index, item in enumerate(value):
            if not _encode(item)[1]:
                return _find_bad(item, f"{path}[{index}]")
    return path, value
