"""Commands and demo-data generators contributed by installed packages (bindings, task libraries).

Both are found as engines are (ewoks_core.plugins): the packages of this repository by name,
any other package through an entry point (groups `ewoks.cli` and `ewoks.demo_data`). A package
that is not installed is skipped.
"""

from __future__ import annotations

from typing import Any, List, Tuple

from ..plugins import load, targets

CLI_GROUP = "ewoks.cli"
DEMO_DATA_GROUP = "ewoks.demo_data"

BUILTIN_CLI = {"dask": "ewoks_dask.cluster:add_cli", "celery": "ewoks_celery.cli:add_commands"}
BUILTIN_DEMO_DATA = {"xrpd": "ewoks_xrpd.demo_data:generate_demo", "xas": "ewoks_xas.demo_data:generate_demo"}


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
