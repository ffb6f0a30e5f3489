"""Commands and demo-data generators contributed by installed packages (bindings, task libraries).

Both are found as engines are (ewoks_core.plugins), through entry points only (groups `ewoks.cli`
and `ewoks.demo_data`, declared in pyproject.toml). A package that is not installed is skipped.
"""

from __future__ import annotations

from typing import Any, List, Tuple

from ..plugins import load, targets

CLI_GROUP = "ewoks.cli"
DEMO_DATA_GROUP = "ewoks.demo_data"
LIVE_DEMO_GROUP = "ewoks.demo_data_live"  # writers of a scan while it is acquired (`ewoks demo-data --live`)


def add_plugin_commands(sub: Any) -> None:
    """Let every installed plug-in add its sub-commands (dask cluster, celery worker/submit/...)."""
    for target in targets(CLI_GROUP).values():
        try:
            add = load(target)
        except (ImportError, AttributeError):
            continue
        add(sub)


def demo_data_generators() -> List[Tuple[str, str]]:
    """(name, target) of every known demo-data generator, installed or not."""
    return sorted(targets(DEMO_DATA_GROUP).items())


def live_demo_writers() -> List[Tuple[str, str]]:
    """(name, target) of every known live demo-data writer, installed or not."""
    return sorted(targets(LIVE_DEMO_GROUP).items())
