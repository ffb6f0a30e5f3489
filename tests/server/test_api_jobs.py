"""The job API: results as the CLI prints them, errors, cancel, crash isolation, re-runs with the result
cache, events after an id, live streams that resume without gaps, the job list, restarts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List

from _server_support import WORKFLOWS, make_config, wait_job, workflow_doc
from fastapi.testclient import TestClient

from ewoks_server.app import create_app

SLEEP = {"graph": {"id": "sleepy"}, "links": [], "nodes": [
    {"id": "nap", "task_type": "class", "task_identifier": "ewoks_core.testing.tasks.Sleep",
     "default_inputs": [{"name": "seconds", "value": 60}]}]}
FAILING = {"graph": {"id": "failing"}, "nodes": [
    {"id": "first", "task_identifier": "ewoks_core.testing.tasks.SumTask",
     "default_inputs": [{"name": "a", "value": 1}]},
    {"id": "boom", "task_identifier": "ewoks_core.testing.tasks.Fail"}],
    "links": [{"source": "first", "target": "boom",
               "data_mapping": [{"source_output": "result", "target_input": "a"}]}]}


def events_of(client: TestClient, job_id: str, after: int = 0) -> List[Dict[str, Any]]:
    return client.get(f"/api/jobs/{job_id}/events", params={"after": after}).json()["events"]


def test_results_are_what_ewoks_execute_json_prints(client: TestClient) -> None:
    submitted = client.post("/api/jobs", json={"graph": workflow_doc("demo.yaml"),
                                               "inputs": [{"name": "a", "value": 5}]})
    assert submitted.status_code == 200, submitted.text
    job = wait_job(client, submitted.json()["job_id"])
    cli = subprocess.run([sys.executable, "-m", "ewoks_core.cli.main", "execute", str(WORKFLOWS / "demo.yaml"),
                          "-p", "a=5", "--json"], capture_output=True, text=True, check=True)
    assert job["state"] == "success" and job["error"] is None
    assert job["results"] == json.loads(cli.stdout) == {"x": 22}
    assert job["workflow_id"] == "demo" and job["n_nodes"] == 5 and job["duration"] > 0
    events = events_of(client, job["job_id"])
    assert [e["id"] for e in events] == sorted(e["id"] for e in events)
    assert (events[0]["context"], events[0]["type"]) == ("job", "start")
    assert (events[-1]["context"], events[-1]["type"], events[-1]["error"]) == ("job", "end", False)
    later = events_of(client, job["job_id"], after=events[3]["id"])
    assert later == events[4:]
    node = client.get(f"/api/jobs/{job['job_id']}/nodes/total").json()
    assert node["state"] == "done" and node["inputs"] == {"a": 7, "b": 5} and node["outputs"] == {"result": 12}
    grouped = client.get("/api/execution/events", params={"job_id": job["job_id"], "context": "node",
                                                           "type": "end"}).json()["jobs"]
    assert len(grouped) == 1 and {e["node_id"] for e in grouped[0]} == {"left", "right", "total", "count", "report"}


def test_a_failed_job_names_its_node_message_and_traceback(client: TestClient) -> None:
    job = wait_job(client, client.post("/api/jobs", json={"graph": FAILING}).json()["job_id"])
    assert job["state"] == "failed" and job["results"] is None
    error = job["error"]
    assert error["node"] == "boom" and error["task"] == "ewoks_core.testing.tasks.Fail"
    assert error["type"] == "RuntimeError" and "intentional failure" in error["message"]
    assert "raise RuntimeError" in error["traceback"]
    listed = client.get("/api/jobs", params={"state": "failed"}).json()
    assert listed["total"] == 1 and "intentional failure" in listed["jobs"][0]["message"]
    node = client.get(f"/api/jobs/{job['job_id']}/nodes/boom").json()
    assert node["state"] == "failed" and node["events"][-1]["error"] is True


def test_cancel_a_sleeping_job(client: TestClient) -> None:
    job_id = client.post("/api/jobs", json={"graph": SLEEP}).json()["job_id"]
    deadline = time.monotonic() + 30
    while not any(e["node_id"] == "nap" for e in events_of(client, job_id)):  # the task sleeps now
        assert time.monotonic() < deadline
        time.sleep(0.05)
    started = time.monotonic()
    cancelled = client.post(f"/api/jobs/{job_id}/cancel")
    assert cancelled.status_code == 200
    job = wait_job(client, job_id, timeout=20)
    assert job["state"] == "cancelled" and time.monotonic() - started < 5
    assert job["error"]["type"] == "WorkflowCancelled" and "request to the API" in job["error"]["message"]
    ends = [(e["context"], e["node_id"], e["error"]) for e in events_of(client, job_id) if e["type"] == "end"]
    assert ends == [("node", "nap", True), ("workflow", None, True), ("job", None, True)]
    again = client.post(f"/api/jobs/{job_id}/cancel")
    assert again.status_code == 409 and again.json()["field"] == "job_id"


def test_cancel_a_queued_job(tmp_path: Path) -> None:
    with TestClient(create_app(make_config(tmp_path / "data", workers=1))) as client:
        running = client.post("/api/jobs", json={"graph": SLEEP}).json()["job_id"]
        queued = client.post("/api/jobs", json={"graph": SLEEP}).json()["job_id"]
        assert client.get(f"/api/jobs/{queued}").json()["state"] == "queued"
        assert client.post(f"/api/jobs/{queued}/cancel").status_code == 200
        job = wait_job(client, queued, timeout=5)
        assert job["state"] == "cancelled" and job["started"] is None
        assert [(e["context"], e["type"]) for e in events_of(client, queued)] == [("job", "start"), ("job", "end")]
        client.post(f"/api/jobs/{running}/cancel")
        assert wait_job(client, running)["state"] == "cancelled"


def test_a_crashing_task_fails_its_job_not_the_server(tmp_path: Path) -> None:
    crash = {"graph": {"id": "crash"}, "links": [], "nodes": [
        {"id": "exit", "task_type": "method", "task_identifier": "ewoks_core.testing.tasks.exit_process",
         "default_inputs": [{"name": "code", "value": 3}]}]}
    config = make_config(tmp_path / "data", allowed_tasks=("ewoks_core.testing",))
    with TestClient(create_app(config)) as client:
        job = wait_job(client, client.post("/api/jobs", json={"graph": crash}).json()["job_id"])
        assert job["state"] == "failed" and "exit code 3" in job["error"]["message"]
        events = events_of(client, job["job_id"])
        # the events the process wrote before it died, completed by the server: every start has its end
        # (the node's own start may be lost with the process: the sequential engine buffers it)
        starts = [(e["context"], e["node_id"]) for e in events if e["type"] == "start"]
        ends = [(e["context"], e["node_id"]) for e in events if e["type"] == "end"]
        assert sorted(starts, key=str) == sorted(ends, key=str) and ("job", None) in ends
        assert all(e["error"] for e in events if e["type"] == "end")
        after = wait_job(client, client.post("/api/jobs", json={"graph": workflow_doc("demo.yaml")}).json()["job_id"])
        assert after["state"] == "success"


def test_rerun_from_the_failed_node_reuses_the_finished_nodes(client: TestClient, tmp_path: Path) -> None:
    meeting = tmp_path / "meeting"
    meeting.mkdir()
    graph = {"graph": {"id": "transient"}, "nodes": [
        {"id": "prepare", "task_identifier": "ewoks_core.testing.tasks.SumTask",
         "default_inputs": [{"name": "a", "value": 40}, {"name": "b", "value": 2}]},
        {"id": "wait", "task_identifier": "ewoks_core.testing.tasks.Rendezvous",
         "default_inputs": [{"name": "directory", "value": str(meeting)}, {"name": "name", "value": "wait"},
                            {"name": "expect", "value": ["wait", "ready"]}, {"name": "timeout", "value": 0.3}]}],
        "links": [{"source": "prepare", "target": "wait", "data_mapping": [{"source_output": "result",
                                                                            "target_input": "value"}]}]}
    first = wait_job(client, client.post("/api/jobs", json={"graph": graph}).json()["job_id"])
    assert first["state"] == "failed" and first["error"]["node"] == "wait"
    assert client.post(f"/api/jobs/{first['job_id']}/rerun", json={"mode": "nope"}).status_code == 422
    (meeting / "ready.here").touch()  # what made the node fail is fixed
    rerun = client.post(f"/api/jobs/{first['job_id']}/rerun", json={"mode": "failed"})
    second = wait_job(client, rerun.json()["job_id"])
    assert second["state"] == "success" and second["results"] == {"value": 42}
    assert second["parent_job_id"] == first["job_id"] and second["rerun"] == "failed"
    data = Path(client.get("/api/info").json() and client.app.state.server.config.jobs_dir)
    old, new = (data / job / "results" / "transient" / "prepare.json" for job in (first["job_id"], second["job_id"]))
    assert os.stat(old).st_ino == os.stat(new).st_ino  # the first run's result, not computed again
    whole = wait_job(client, client.post(f"/api/jobs/{second['job_id']}/rerun", json={"mode": "all"}).json()["job_id"])
    assert whole["state"] == "success"
    renewed = data / whole["job_id"] / "results" / "transient" / "prepare.json"
    assert os.stat(renewed).st_ino != os.stat(old).st_ino  # whole: computed again
    refused = client.post(f"/api/jobs/{whole['job_id']}/rerun", json={"mode": "failed"})
    assert refused.status_code == 409 and refused.json()["field"] == "mode"


def _sse_events(lines: List[str]) -> List[Dict[str, Any]]:
    """Parse server-sent events: [{"id", "event", "data"}]."""
    messages, current = [], {}  # type: ignore[var-annotated]
    for line in lines:
        if not line:
            if current:
                messages.append(current)
            current = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(": ")
            current[name] = value
    return messages


def test_stream_resumes_after_last_event_id_without_gap(client: TestClient) -> None:
    job_id = client.post("/api/jobs", json={"graph": workflow_doc("demo.yaml")}).json()["job_id"]
    with client.stream("GET", f"/api/jobs/{job_id}/stream") as stream:
        messages = _sse_events(list(stream.iter_lines()))
    events = [m for m in messages if "id" in m]
    assert messages[-1]["event"] == "end" and json.loads(messages[-1]["data"])["state"] == "success"
    ids = [int(m["id"]) for m in events]
    stored = [e["id"] for e in events_of(client, job_id)]
    assert ids == stored and json.loads(events[-1]["data"])["context"] == "job"
    cut = ids[len(ids) // 2]
    with client.stream("GET", f"/api/jobs/{job_id}/stream", headers={"Last-Event-ID": str(cut)}) as stream:
        resumed = [int(m["id"]) for m in _sse_events(list(stream.iter_lines())) if "id" in m]
    assert resumed == [i for i in stored if i > cut]


def test_job_list_filters_and_pages(client: TestClient) -> None:
    ids = [client.post("/api/jobs", json={"graph": workflow_doc("demo.yaml")}).json()["job_id"] for _ in range(3)]
    ids.append(client.post("/api/jobs", json={"graph": FAILING}).json()["job_id"])
    for job_id in ids:
        wait_job(client, job_id)
    everything = client.get("/api/jobs").json()
    assert everything["total"] == 4 and [j["job_id"] for j in everything["jobs"]] == ids[::-1]
    assert everything["counts"] == {"success": 3, "failed": 1}
    page = client.get("/api/jobs", params={"limit": 2, "offset": 1}).json()
    assert [j["job_id"] for j in page["jobs"]] == ids[::-1][1:3]
    assert client.get("/api/jobs", params={"workflow": "failing"}).json()["total"] == 1
    assert client.get("/api/jobs", params={"state": "success,failed"}).json()["total"] == 4
    assert client.get("/api/jobs", params={"since": "2000-01-01", "until": "2000-01-02"}).json()["total"] == 0
    assert client.get("/api/jobs", params={"since": "2000-01-01"}).json()["total"] == 4
    bad = client.get("/api/jobs", params={"state": "sleeping"})
    assert bad.status_code == 422 and bad.json()["field"] == "state"
    assert client.get("/api/jobs", params={"since": "yesterday"}).json()["field"] == "since"
    assert client.get("/api/jobs/workflows").json() == {"workflows": ["demo", "failing"]}
    assert client.get("/api/jobs/0123abc").status_code == 404


def test_arrays_are_summarized_in_node_details(client: TestClient) -> None:
    graph = {"graph": {"id": "arrays"}, "links": [], "nodes": [
        {"id": "scale", "task_identifier": "ewoks_core.testing.tasks.ArrayScale",
         "default_inputs": [{"name": "array", "value": list(range(100))}, {"name": "factor", "value": 2}]}]}
    job = wait_job(client, client.post("/api/jobs", json={"graph": graph}).json()["job_id"])
    outputs = client.get(f"/api/jobs/{job['job_id']}/nodes/scale").json()["outputs"]
    assert outputs["total"] == 9900.0
    assert outputs["array"]["__array__"] == {"shape": [100], "dtype": "float64", "size": 100, "min": 0.0,
                                             "max": 198.0, "mean": 99.0, "std": outputs["array"]["__array__"]["std"],
                                             "non_finite": 0}
    assert len(job["results"]["array"]) == 100  # results keep every element, as --json prints them


def test_restart_requeues_queued_jobs(tmp_path: Path) -> None:
    config = make_config(tmp_path / "data", workers=1, cancel_grace=2.0)
    with TestClient(create_app(config)) as client:
        running = client.post("/api/jobs", json={"graph": SLEEP}).json()["job_id"]
        queued = client.post("/api/jobs", json={"graph": workflow_doc("demo.yaml")}).json()["job_id"]
        wait_job(client, running, states=("running",))
    with TestClient(create_app(config)) as client:  # the same data folder: a restarted server
        stopped = client.get(f"/api/jobs/{running}").json()
        assert stopped["state"] == "cancelled" and "server stopped" in stopped["error"]["message"]
        assert wait_job(client, queued)["results"] == {"x": 23}


def test_job_files_are_served_from_the_job_folder_only(client: TestClient) -> None:
    job = wait_job(client, client.post("/api/jobs", json={"graph": workflow_doc("demo.yaml")}).json()["job_id"])
    base = f"/api/jobs/{job['job_id']}/files"
    request = client.get(f"{base}/request.json")
    assert request.status_code == 200 and request.json()["job_id"] == job["job_id"]
    assert request.headers["content-security-policy"] == "sandbox"
    for path in ("../../jobs.db", "..%2F..%2Fjobs.db", "%2Fetc%2Fpasswd", "results/../../../events.db", "nothing"):
        answer = client.get(f"{base}/{path}")  # (clients remove plain "../" themselves: then no route matches)
        assert answer.status_code == 404 and answer.json()["field"] in ("path", None), path
        assert "SQLite" not in answer.text and "root:" not in answer.text
