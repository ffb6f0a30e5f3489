"""Finding plug-ins through entry points only: the core names no binding.

Groups (declared in pyproject.toml by this repository's bindings and task libraries, and by any
third-party package the same way):
  ewoks.engines     name -> Engine class              (`execute_graph(engine=name)`)
  ewoks.cli         name -> add(subparsers) function   (`ewoks <command>` of a binding)
  ewoks.demo_data   name -> generate(folder) function  (`ewoks demo-data`)
  ewoks.submitters  name -> submit_graph function      (`ewoks_core.submit_graph`, remote execution)
Reading the entry points imports nothing; a plug-in is imported when it is asked for. They are read
from the `*.dist-info` / `*.egg-info` folders on sys.path directly (what importlib.metadata does for
folders, without its ~20-30 ms import at every start of `ewoks`); importlib.metadata reads them when
sys.path holds a zip file or a finder of its own lists distributions.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from typing import Any, Dict, Iterator, List, Optional, Tuple


def targets(group: str, core: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """name -> "module:attribute" of the entry points of `group`. `core`: plug-ins of ewoks_core itself
    (never of a binding), so that the core works when run from a source tree without package metadata."""
    found = dict(core or {})
    try:
        pairs = _from_folders(group)
        if pairs is None:
            from importlib.metadata import entry_points

            pairs = [(ep.name, ep.value) for ep in entry_points(group=group)]
        found.update(pairs)
    except Exception:  # broken package metadata must not break ewoks
        pass
    return found


def _metadata_folders() -> Optional[Iterator[Tuple[str, str]]]:
    """(normalized distribution name, folder) of every dist-info/egg-info folder on sys.path, in the order
    importlib.metadata finds them; None when it would look elsewhere too (zip files, other finders)."""
    from importlib.machinery import PathFinder

    if any(finder is not PathFinder and hasattr(finder, "find_distributions") for finder in sys.meta_path):
        return None
    folders = []
    for entry in sys.path:
        root = entry or "."
        try:
            names = os.listdir(root)
        except NotADirectoryError:  # a zip file
            return None
        except OSError:  # missing, or a path hook's name
            continue
        for name in names:
            if name.endswith((".dist-info", ".egg-info")):
                dist = re.sub(r"[-_.]+", "_", name.rpartition(".")[0].partition("-")[0]).lower()
                folders.append((dist, os.path.join(root, name)))
    return iter(folders)


def _from_folders(group: str) -> Optional[List[Tuple[str, str]]]:
    """(name, value) of the entry points of `group`, first distribution of a name only (as importlib.metadata)."""
    folders = _metadata_folders()
    if folders is None:
        return None
    pairs, seen = [], set()
    for dist, folder in folders:
        if dist in seen:
            continue
        seen.add(dist)
        try:
            with open(os.path.join(folder, "entry_points.txt"), encoding="utf-8") as f:
                text = f.read()
        except OSError:
            continue
        section = None
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith(("#", ";")):
                continue
            if line.startswith("[") and line.endswith("]"):
                section = line[1:-1].strip()
            elif section == group and "=" in line:
                name, _, value = line.partition("=")
                pairs.append((name.strip(), value.strip()))
    return pairs


def load(target: str) -> Any:
    """Import "module:attribute" (ImportError/AttributeError when its package is missing)."""
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)
