"""Fixtures of the persistence tests."""

from __future__ import annotations

import multiprocessing
import multiprocessing.pool
import sys
from pathlib import Path
from typing import Iterator

import pytest

# The helper module of these tests must be importable whatever pytest's import mode
# (and by spawned worker processes, which inherit sys.path).
if str(Path(__file__).parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).parent))

from ewoks_core.persistence import ResultStore, open_store


def store_config(tmp_path: Path, scheme: str) -> dict:
    """varinfo of a fresh store of `scheme` under tmp_path."""
    root = tmp_path / ("results.h5" if scheme == "nexus" else "results")
    return {"root_uri": str(root), "scheme": scheme}


@pytest.fixture(params=["json", "nexus"])
def scheme(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def store(tmp_path: Path, scheme: str) -> ResultStore:
    """A fresh store of each scheme."""
    result = open_store(store_config(tmp_path, scheme))
    assert result is not None
    return result


@pytest.fixture(scope="session")
def spawn_pool() -> Iterator[multiprocessing.pool.Pool]:
    """A pool of freshly spawned processes (no state inherited from the test process)."""
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(4) as pool:
        yield pool
