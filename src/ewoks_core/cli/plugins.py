"""Commands and demo-data generators contributed by installed packages (bindings, task libraries).

Both are found the same way as engines: the packages of this repository by name, any other
package through an entry point (groups `ewoks.cli` and `ewoks.demo_data`). Nothing is imported
until the CLI is built, and a package that is not installed is skipped.
"""

from __future__ import annotations

import importlib
from typing import Any, Callable, Dict, List, Tuple

CLI_GROUP = "ewoks.cli"
DEMO_DATA_GROUP = "ewoks.demo_data"

BUILTIN_CLI = {"dask": "ewoks_dask.cluster:add_cli", "celery": "ewoks_celery.cli:add_commands"}
BUILTIN_DEMO_DATA = {"xrpd": "ewoks_xrpd.demo_data:generate_demo", "xas": "ewoks_xas.demo_data:generate_demo"}


def targets(group: str, builtin: Dict[str, str]) -> Dict[str, str]:
    """name -> "module:attribute" for the built-in plug-ins and the entry points of `group`."""
    found = dict(builtin)
    try:
        from importlib.metadata import entry_points

        for ep in entry_points(group=group):
            found[ep.name] = ep.value
    except Exception:  # broken metadata must not break the CLI
        pass
    return found


def load(target: str) -> Callable[..., Any]:
    """Import "module:attribute" (ImportError/AttributeError when the package is missing)."""
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def add_plugin_commands(sub: Any) -> None:
    """Let every installed plug-in add its sub-commands (dask cluster, celery worker/submit/...)."""
    for target in targets(CLI_GROUP, BUILTIN_CLI).values():
        try:
            add = load(target)
        except (ImportError, AttributeError):
            continue
        add(sub)


def demo_data_generators() -> List[Tuple[str, str]]:
    """(name, target) of every known demo-data generator, installed or not."""
    return sorted(targets(DEMO_DATA_GROUP, BUILTIN_DEMO_DATA).items())
