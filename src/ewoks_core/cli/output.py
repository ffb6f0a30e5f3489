"""Printing results and tables for humans, JSON for programs."""

from __future__ import annotations

import json
from typing import Any

from ..nesting import capped
from ..texttable import text_table

MAX_INLINE_ELEMENTS = 20
MAX_LIST_ITEMS = 8  # longer lists of strings/objects are shortened (--json prints everything)


def summarize(value: Any) -> Any:
    """JSON-friendly view: small arrays inline, large ones as 'array(shape, dtype, min, max)'."""
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        if value.size <= MAX_INLINE_ELEMENTS:
            return value.tolist()
        try:
            return (f"array(shape={tuple(value.shape)}, dtype={value.dtype}, "
                    f"min={value.min():.6g}, max={value.max():.6g})")
        except (TypeError, ValueError):
            return f"array(shape={tuple(value.shape)}, dtype={value.dtype})"
    if isinstance(value, dict):
        return {str(k): summarize(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        if len(value) > MAX_LIST_ITEMS and not all(isinstance(v, (int, float)) for v in value):
            return [summarize(v) for v in value[:3]] + [f"... {len(value) - 4} more ..."] + [summarize(value[-1])]
        return [summarize(v) for v in value]
    if hasattr(value, "item") and type(value).__module__ == "numpy":
        return value.item()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return repr(value)


def full_json(value: Any) -> Any:
    """JSON-friendly view keeping every array element."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, dict):
        return {str(k): full_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [full_json(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return repr(value)


def print_results(results: Any, as_json: bool) -> None:
    """Print workflow results (JSON with --json, else a readable summary). Values nested deeper than
    the loader accepts (ewoks_core.nesting) are shown down to that depth, then as a marker."""
    results = capped(results)
    if as_json:
        print(json.dumps(full_json(results)))
    else:
        print(json.dumps(summarize(results), indent=2))


def table(rows: list, headers: list) -> str:
    """A plain aligned text table."""
    return text_table(headers, rows)
