"""Helpers of the server tests (a uniquely named module: `from conftest import` depends on which conftest
pytest imported first as `conftest`)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Dict

import yaml

from ewoks_server.config import ServerConfig

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
