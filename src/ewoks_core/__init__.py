"""ewoks_core: describe a workflow once as a graph of tasks, run it on any engine.

Heavy modules load on first use so that `import ewoks_core` stays fast.
"""

from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "execute_graph": "ewoks_core.api",
    "load_graph": "ewoks_core.api",
    "save_graph": "ewoks_core.api",
    "convert_graph": "ewoks_core.api",
    "submit_graph": "ewoks_core.api",
    "install_graph": "ewoks_core.install",
    "Task": "ewoks_core.task.base",
    "MISSING": "ewoks_core.task.missing",
    "WorkflowGraph": "ewoks_core.graph.workflow",
    "EwoksError": "ewoks_core.errors",
    "TaskFailedError": "ewoks_core.errors",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'ewoks_core' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
