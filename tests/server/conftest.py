"""Fixtures of the server tests: an app per test (FastAPI's TestClient, lifespan included: real job
processes), a server on a free loopback port for the browser, Debian's Chromium for Playwright."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator

import pytest
import yaml

pytest.importorskip("fastapi", reason="the server needs ewoks_core[server]")

from fastapi.testclient import TestClient  # noqa: E402

from ewoks_server.app import create_app  # noqa: E402
from ewoks_server.config import ServerConfig  # noqa: E402
from ewoks_server.testing import chromium_launch_args, chromium_path  # noqa: E402

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"
FINAL = ("success", "failed", "cancelled")


def workflow_doc(name: str) -> Dict[str, Any]:
    """A workflow of the repository's workflows/ folder as a dict."""
    path = WORKFLOWS / name
    return yaml.safe_load(path.read_text()) if path.suffix == ".yaml" else json.loads(path.read_text())


def make_config(folder: Path, **kwargs: Any) -> ServerConfig:
    """A server configuration with its data under `folder` (two jobs at once, a short cancel grace)."""
    options: Dict[str, Any] = {"data_dir": str(folder), "workers": 2, "cancel_grace": 3.0}
    options.update(kwargs)
    return ServerConfig(**options)


@pytest.fixture
def config(tmp_path: Path) -> ServerConfig:
    return make_config(tmp_path / "data")


@pytest.fixture
def client(config: ServerConfig) -> Iterator[TestClient]:
    """The API of a server running in this process (its job processes are real)."""
    with TestClient(create_app(config)) as test_client:
        yield test_client


def wait_job(client: Any, job_id: str, timeout: float = 60.0, states: tuple = FINAL) -> Dict[str, Any]:
    """GET the job until its state is one of `states`."""
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["state"] in states:
            return job
        if time.monotonic() > deadline:
            raise TimeoutError(f"job {job_id} still {job['state']} after {timeout} s")
        time.sleep(0.05)


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
