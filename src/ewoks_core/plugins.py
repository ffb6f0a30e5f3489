"""Finding plug-ins through entry points only: the core names no binding.

Groups (declared in pyproject.toml by this repository's bindings and task libraries, and by any
third-party package the same way):
  ewoks.engines     name -> Engine class              (`execute_graph(engine=name)`)
  ewoks.cli         name -> add(subparsers) function   (`ewoks <command>` of a binding)
  ewoks.demo_data   name -> generate(folder) function  (`ewoks demo-data`)
  ewoks.submitters  name -> submit_graph function      (`ewoks_core.submit_graph`, remote execution)
Reading the entry points imports nothing; a plug-in is imported when it is asked for.
"""

from __future__ import annotations

import importlib
from typing import Any, Dict, Optional


def targets(group: str, core: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """name -> "module:attribute" of the entry points of `group`. `core`: plug-ins of ewoks_core itself
    (never of a binding), so that the core works when run from a source tree without package metadata."""
    found = dict(core or {})
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
