"""With a broker configured, jobs go to real Celery workers (embedded file broker, one worker process);
results, errors, events and cancel work through the same API."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest
from _server_support import make_config, wait_job, workflow_doc
from fastapi.testclient import TestClient
from test_api_jobs import FAILING, SLEEP

from ewoks_server.app import create_app

pytest.importorskip("celery", reason="Celery mode needs ewoks_core[celery]")


@pytest.fixture(scope="module")
def celery_config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A configuration (embedded broker and results in a temporary folder) and a worker using it."""
    from ewoks_celery.app import PING_NAME, get_app
    from ewoks_celery.config import load_config

    folder = tmp_path_factory.mktemp("celery")
    path = folder / "ewoks_celery.yaml"
    # the server's data folders (each test's tmp_path) are where the worker writes results and events
    path.write_text(f"data_dir: {folder / 'data'}\nheartbeat_interval: 0.5\nlost_after: 5\n"
                    f"allowed_paths: [{tmp_path_factory.getbasetemp()}]\n")
    env = {k: v for k, v in os.environ.items() if k != "EWOKS_CELERY_CONFIG"}
    env["C_FORCE_ROOT"] = "1"
    worker = subprocess.Popen([sys.executable, "-m", "ewoks_celery.worker", "--config", str(path), "--concurrency",
                               "1", "--pool", "prefork", "--loglevel", "WARNING"], env=env,
                              stdout=open(folder / "worker.log", "ab"), stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        ping = get_app(load_config(path)).send_task(PING_NAME, args=["ready"], queue="ewoks")
        assert ping.get(timeout=60, interval=0.05) == "ready", (folder / "worker.log").read_text()
        yield path
    finally:
        try:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(10)
        except ProcessLookupError:
            pass


@pytest.mark.slow
def test_jobs_run_on_celery_workers(celery_config: Path, tmp_path: Path) -> None:
    with TestClient(create_app(make_config(tmp_path / "data", celery_config=str(celery_config)))) as client:
        assert client.get("/api/info").json()["executor"] == "celery"
        job = wait_job(client, client.post("/api/jobs", json={"graph": workflow_doc("demo.yaml")}).json()["job_id"])
        assert job["state"] == "success" and job["results"] == {"x": 23} and job["executor"] == "celery"
        events = client.get(f"/api/jobs/{job['job_id']}/events").json()["events"]
        assert {e["host_name"] for e in events} and events[-1]["context"] == "job" and events[-1]["error"] is False
        assert {e["node_id"] for e in events if e["type"] == "end" and e["node_id"]} == \
            {"left", "right", "total", "count", "report"}
        node = client.get(f"/api/jobs/{job['job_id']}/nodes/total").json()
        assert node["outputs"] == {"result": 13}  # the worker wrote the result into the job's folder

        failed = wait_job(client, client.post("/api/jobs", json={"graph": FAILING}).json()["job_id"])
        assert failed["state"] == "failed" and failed["error"]["node"] == "boom"
        assert "intentional failure" in failed["error"]["message"] and failed["error"]["traceback"]

        sleeping = client.post("/api/jobs", json={"graph": SLEEP}).json()["job_id"]
        wait_job(client, sleeping, states=("running",))  # its job start event reached the server's store
        time.sleep(0.5)
        assert client.post(f"/api/jobs/{sleeping}/cancel").status_code == 200
        cancelled = wait_job(client, sleeping, timeout=60)
        assert cancelled["state"] == "cancelled"
        ends = [(e["context"], e["error"]) for e in client.get(f"/api/jobs/{sleeping}/events").json()["events"]
                if e["type"] == "end"]
        assert ends[-1] == ("job", True)
