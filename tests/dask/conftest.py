"""Fixtures of the dask binding tests: one LocalCluster (2 worker processes x 1 thread) for the session."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # helpers and the task module (worker processes inherit sys.path)

from _dask_support import make_cluster  # noqa: E402


@pytest.fixture(scope="session")
def dask_client() -> Iterator[Any]:
    """A distributed.Client of a LocalCluster shared by the tests of this folder."""
    pytest.importorskip("distributed")
    from distributed import Client

    cluster = make_cluster()
    client = Client(cluster, set_as_default=False)
    try:
        client.run(_warm_up)
        yield client
    finally:
        client.close()
        cluster.close()


def _warm_up() -> None:
    import ewoks_dask_test_tasks  # noqa: F401

    import ewoks_core.execution.remote  # noqa: F401
    import ewoks_core.testing.tasks  # noqa: F401


@pytest.fixture(params=["sync", "threads", "processes", "cluster"])
def scheduler(request: pytest.FixtureRequest) -> Any:
    """Every scheduler: the three local ones and a real LocalCluster (through its client)."""
    if request.param == "cluster":
        return request.getfixturevalue("dask_client")
    return request.param
