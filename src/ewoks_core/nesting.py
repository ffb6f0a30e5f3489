"""One nesting limit for what is loaded and what is printed.

A workflow nests a few levels (graph, nodes, inputs, a value's own structure). Python's
parsers accept ~990 levels, but copying, validating, converting and printing such a value
recurse once per level (or more) and would raise RecursionError further on. So the loader
refuses documents and command-line values deeper than MAX_NESTING, with the place named, and
the printers show values deeper than that (a task may return anything) with a marker.
"""

from __future__ import annotations

from typing import Any, List, Optional, Tuple

MAX_NESTING = 100  # levels of lists and mappings
MARKER = f"<nested deeper than {MAX_NESTING} levels>"
_CONTAINERS = (dict, list, tuple)


def too_deep(value: Any, limit: int = MAX_NESTING) -> Optional[List[Any]]:
    """The keys/indices leading to the first list or mapping deeper than `limit` levels, or None.

    Level by level, without recursion (whatever the depth); a self-containing value is too deep too."""
    level = [value] if isinstance(value, _CONTAINERS) else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return _path_below(value, limit)
        deeper = []
        for item in level:
            for child in (item.values() if isinstance(item, dict) else item):
                if isinstance(child, _CONTAINERS):
                    deeper.append(child)
        level = deeper
    return None


def _path_below(value: Any, limit: int) -> List[Any]:
    """The keys to a container at depth limit + 1 (there is one: too_deep found it)."""
    # (container, depth, path as a linked tuple (key, parent))
    stack: List[Tuple[Any, int, Any]] = [(value, 1, None)]
    while stack:
        item, depth, path = stack.pop()
        if depth > limit:
            return _unlink(path)
        children = item.items() if isinstance(item, dict) else enumerate(item)
        for key, child in children:
            if isinstance(child, _CONTAINERS):
                stack.append((child, depth + 1, (key, path)))
    return []


def _unlink(path: Any) -> List[Any]:
    keys: List[Any] = []
    while path is not None:
        key, path = path
        keys.append(key)
    return keys[::-1]


def where(keys: List[Any]) -> str:
    """A path of keys as a field name: nodes[3].default_inputs[0].value."""
    text = ""
    for key in keys:
        text += f"[{key}]" if isinstance(key, int) else (f".{key}" if text else str(key))
    return text


def capped(value: Any, limit: int = MAX_NESTING) -> Any:
    """`value` with the lists and mappings deeper than `limit` levels replaced by MARKER (for printing)."""
    if too_deep(value, limit) is None:
        return value
    return _cap(value, limit)


def _cap(value: Any, levels: int) -> Any:
    if not isinstance(value, _CONTAINERS):
        return value
    if levels <= 0:
        return MARKER
    if isinstance(value, dict):
        return {k: _cap(v, levels - 1) for k, v in value.items()}
    items = [_cap(v, levels - 1) for v in value]
    return items if isinstance(value, list) else tuple(items)
