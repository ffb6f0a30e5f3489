"""Parts of ewoks_celery without workers: configuration, wire encoding, errors, allow-list, stores, transport."""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ewoks_celery import codec
from ewoks_celery.app import celery_settings, result_backend_url
from ewoks_celery.config import CeleryConfig, load_config
from ewoks_celery.errors import TaskNotAllowedError, error_from_payload, error_payload
from ewoks_celery.jobstore import JobRecord
from ewoks_celery.jobstore.sqlite import SqliteJobStore
from ewoks_celery.payload import JobRequest, build_request, check_handlers
from ewoks_core import execute_graph
from ewoks_core.allowlist import check_graph, module_allowed
from ewoks_core.errors import EwoksError, RemoteTaskError, TaskFailedError, TaskNotFoundError, WorkflowCancelled
from ewoks_core.graph import compile_graph, load_graph
from ewoks_core.request import ExecuteRequest
from ewoks_core.task import MISSING


# --- configuration
def test_default_configuration_is_embedded(monkeypatch, tmp_path):
    monkeypatch.delenv("EWOKS_CELERY_CONFIG", raising=False)
    monkeypatch.setenv("EWOKS_DATA_DIR", str(tmp_path))
    config = load_config()
    assert config.data_dir == str(tmp_path / "celery") and config.broker_url == "ewoksfs://localhost//"
    settings = celery_settings(config)
    assert settings["accept_content"] == ["json"] and settings["task_serializer"] == "json"
    assert settings["task_acks_late"] and not settings["task_reject_on_worker_lost"]
    assert settings["result_backend"].endswith(f"+sqlite://{tmp_path / 'celery' / 'results.db'}")
    assert (tmp_path / "celery" / "broker" / "queue").is_dir() and not settings["worker_enable_remote_control"]
    monkeypatch.setenv("EWOKS_CELERY_CONFIG", str(tmp_path / "missing.yaml"))
    with pytest.raises(EwoksError, match="configuration file not found"):
        load_config()


def test_configuration_files_environment_and_overrides(monkeypatch, tmp_path):
    (tmp_path / "c.yaml").write_text("broker_url: redis://h:1/0\nresults: redis://h:1/1\nallowed_tasks: mylib\n"
                                     "celery: {worker_max_tasks_per_child: 10}\n")
    monkeypatch.setenv("EWOKS_CELERY_CONFIG", str(tmp_path / "c.yaml"))
    config = load_config()
    assert (config.broker, config.allowed_tasks, config.events_source) == ("redis://h:1/0", ("mylib",),
                                                                           "redis://h:1/1")
    assert celery_settings(config)["worker_max_tasks_per_child"] == 10
    assert load_config(broker="amqp://x//").broker == "amqp://x//"
    (tmp_path / "c.py").write_text("import os\nqueue = 'fast'\nlost_after = 60\n")
    assert load_config(tmp_path / "c.py").queue == "fast"
    (tmp_path / "bad.yaml").write_text("brokr: redis://h\n")
    with pytest.raises(EwoksError, match="unknown setting 'brokr'. Did you mean 'broker'"):
        load_config(tmp_path / "bad.yaml")
    (tmp_path / "bad.yaml").write_text("heartbeat_interval: 5\nlost_after: 6\n")
    with pytest.raises(EwoksError, match="at least twice"):
        load_config(tmp_path / "bad.yaml")
    with pytest.raises(EwoksError, match="unsupported result store 'rpc://'"):
        result_backend_url(CeleryConfig(broker="amqp://", results="rpc://"))


