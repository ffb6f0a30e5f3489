"""Result URIs and safe file/HDF5 names.

A task URI is ``<file>::<internal path>`` (the form ewoks and silx use), e.g.
``/data/results.h5::/wf/node`` or ``/data/root/wf/node.json``. The ewoks forms
``<file>?path=<internal path>`` and a ``file://`` prefix are also understood.
"""

from __future__ import annotations

import hashlib
import re
import sys
from typing import Any, Tuple

_UNSAFE = re.compile(r"[^A-Za-z0-9_.+-]")
_MAX_NAME = 100
JSON_SUFFIXES = (".json",)


def safe_name(name: Any) -> str:
    """A file- and HDF5-safe name for an id; unsafe ids get a short hash suffix so distinct ids stay distinct."""
    text = str(name)
    cleaned = _UNSAFE.sub("_", text)
    if cleaned == text and text and not text.startswith(".") and len(text) <= _MAX_NAME:
        return text
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    cleaned = cleaned.lstrip(".")[:80] or "id"
    return f"{cleaned}-{digest}"


def is_safe_name(name: Any) -> bool:
    """True when `name` is a name safe_name() could have produced (used to validate index entries)."""
    return isinstance(name, str) and bool(name) and safe_name(name) == name


def split_uri(uri: str) -> Tuple[str, str]:
    """Split a URI into (file path, internal path); the internal path is '' when there is none."""
    text = str(uri)
    if text.startswith("file://"):
        text = text[len("file://"):]
    if "::" in text:
        path, _, internal = text.partition("::")
    elif "?path=" in text:
        path, _, internal = text.partition("?path=")
    else:
        path, internal = text, ""
    return path, internal


def join_uri(path: str, internal: str = "") -> str:
    """The URI of `internal` (an HDF5 or JSON path) inside the file `path`."""
    return f"{path}::{internal}" if internal else str(path)


def is_json_uri(uri: str) -> bool:
    """True when the URI points into a JSON result file."""
    path, _ = split_uri(uri)
    return path.lower().endswith(JSON_SUFFIXES)


def json_pointer_token(name: str) -> str:
    """Escape a name for use as one token of a JSON pointer (RFC 6901)."""
    return str(name).replace("~", "~0").replace("/", "~1")


def is_missing(value: Any) -> bool:
    """True for ewoks_core's MISSING sentinel (without importing the task layer)."""
    module = sys.modules.get("ewoks_core.task.missing")
    return module is not None and value is getattr(module, "MISSING", None)
