"""End to end: `ewoks serve` in its own process on a free loopback port runs the XRPD workflow
submitted through the API; the test follows the job's live stream to its end, then stops the server by
its PID."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
from _server_support import workflow_doc

from ewoks_server.testing import free_port

httpx = pytest.importorskip("httpx")
pytest.importorskip("pyFAI", reason="the XRPD workflow needs ewoks_core[xrpd]")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """`ewoks serve` on a free port; stopped by PID (SIGTERM, then SIGKILL) whatever happens."""
    port = free_port()
    log = open(tmp_path / "serve.log", "w")
    process = subprocess.Popen([sys.executable, "-m", "ewoks_core.cli.main", "serve", "--port", str(port),
                                "--data-dir", str(tmp_path / "data"), "--workers", "1", "--log-level", "warning"],
                               stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/api/info", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, "ewoks serve did not answer within 60 s"
            time.sleep(0.1)
        yield url
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait(10)
        log.close()
    output = (tmp_path / "serve.log").read_text()
    # uvicorn shuts down gracefully on SIGTERM, then ends with that signal again (as its caller asked)
    assert process.returncode in (0, -signal.SIGTERM) and "Traceback" not in output, output


def _follow(url: str, job_id: str, timeout: float = 240) -> List[Dict[str, Any]]:
    """Every message of the job's stream until its 'end' message."""
    messages: List[Dict[str, Any]] = []
    current: Dict[str, Any] = {}
    with httpx.stream("GET", f"{url}/api/jobs/{job_id}/stream", timeout=httpx.Timeout(timeout, connect=10)) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        for line in stream.iter_lines():
            if line:
                name, _, value = line.partition(": ")
                current[name] = value
                continue
            if "data" in current:
                messages.append({"event": current.get("event", "message"), "id": current.get("id"),
                                 "data": json.loads(current["data"])})
                if messages[-1]["event"] == "end":
                    return messages
            current = {}
    raise AssertionError("the stream ended without its 'end' message")


@pytest.mark.slow
def test_xrpd_workflow_through_ewoks_serve(served: str, tmp_path: Path) -> None:
    body = {"graph": workflow_doc("xrpd_powder.json"), "inputs": [{"id": "gen", "name": "nframes", "value": 4}]}
    answer = httpx.post(served + "/api/jobs", json=body, timeout=60)
    assert answer.status_code == 200, answer.text
    job_id = answer.json()["job_id"]
    messages = _follow(served, job_id)
    events = [m["data"] for m in messages if m["event"] == "message"]
    assert [int(m["id"]) for m in messages if m["event"] == "message"] == [e["id"] for e in events]
    ends = {e["node_id"]: e["error"] for e in events if e["context"] == "node" and e["type"] == "end"}
    assert ends == {"gen": False, "geometry": False, "integrate": False, "save": False, "xy": False, "plot": False}
    assert any(e["type"] == "progress" and e["node_id"] == "integrate" for e in events)
    assert messages[-1]["data"]["state"] == "success"

    job = httpx.get(f"{served}/api/jobs/{job_id}", timeout=30).json()
    assert job["state"] == "success" and len(job["results"]["xy_paths"]) == 4
    png = Path(job["results"]["png_path"])
    assert png.is_relative_to(tmp_path / "data" / "jobs" / job_id)  # the job folder is its working directory
    link = next(f for f in job["files"] if f["kind"] == "image")
    image = httpx.get(served + link["url"], timeout=30)
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert image.content == png.read_bytes()
    node = httpx.get(f"{served}/api/jobs/{job_id}/nodes/integrate", timeout=30).json()
    intensity = node["outputs"]["intensity"]["__array__"]
    assert intensity["shape"] == [4, 1000] and intensity["max"] > intensity["min"] >= 0
