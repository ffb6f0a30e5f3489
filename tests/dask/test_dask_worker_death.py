"""A worker killed mid-run: the run completes (dask retries elsewhere) or fails with a clear error; never hangs."""

from __future__ import annotations

import pytest
from _dask_support import T

from ewoks_core.testing.builders import graph, link, node

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


def kill_doc(marker: str, always: bool) -> dict:
    return graph("killer", [node("k", T + "KillWorker", {"marker": marker, "always": always}),
                            node("after", T + "WhereAmI", {"value": 1})],
                 [link("k", "after")])


