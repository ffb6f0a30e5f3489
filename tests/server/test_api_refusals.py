"""Bad requests get a 4xx JSON answer naming the field (never a 500); remote submitters cannot choose
where events and results go, which addresses engines connect to, nor which modules are imported."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

import pytest
from _server_support import workflow_doc
from fastapi.testclient import TestClient

DEMO = workflow_doc("demo.yaml")


def refused(client: TestClient, body: Dict[str, Any], status: int, field: str, path: str = "/api/jobs") -> Dict:
    answer = client.post(path, json=body)
    assert answer.status_code == status, answer.text
    data = answer.json()
    assert data["field"] == field, data
    assert data["message"] and "Traceback" not in answer.text
    return data


@pytest.mark.parametrize("body, field", [
    ({"graph": 5}, "body.graph"),
    ({}, "body.graph"),
    ({"graph": DEMO, "engine_option": {}}, "body.engine_option"),
    ({"graph": DEMO, "inputs": [{"value": 1}]}, "body.inputs.0.name"),
    ({"graph": DEMO, "inputs": {"a": 1}}, "body.inputs"),
    ({"graph": DEMO, "merge_outputs": "maybe"}, "body.merge_outputs"),
])
def test_malformed_bodies_name_the_field(client: TestClient, body: Dict[str, Any], field: str) -> None:
    data = refused(client, body, 422, field)
    assert data["detail"][0]["loc"] == field.split(".") or data["detail"][0]["loc"][:2] == field.split(".")[:2]


def test_invalid_workflows_name_node_and_field(client: TestClient) -> None:
    unknown = {"graph": {"id": "w"}, "links": [], "nodes": [
        {"id": "n1", "task_identifier": "ewoks_core.testing.tasks.SumTsk"}]}
    data = refused(client, {"graph": unknown}, 422, "graph.task_identifier")
    assert data["node_id"] == "n1" and "SumTask" in data["message"]  # did you mean
    missing_input = {"graph": {"id": "w"}, "links": [], "nodes": [
        {"id": "n1", "task_identifier": "ewoks_core.testing.tasks.SumTask"}]}
    assert refused(client, {"graph": missing_input}, 422, "graph")["node_id"] == "n1"
    bad_link = {"graph": {"id": "w"}, "nodes": [{"id": "a", "task_identifier": "ewoks_core.testing.tasks.Noop"}],
                "links": [{"source": "a", "target": "nowhere"}]}
    assert refused(client, {"graph": bad_link}, 422, "graph.links[0].target")
    assert "sequential" in refused(client, {"graph": DEMO, "engine": "warp"}, 422, "engine")["message"]
    refused(client, {"graph": DEMO, "engine_options": {"max_iteration": 3}}, 422, "engine_options.max_iteration")
    refused(client, {"graph": DEMO, "inputs": [{"id": "nobody", "name": "a", "value": 1}]}, 422, "inputs")


@pytest.mark.parametrize("body, field", [
    ({"execinfo": {"handlers": [{"class": "sqlite", "arguments": [{"name": "uri", "value": "/tmp/x.db"}]}]}},
     "execinfo.handlers"),
    ({"execinfo": {"job_id": "mine"}}, "execinfo.job_id"),
    ({"varinfo": {"root_uri": "/etc/results"}}, "varinfo.root_uri"),
    ({"varinfo": {"scheme": "pickle"}}, "varinfo.scheme"),
    ({"load_options": {"root_dir": "/"}}, "load_options.root_dir"),
    ({"engine": "dask", "engine_options": {"scheduler": "tcp://10.0.0.1:8786"}}, "engine_options.scheduler"),
    ({"engine": "dask", "engine_options": {"scheduler": "10.0.0.1:8786"}}, "engine_options.scheduler"),
    ({"engine": "dask", "engine_options": {"scheduler": "cluster",
                                           "scheduler_options": {"dashboard_address": ":0"}}},
     "engine_options.scheduler_options.dashboard_address"),
    ({"engine": "dask", "engine_options": {"dashboard": True}}, "engine_options.dashboard"),
])
def test_what_only_the_server_decides_is_refused(client: TestClient, body: Dict[str, Any], field: str) -> None:
    refused(client, {"graph": DEMO, **body}, 403, field)
    assert client.get("/api/jobs").json()["total"] == 0  # nothing was queued


def test_refusals_through_ewoksservers_execute(client: TestClient) -> None:
    assert client.post("/api/workflows", json=DEMO).status_code == 200
    refused(client, {"execute_arguments": {"execinfo": {"handlers": []}}}, 403, "execute_arguments.execinfo.handlers",
            "/api/execute/demo")
    refused(client, {"execute_arguments": {"engine": "dask", "scheduler": "tcp://1.2.3.4:1"}}, 403,
            "execute_arguments.engine_options.scheduler", "/api/execute/demo")
    refused(client, {"submit_arguments": {"countdown": 3}}, 403, "submit_arguments.countdown", "/api/execute/demo")
    refused(client, {"execute_arguments": {"inputs": [{"value": 3}]}}, 422, "execute_arguments.inputs",
            "/api/execute/demo")
    ok = client.post("/api/execute/demo", json={"execute_arguments": {"inputs": [{"name": "a", "value": 2}]}})
    assert ok.status_code == 200 and ok.json()["job_id"]


def test_nodes_cannot_choose_result_folders_nor_read_files_outside(client: TestClient, tmp_path: Path) -> None:
    node_varinfo = {"graph": {"id": "w"}, "links": [], "nodes": [
        {"id": "n", "task_identifier": "ewoks_core.testing.tasks.Noop", "varinfo": {"root_uri": str(tmp_path)}}]}
    assert refused(client, {"graph": node_varinfo}, 403, "graph.nodes[0].varinfo.root_uri")["node_id"] == "n"
    outside = tmp_path / "outside.json"
    outside.write_text('{"graph": {"id": "outside"}, "nodes": [], "links": []}')
    for identifier in (str(outside), "../../outside", "outside"):
        subgraph = {"graph": {"id": "w"}, "links": [], "nodes": [
            {"id": "sub", "task_type": "graph", "task_identifier": identifier}]}
        refused(client, {"graph": subgraph}, 403, "graph.nodes[0].task_identifier")
    # a saved workflow may be used as a sub-workflow
    assert client.post("/api/workflows", json=DEMO).status_code == 200
    uses_demo = {"graph": {"id": "outer"}, "links": [], "nodes": [
        {"id": "inner", "task_type": "graph", "task_identifier": "demo"}]}
    assert client.post("/api/jobs", json={"graph": uses_demo}).status_code == 200


def test_tasks_outside_the_allow_list_are_refused(client: TestClient) -> None:
    for node, field in [({"task_type": "method", "task_identifier": "os.system"}, "task_identifier"),
                        ({"task_type": "class", "task_identifier": "subprocess.Popen"}, "task_identifier"),
                        ({"task_type": "script", "task_identifier": "/bin/true"}, "task_type"),
                        ({"task_type": "generated", "task_identifier": "x",
                          "task_generator": "os.getcwd"}, "task_generator")]:
        graph = {"graph": {"id": "w"}, "links": [], "nodes": [{"id": "n", **node}]}
        data = refused(client, {"graph": graph}, 403, field)
        assert data["node_id"] == "n" and data["type"] == "policy"


def test_huge_bodies_are_refused(client: TestClient) -> None:
    answer = client.post("/api/jobs", content=b"{" + b" " * 100, headers={"Content-Length": str(10 ** 9),
                                                                            "Content-Type": "application/json"})
    assert answer.status_code == 413
