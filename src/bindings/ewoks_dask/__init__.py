"""Dask binding of ewoks_core: engine "dask" (sync, threads, processes, LocalCluster, distributed).

Importing this package is cheap (the CLI imports `ewoks_dask.cluster` on every start);
dask and distributed are imported when a workflow runs.
"""

from __future__ import annotations

from typing import Any, Dict

__all__ = ["DaskEngine", "DaskOptions", "execute_graph"]


def execute_graph(graph: Any, **kwargs: Any) -> Dict[Any, Any]:
    """ewoksdask's entry point: `ewoks_core.execute_graph(graph, engine="dask", **kwargs)`.

    Accepts ewoksdask's `scheduler=None|"multithreading"|"multiprocessing"|"cluster"|address` and
    `scheduler_options={"num_workers": ..., "context": ...}`.
    """
    from ewoks_core.api import execute_graph as _execute_graph

    kwargs.pop("engine", None)
    return _execute_graph(graph, engine="dask", **kwargs)


def __getattr__(name: str) -> Any:
    if name == "DaskEngine":
        from .engine import DaskEngine

        return DaskEngine
    if name == "DaskOptions":
        from .options import DaskOptions

        return DaskOptions
    raise AttributeError(f"module 'ewoks_dask' has no attribute {name!r}")
