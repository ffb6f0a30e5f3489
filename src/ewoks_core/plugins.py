"""Finding plug-ins: the packages of this repository by name, any other package by entry point.

Used for engines (`ewoks.engines`), CLI sub-commands (`ewoks.cli`) and demo-data generators
(`ewoks.demo_data`). Nothing is imported until a plug-in is asked for.
"""

from __future__ import annotations

import importlib
from typing import Any, Dict


def targets(group: str, builtin: Dict[str, str]) -> Dict[str, str]:
    """name -> "module:attribute": the built-in plug-ins, then the entry points of `group`."""
    found = dict(builtin)
    try:
        from importlib.metadata import entry_points

        for ep in entry_points(group=group):
            found[ep.name] = ep.value
    except Exception:  # broken package metadata must not break ewoks
        pass
    return found


def load(target: str) -> Any:
    """Import "module:attribute" (ImportError/AttributeError when its package is missing)."""
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)
