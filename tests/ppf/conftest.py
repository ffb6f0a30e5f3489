"""Fixtures of the ppf engine tests."""

import pytest
from _ppf_support import live_children


@pytest.fixture
def no_orphans():
    """Fails the test when worker processes started during it are still alive afterwards."""
    before = set(live_children())
    yield
    left = set(live_children()) - before
    assert not left, f"worker processes left behind: {sorted(left)}"