def test_cli_hook_adds_the_commands_without_importing_celery():
    code = ("import argparse, sys; import ewoks_celery.cli as cli; parser = argparse.ArgumentParser(); "
            "sub = parser.add_subparsers(); cli.add_commands(sub); assert 'celery' not in sys.modules; "
            "print(' '.join(sorted(sub.choices)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["cancel", "jobs", "submit", "worker"]


# --- what crosses the wire
def test_values_round_trip_through_json():
    value = {"f32": np.arange(6, dtype=np.float32).reshape(2, 3), "bool": np.array([True, False]),
             "cplx": np.array([1 + 2j]), "text": np.array(["ab", "c"]), "objects": np.array([1, "a"], dtype=object),
             "scalar": np.int16(7), "tuple": (1, (2, "x")), "set": {1, 2}, "bytes": b"\x00\xff",
             "path": Path("/tmp/x"), 3: "int key", ("a", 1): "tuple key", "nan": math.nan, "missing": MISSING,
             "tag": {"__tuple__": [1]}}
    back = codec.decode(json.loads(json.dumps(codec.encode(value))))
    for key in ("f32", "bool", "cplx", "text", "objects"):
        assert back[key].dtype == value[key].dtype
        np.testing.assert_array_equal(back[key], value[key])
    assert back["tuple"] == (1, (2, "x")) and back["set"] == {1, 2} and back["bytes"] == b"\x00\xff"
    assert back[3] == "int key" and back[("a", 1)] == "tuple key" and math.isnan(back["nan"])
    assert back["missing"] is MISSING and back["tag"] == {"__tuple__": [1]} and back["path"] == Path("/tmp/x")
    assert type(back["scalar"]) is np.int16 and back["scalar"] == 7  # numpy scalars keep their type
    for scalar in (np.float32(1.5), np.bool_(True), np.uint8(3)):
        again = codec.decode(json.loads(json.dumps(codec.encode(scalar))))
        assert type(again) is type(scalar) and again == scalar


def test_values_without_encoding_are_refused_with_their_place():
    with pytest.raises(codec.EncodingError, match=r"inputs\['x'\]\[1\] of type threading.Event"):
        codec.encode({"x": [1, threading.Event()]}, what="inputs")


# --- errors travel as JSON
def test_task_failure_round_trip_keeps_node_type_message_and_traceback():
    graph = {"graph": {"id": "g"}, "links": [], "nodes": [
        {"id": "boom", "task_type": "class", "task_identifier": "ewoks_core.testing.tasks.Fail"}]}
    with pytest.raises(TaskFailedError) as info:
        execute_graph(graph)
    back = error_from_payload(json.loads(json.dumps(error_payload(info.value))), "job1")
    assert isinstance(back, TaskFailedError) and back.node_id == "boom" and back.original_type == "RuntimeError"
    assert str(back) == str(info.value)
    assert isinstance(back.__cause__, RemoteTaskError) and "intentional failure" in back.__cause__.traceback_text


def test_other_errors_round_trip():
    err = TaskNotFoundError("unknown task", node_id=("sub", 1), field="task_identifier", hint="Fix it.")
    back = error_from_payload(json.loads(json.dumps(error_payload(err))), "j")
    assert type(back) is TaskNotFoundError and back.node_id == ("sub", 1) and str(back) == str(err)
    assert isinstance(error_from_payload(error_payload(KeyError("k")), "j"), RemoteTaskError)
    assert isinstance(error_from_payload(error_payload(ValueError("x"), cancelled=True), "j"), WorkflowCancelled)


# --- allow-list
def _compiled(*nodes):
    return compile_graph(load_graph({"graph": {"id": "g"}, "nodes": list(nodes), "links": []}))


def test_allow_list_is_checked_before_any_import():
    assert module_allowed("pkg.sub", ["pkg"]) and not module_allowed("pkg_other", ["pkg"])
    assert module_allowed("anything", ["*"])
    ok = {"id": "a", "task_type": "class", "task_identifier": "ewoks_core.testing.tasks.SumTask"}
    check_graph(_compiled(ok), ["ewoks_core.testing"], allow_scripts=False)
    never_imported = {"id": "b", "task_type": "class", "task_identifier": "not_installed_pkg.evil.Task"}
    with pytest.raises(TaskNotAllowedError, match="'not_installed_pkg.evil' is not in its allow-list") as info:
        check_graph(_compiled(ok, never_imported), ["ewoks_core.testing"], allow_scripts=False)
    assert info.value.node_id == "b" and "--allow not_installed_pkg" in str(info.value)
    generated = {"id": "c", "task_type": "generated", "task_identifier": "x", "task_generator": "gen.mod.make"}
    with pytest.raises(TaskNotAllowedError, match="gen.mod"):
        check_graph(_compiled(generated), ["ewoks_core"], allow_scripts=False)
    script = {"id": "d", "task_type": "script", "task_identifier": "run.sh"}
    with pytest.raises(TaskNotAllowedError, match="scripts are disabled"):
        check_graph(_compiled(script), ["*"], allow_scripts=False)
    with pytest.raises(TaskNotAllowedError, match="root_module"):
        check_graph(_compiled(ok), ["ewoks_core"], allow_scripts=False, root_module="other")


# --- the job message
def test_job_message_is_json_and_only_known_event_handlers_are_accepted(tmp_path):
    graph = {"graph": {"id": "g"}, "links": [], "nodes": [
        {"id": "a", "task_type": "class", "task_identifier": "ewoks_core.testing.tasks.SumTask"}]}
    args = ExecuteRequest.parse(engine="sequential", inputs=[{"name": "a", "value": np.ones(2)}],
                                outputs=[{"id": "a", "name": "result", "new_name": "sum"}], merge_outputs=False,
                                varinfo={"root_uri": str(tmp_path), "scheme": "nexus"}, task_options={"x": 1},
                                load_options={"root_dir": str(tmp_path)}, engine_options={"max_iterations": 3})
    request = build_request(graph, args, job_id="j", handlers=[], load_on="client")
    back = JobRequest.from_message(json.loads(json.dumps(request.to_message())))
    assert back.request.engine_options == {"max_iterations": 3} and back.workflow_id == "g"
    # every argument of the request survives the JSON message (no pickle), arrays included
    assert back.request.output_list() == args.output_list() and back.request.merge_outputs is False
    assert back.request.varinfo == args.varinfo and back.request.load_options == args.load_options
    assert back.request.task_options == {"x": 1} and back.request.execinfo == {"job_id": "j", "handlers": []}
    np.testing.assert_array_equal(back.request.inputs[0]["value"], np.ones(2))
    np.testing.assert_array_equal(back.load().nodes["a"].default_inputs["a"], np.ones(2))
    with pytest.raises(EwoksError, match="cannot be used on a worker"):
        check_handlers([{"class": "os.system", "arguments": []}])
    with pytest.raises(EwoksError, match="not supported by this worker"):
        JobRequest.from_message({"version": 99})


# --- the embedded job index
def test_sqlite_job_index_claims_once_and_beats(tmp_path):
    store = SqliteJobStore(tmp_path / "jobs.db", lost_after=0.5, expires=3600)
    store.add(JobRecord("j1", workflow_id="w", submitted=time.time()))
    assert not store.alive("j1")
    assert store.claim("j1", "host:1") == "claimed" and store.alive("j1")
    assert store.claim("j1", "host:2") == "STARTED"  # a redelivered message does not run it again
    time.sleep(0.6)
    assert not store.alive("j1")
    store.beat(["j1"])
    assert store.alive("j1")
    assert store.finish("j1", "SUCCESS", only_if_started=True) and not store.finish("j1", "FAILURE",
                                                                                    only_if_started=True)
    store.add(JobRecord("j2", submitted=time.time() + 1))
    store.request_cancel("j2")
    assert store.wait_cancel(["j2"], 0.01, threading.Event()) == ["j2"]
    assert store.claim("j2", "host:1") == "cancelled"
    assert store.finish("j2", "REVOKED", only_if_pending=True)  # exactly one party ends a queued job
    assert not store.finish("j2", "REVOKED", only_if_pending=True) and store.claim("j2", "host:1") == "REVOKED"
    assert [r.job_id for r in store.recent(5)] == ["j2", "j1"] and store.get("j1").state == "SUCCESS"


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_job_index_lists_the_items_of_one_job_only(tmp_path, request, kind):
    if kind == "sqlite":
        store: Any = SqliteJobStore(tmp_path / "jobs.db", lost_after=5, expires=3600)
    else:
        from ewoks_celery.jobstore.redis import RedisJobStore

        server = request.getfixturevalue("redis_server")
        store = RedisJobStore(server.url(2), lost_after=5, expires=3600, prefix=f"t{time.time_ns()}")
    # ids with LIKE and glob wildcards: a job's items, never another job's
    for job_id in ("j_1", "j%1", "j*1", "jx1"):
        store.add(JobRecord(job_id, submitted=time.time()))
        assert store.claim(f"{job_id}:item:0", "host:1") == "claimed"
    assert store.claim("j*1:item:1", "host:2") == "claimed"
    for job_id in ("j_1", "j%1", "jx1"):
        assert [r.job_id for r in store.items(job_id)] == [f"{job_id}:item:0"]
    assert sorted((r.job_id, r.state) for r in store.items("j*1")) == [("j*1:item:0", "STARTED"),
                                                                      ("j*1:item:1", "STARTED")]
    assert store.items("nobody") == []


# --- the embedded broker
def _produce(folder: str, producer: int, count: int) -> None:
    from kombu import Connection

    from ewoks_celery import transport_fs

    transport_fs.register()
    options = {"data_folder_in": folder, "data_folder_out": folder, "control_folder": folder + "/control"}
    with Connection("ewoksfs://", transport_options=options) as conn:
        queue = conn.SimpleQueue("q", serializer="json")
        for i in range(count):
            queue.put({"id": f"{producer}-{i}", "blob": "x" * 20000})
        queue.close()


def _consume(folder: str, expected: int, out: "multiprocessing.Queue") -> None:
    from kombu import Connection

    from ewoks_celery import transport_fs

    transport_fs.register()
    options = {"data_folder_in": folder, "data_folder_out": folder, "control_folder": folder + "/control",
               "polling_interval": 0.001}
    received = []
    with Connection("ewoksfs://", transport_options=options) as conn:
        queue = conn.SimpleQueue("q", serializer="json")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                message = queue.get(block=True, timeout=0.5)
            except queue.Empty:
                if os.path.exists(os.path.join(folder, "done")):
                    break
                continue
            assert len(message.payload["blob"]) == 20000
            received.append(message.payload["id"])
            message.ack()
        queue.close()
    out.put(received)


@pytest.mark.slow
def test_embedded_broker_under_concurrent_producers_and_consumers(tmp_path):
    """kombu issue 1551: a consumer must never read a half-written message file."""
    folder = str(tmp_path)
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    consumers = [ctx.Process(target=_consume, args=(folder, 600, out)) for _ in range(3)]
    producers = [ctx.Process(target=_produce, args=(folder, p, 200)) for p in range(3)]
    for proc in consumers + producers:
        proc.start()
    for proc in producers:
        proc.join(60)
    Path(folder, "done").touch()
    received = [mid for _ in consumers for mid in out.get(timeout=90)]
    for proc in consumers:
        proc.join(30)
        assert proc.exitcode == 0
    assert sorted(received) == sorted(f"{p}-{i}" for p in range(3) for i in range(200))
    assert not [name for name in os.listdir(folder) if name.endswith((".msg", ".tmp", ".claimed"))]


def test_passwords_are_masked_in_the_worker_banner():
    from ewoks_celery.config import mask_password

    assert mask_password("amqp://guest:secret@host:5672//") == "amqp://guest:***@host:5672//"
    assert mask_password("redis://:pw@127.0.0.1:6379/0") == "redis://:***@127.0.0.1:6379/0"
    assert mask_password("filesystem://") == "filesystem://"


# --- what a worker allows, secrets, liveness
def test_worker_policy_from_the_configuration(tmp_path):
    config = CeleryConfig(data_dir=str(tmp_path), allowed_paths=("/data/visitor",), allowed_schedulers=("dask:8786",))
    policy = config.policy
    assert policy.write_roots == ("/data/visitor", str(tmp_path / "events.db"))  # its own event file too
    assert policy.event_urls == () and policy.schedulers == ("tcp://dask:8786",)
    redis = CeleryConfig(broker="redis://:pw@h/0", results="redis://:pw@h/1", data_dir=str(tmp_path)).policy
    assert redis.event_urls == ("redis://:pw@h/1",) and redis.write_roots == ()
    defaults = CeleryConfig()
    assert defaults.allowed_paths == () and defaults.lost_after == 4.0 and defaults.heartbeat_interval == 1.0
    path = tmp_path / "c.yaml"
    path.write_text("allow_path: [/a, /b]\nallowed_schedulers: tcp://s:1\n")
    assert load_config(path).allowed_paths == ("/a", "/b") and load_config(path).allowed_schedulers == ("tcp://s:1",)
    assert "pw" not in repr(CeleryConfig(broker="amqp://guest:pw@rabbit//"))


def test_a_dead_process_is_told_apart_from_a_running_one():
    import signal as signals

    from ewoks_celery.liveness import process_death

    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert process_death(proc.pid) is None
        os.kill(proc.pid, signals.SIGKILL)
        deadline = time.monotonic() + 10
        while process_death(proc.pid) is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert process_death(proc.pid) == "was killed by signal 9 (SIGKILL)"  # a zombie: not reaped yet
    finally:
        proc.wait()
    assert process_death(proc.pid) == "is gone"


def test_submit_graph_refuses_a_bad_argument_before_anything_is_sent(tmp_path):
    """The arguments are parsed (ExecuteRequest) before a client, a store or a broker is touched."""
    from ewoks_core import submit_graph

    doc = {"graph": {"id": "g"}, "links": [], "nodes": [
        {"id": "a", "task_type": "class", "task_identifier": "ewoks_core.testing.tasks.SumTask"}]}
    config = {"broker": "redis://127.0.0.1:1/0", "results": f"sqlite:///{tmp_path / 'never.db'}"}
    with pytest.raises(EwoksError, match=r"unknown outputs\[0\] key\(s\) \['nme'\]. Did you mean 'name'") as info:
        submit_graph(doc, outputs=[{"id": "a", "nme": "result"}], config=config)
    assert info.value.field == "outputs[0]" and not (tmp_path / "never.db").exists()
    with pytest.raises(EwoksError, match="no submitter 'celeri' for remote execution. Did you mean 'celery'"):
        submit_graph(doc, submitter="celeri")
