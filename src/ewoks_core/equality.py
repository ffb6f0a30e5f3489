"""values_equal: equality of condition values and outputs that also works for numpy arrays."""

from __future__ import annotations

from typing import Any


def values_equal(a: Any, b: Any) -> bool:
    """Equality that also works for numpy values (all elements equal); False when comparing fails."""
    if a is b:
        return True
    try:
        result = a == b
        if isinstance(result, bool):
            return result
        return bool(result.all()) if hasattr(result, "all") else bool(result)
    except Exception:
        return False
