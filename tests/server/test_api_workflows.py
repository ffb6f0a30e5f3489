"""ewoksserver's resource paths: workflows (CRUD, ETags, ids confined to the folder), tasks, aliases."""

from __future__ import annotations

import os
from pathlib import Path

from _server_support import make_config, workflow_doc
from fastapi.testclient import TestClient

from ewoks_server.app import create_app


def test_workflow_crud_with_etags(client: TestClient) -> None:
    doc = workflow_doc("demo.yaml")
    created = client.post("/api/workflows", json=doc)
    assert created.status_code == 200 and created.json()["graph"]["id"] == "demo"
    assert client.get("/api/workflows").json() == {"identifiers": ["demo"]}
    assert client.get("/api/workflows/descriptions").json()["items"] == [{"id": "demo", "label": doc["graph"]["label"]}]
    read = client.get("/api/workflow/demo")
    assert read.json() == doc
    etag = read.headers["etag"]
    assert etag == created.headers["etag"]

    # two editors read the same version; the first save wins, the second is refused (no silent lost update)
    first = dict(doc, graph={**doc["graph"], "label": "first edit"})
    second = dict(doc, graph={**doc["graph"], "label": "second edit"})
    saved = client.put("/api/workflow/demo", json=first, headers={"If-Match": etag})
    assert saved.status_code == 200 and saved.headers["etag"] != etag
    stale = client.put("/api/workflow/demo", json=second, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert stale.json()["field"] == "If-Match" and stale.headers["etag"] == saved.headers["etag"]
    assert client.get("/api/workflow/demo").json()["graph"]["label"] == "first edit"
    assert client.delete("/api/workflow/demo", headers={"If-Match": etag}).status_code == 412

    # ewoksserver's answers: id mismatch 400, existing id 409, unknown 404; clients without If-Match still work
    mismatch = client.put("/api/workflow/demo", json=dict(doc, graph={"id": "other"}))
    assert mismatch.status_code == 400 and mismatch.json()["field"] == "graph.id"
    assert client.post("/api/workflows", json=doc).status_code == 409
    assert client.put("/api/workflow/demo", json=second).status_code == 200
    assert client.delete("/api/workflow/demo").json() == {"identifier": "demo", "type": "workflow"}
    missing = client.get("/api/workflow/demo")
    assert missing.status_code == 404 and missing.json()["identifier"] == "demo"
    assert client.post("/api/workflows", json={"graph": {"label": "no id"}, "nodes": []}).json()["field"] == "graph.id"


def test_workflow_ids_cannot_leave_the_folder(client: TestClient, tmp_path: Path) -> None:
    secret = tmp_path / "data" / "secret.json"
    secret.write_text('{"graph": {"id": "secret"}}')
    for identifier in ("..%2Fsecret", "..", "a..b", "%2Etmp", "x%00y", "-x", "a b"):
        answer = client.get(f"/api/workflow/{identifier}")
        assert answer.status_code in (400, 404), identifier
        assert "secret" not in answer.text or answer.status_code != 200
    escape = client.post("/api/workflows", json={"graph": {"id": "../escaped"}, "nodes": [], "links": []})
    assert escape.status_code == 400 and escape.json()["field"] == "graph.id"
    assert client.put("/api/workflow/..%2Fsecret", json={"graph": {"id": "../secret"}}).status_code in (400, 404)
    assert client.delete("/api/workflow/..%2Fsecret").status_code in (400, 404)
    assert secret.exists() and not (tmp_path / "escaped.json").exists()
    assert sorted(os.listdir(tmp_path / "data" / "workflows")) == []


def test_ewoksserver_version_aliases(client: TestClient) -> None:
    assert client.post("/api/v2/workflows", json=workflow_doc("demo.yaml")).status_code == 200
    for prefix in ("/api", "/api/v2", "/api/v2_0_0"):
        assert client.get(f"{prefix}/workflows").json() == {"identifiers": ["demo"]}
    assert client.get("/api/execution/queues").json() == {"queues": None}
    assert client.get("/openapi.json").json()["paths"]["/api/jobs"]


def test_task_discovery_from_the_allow_list(client: TestClient) -> None:
    found = client.post("/api/tasks/discover", json={"modules": ["ewoks_core.testing"]})
    assert found.status_code == 200
    assert "ewoks_core.testing.tasks.SumTask" in found.json()["identifiers"]
    assert "ewoks_core.testing.tasks.SumTask" in client.get("/api/tasks").json()["identifiers"]
    task = client.get("/api/task/ewoks_core.testing.tasks.SumTask").json()
    assert task["required_input_names"] == ["a"] and task["optional_input_names"] == ["b", "delay"]
    assert task["label"] == "SumTask" and task["category"] == "ewoks_core"
    items = client.get("/api/tasks/descriptions").json()["items"]
    assert {t["task_identifier"] for t in items} >= {"ewoks_core.testing.tasks.SumTask",
                                                     "ewoks_core.testing.tasks.Sleep"}
    refused = client.post("/api/tasks/discover", json={"modules": ["os"]})
    assert refused.status_code == 403 and refused.json()["field"] == "modules[0]"
    unknown = client.post("/api/tasks/discover", json={"modules": ["ewoks_core.testing.nothing_here"]})
    assert unknown.status_code == 404 and unknown.json()["field"] == "modules[0]"
    assert client.delete("/api/task/ewoks_core.testing.tasks.SumTask").status_code == 200
    assert client.get("/api/task/ewoks_core.testing.tasks.SumTask").status_code == 404


def test_token_protects_every_write_endpoint(tmp_path: Path) -> None:
    config = make_config(tmp_path / "data", token="s3cret")
    with TestClient(create_app(config)) as client:
        doc = workflow_doc("demo.yaml")
        writes = [("post", "/api/workflows", doc), ("put", "/api/workflow/demo", doc),
                  ("delete", "/api/workflow/demo", None),
                  ("post", "/api/jobs", {"graph": doc}), ("post", "/api/execute/demo", {}),
                  ("post", "/api/tasks/discover", {}), ("post", "/api/jobs/0123/cancel", None),
                  ("post", "/api/jobs/0123/rerun", None)]
        for method, path, body in writes:
            answer = client.request(method.upper(), path, json=body)
            assert answer.status_code == 401, path
            assert answer.json()["field"] == "Authorization" and answer.headers["www-authenticate"] == "Bearer"
            assert client.request(method.upper(), path, json=body,
                                  headers={"Authorization": "Bearer wrong"}).status_code == 401
        good = {"Authorization": "Bearer s3cret"}
        assert client.post("/api/workflows", json=doc, headers=good).status_code == 200
        assert client.get("/api/workflows").json() == {"identifiers": ["demo"]}  # reading needs no token
        assert client.get("/api/info").json()["token_required"] is True


def test_cors_is_off_unless_origins_are_given(client: TestClient, tmp_path: Path) -> None:
    preflight = {"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "POST"}
    assert "access-control-allow-origin" not in client.options("/api/jobs", headers=preflight).headers
    assert "access-control-allow-origin" not in client.get("/api/workflows", headers=preflight).headers
    config = make_config(tmp_path / "cors", cors_origins=("https://elsewhere.example",))
    with TestClient(create_app(config)) as cors_client:
        answer = cors_client.options("/api/jobs", headers=preflight)
        assert answer.headers["access-control-allow-origin"] == "https://elsewhere.example"
        other = cors_client.get("/api/workflows", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


def test_start_form_fields_are_typed_from_the_task_declarations(tmp_path: Path) -> None:
    config = make_config(tmp_path / "data", allowed_tasks=("ewoks_core.testing", "server_form_tasks"))
    doc = {"graph": {"id": "typed", "label": "typed inputs"}, "nodes": [
        {"id": "measure", "task_identifier": "server_form_tasks.Measure",
         "default_inputs": [{"name": "frames", "value": 3}]},
        {"id": "scale", "task_identifier": "ewoks_core.testing.tasks.ArrayScale",
         "default_inputs": [{"name": "factor", "value": 2.5}]}],
        "links": [{"source": "measure", "target": "scale", "data_mapping": [{"source_output": "value",
                                                                             "target_input": "array"}]}]}
    with TestClient(create_app(config)) as client:
        assert client.post("/api/workflows", json=doc).status_code == 200
        form = client.get("/api/workflow/typed/inputs").json()
        fields = {(f["node_label"], f["name"]): f for f in form["fields"]}
        assert set(fields) == {("measure", "energy_kev"), ("measure", "frames"), ("measure", "mode"),
                               ("measure", "dark"), ("scale", "factor")}  # scale.array comes from the link
        energy = fields["measure", "energy_kev"]
        assert energy["type"] == "number" and energy["required"] and energy["description"] == "beam energy"
        assert fields["measure", "frames"]["type"] == "integer" and fields["measure", "frames"]["value"] == 3
        assert not fields["measure", "frames"]["required"] and fields["measure", "frames"]["has_default"]
        assert fields["measure", "mode"]["enum"] == ["fast", "precise"] and fields["measure", "mode"]["value"] == "fast"
        assert fields["measure", "dark"]["type"] == "boolean"
        assert fields["scale", "factor"]["type"] == "number" and fields["scale", "factor"]["value"] == 2.5
        assert [f["node_label"] for f in form["fields"]][0] == "measure"  # start nodes first
        refused = client.post("/api/workflows", json=dict(doc, graph={"id": "os_form"}, nodes=[
            {"id": "n", "task_type": "method", "task_identifier": "os.getcwd"}], links=[]))
        assert refused.status_code == 200  # saving is allowed; listing its inputs imports nothing outside the list
        answer = client.get("/api/workflow/os_form/inputs")
        assert answer.status_code == 403 and answer.json()["field"] == "task_identifier"
