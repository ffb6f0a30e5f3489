"""copy_document: a fast deep copy of a workflow document, bounded in depth."""

from __future__ import annotations

import copy
from typing import Any

from ..nesting import MAX_NESTING

__all__ = ["copy_document", "NestedTooDeep"]

_IMMUTABLE = (str, int, float, bool, type(None))


class NestedTooDeep(Exception):
    """copy_document() met a list or mapping deeper than MAX_NESTING levels."""


def copy_document(obj: Any, _depth: int = 0) -> Any:
    """A deep copy of a workflow document: containers rebuilt, immutable leaves shared, anything
    else (numpy arrays, user objects in default inputs) through copy.deepcopy. ~4x faster than
    copy.deepcopy on a large graph, which spends its time in the memo of every str and int.
    Raises NestedTooDeep beyond MAX_NESTING levels (checked while copying: no extra pass)."""
    kind = type(obj)
    if kind in _IMMUTABLE:
        return obj
    if kind is dict or kind is list or kind is tuple:
        if _depth >= MAX_NESTING:
            raise NestedTooDeep()
        depth = _depth + 1
        if kind is dict:
            return {k: copy_document(v, depth) for k, v in obj.items()}
        if kind is list:
            return [copy_document(v, depth) for v in obj]
        return tuple(copy_document(v, depth) for v in obj)
    return copy.deepcopy(obj)
