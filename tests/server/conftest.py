"""Fixtures of the server tests: an app per test (FastAPI's TestClient, lifespan included: real job
processes), a server on a free loopback port for the browser, Debian's Chromium for Playwright."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, Callable, Dict, Iterator

import pytest

pytest.importorskip("fastapi", reason="the server needs ewoks_core[server]")

from _server_support import make_config, wait_job  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from ewoks_server.app import create_app  # noqa: E402
from ewoks_server.config import ServerConfig  # noqa: E402
from ewoks_server.testing import chromium_launch_args, chromium_path  # noqa: E402


@pytest.fixture
def config(tmp_path: Path) -> ServerConfig:
    return make_config(tmp_path / "data")


@pytest.fixture
def client(config: ServerConfig) -> Iterator[TestClient]:
    """The API of a server running in this process (its job processes are real)."""
    with TestClient(create_app(config)) as test_client:
        yield test_client


@pytest.fixture
def wait() -> Callable[..., Dict[str, Any]]:
    return wait_job


# --- the browser (pytest-playwright: one browser for the session)


def _require_chromium() -> None:
    if shutil.which(chromium_path()) or os.path.exists(chromium_path()):
        return
    reason = "Debian's chromium is missing (apt-get install chromium)"
    if os.environ.get("CI"):
        pytest.fail(reason + " (required in CI: .ci/run installs it)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: Dict[str, Any]) -> Dict[str, Any]:
    """pytest-playwright launches the system Chromium (no browser download)."""
    _require_chromium()
    return {**browser_type_launch_args, **chromium_launch_args()}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: Dict[str, Any]) -> Dict[str, Any]:
    return {**browser_context_args, "viewport": {"width": 1400, "height": 900}}
