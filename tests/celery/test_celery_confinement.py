"""A worker trusts nothing but the workflow from a submitter (issue 10, points 1-3), with real workers.

Paths and addresses a job names (event files and stores, result roots, scheduler addresses)
are confined to what the worker's configuration allows; tasks never wipe or replace files
they did not write; method tasks only call functions defined in allowed modules; passwords
in URLs are never printed.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from _celery_support import ALLOWED, TASKS, RedisServer, one_node, write_config

from ewoks_celery import TaskNotAllowedError, list_jobs, load_config, submit_graph
from ewoks_core.errors import EwoksError, TaskFailedError
from ewoks_core.policy import PolicyError

SECRET = "S3cretPW"


@pytest.fixture(scope="module")
def setup(tmp_path_factory, start_worker):
    folder = tmp_path_factory.mktemp("confined")
    allowed, outside = folder / "allowed", folder / "outside"
    allowed.mkdir()
    outside.mkdir()
    path = write_config(folder / "celery.yaml", data_dir=str(folder / "data"), allowed_paths=[str(allowed)],
                        allowed_tasks=ALLOWED + ["ewoks_xrpd", "ewoks_xas"])
    worker = start_worker(path, concurrency=2)
    return SimpleNamespace(config=load_config(path), path=path, allowed=allowed, outside=outside, worker=worker)


def save_ascii(folder: Path) -> dict:
    """A workflow that writes .xy files into `folder` (ewoks_xrpd's SaveAscii, small arrays)."""
    inputs = {"radial": [1.0, 2.0, 3.0], "intensity": [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]],
              "output_folder": str(folder)}
    return {"graph": {"id": "save"}, "links": [], "nodes": [
        {"id": "save", "task_type": "class", "task_identifier": "ewoks_xrpd.tasks.save.SaveAscii",
         "default_inputs": [{"name": k, "value": v} for k, v in inputs.items()]}]}


def user_folder(folder: Path) -> dict:
    """A folder with someone's files; returns {relative path: bytes}."""
    (folder / "sub").mkdir(parents=True)
    (folder / "notes.txt").write_text("my notes")
    (folder / "sub" / "raw.edf").write_bytes(b"raw data")
    return snapshot(folder)


def snapshot(folder: Path) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_ewoks_submit_cannot_wipe_a_folder(setup, tmp_path, capsys):
    """The probe of issue 10: SaveAscii given an existing folder emptied it, through `ewoks submit`."""
    from ewoks_core.cli.main import main

    target = setup.allowed / "processed"
    before = user_folder(target)
    workflow = tmp_path / "save.json"
    workflow.write_text(json.dumps(save_ascii(target)))
    assert main(["submit", str(workflow), "--config", str(setup.path), "--wait", "--json"]) == 0
    capsys.readouterr()
    after = snapshot(target)
    assert {k: after[k] for k in before} == before  # every file of the user is still there, unchanged
    assert sorted(set(after) - set(before)) == ["frame_0000.xy", "frame_0001.xy"]

    elsewhere = setup.outside / "processed"
    before = user_folder(elsewhere)
    workflow.write_text(json.dumps(save_ascii(elsewhere)))
    assert main(["submit", str(workflow), "--config", str(setup.path), "--wait"]) == 1  # the task refused
    err = capsys.readouterr()[1]
    assert err.count("error: ") == 1 and "field 'output_folder'" in err and "outside the folders it allows" in err
    assert snapshot(elsewhere) == before


def handler(kind: str, name: str, value: str) -> dict:
    return {"class": kind, "arguments": [{"name": name, "value": value}]}


def fresh(folder: Path, name: str) -> Path:
    (folder / name).mkdir()
    return folder / name


def test_event_files_and_stores_are_confined(setup):
    outside = fresh(setup.outside, "events")
    inside = setup.allowed / "events.jsonl"
    future = submit_graph(one_node(a=1, b=2), config=setup.config,
                          execinfo={"handlers": [handler("jsonl", "path", str(inside))]})
    assert future.result(timeout=60) == {"result": 3}
    assert len(inside.read_text().splitlines()) == 6  # the job's events went to the allowed file too

    (setup.allowed / "link").symlink_to(outside, target_is_directory=True)
    refused = {
        "outside": handler("jsonl", "path", str(outside / "a.jsonl")),
        "dot-dot": handler("jsonl", "path", str(setup.allowed / ".." / "outside" / "events" / "b.jsonl")),
        "symlink": handler("jsonl", "path", str(setup.allowed / "link" / "c.jsonl")),
        "sqlite": handler("sqlite", "uri", str(outside / "d.db")),
        "sqlite-uri": handler("sqlite", "uri", f"file:{outside / 'e.db'}?mode=rwc"),
        "redis": handler("redis", "url", "redis://127.0.0.1:1/0"),
        "no-location": {"class": "redis", "arguments": []},
    }
    for case, h in refused.items():
        future = submit_graph(one_node(a=1, b=2), config=setup.config, execinfo={"handlers": [h]})
        with pytest.raises(PolicyError, match=r"field 'execinfo\.handlers\[1\]") as info:
            future.result(timeout=60)
        assert "this worker" in str(info.value) and "\n" not in str(info.value), case
        ends = future.events(context="job", type="end")  # the worker's own store has the job's end
        assert len(ends) == 1 and ends[0].error and "PolicyError" in ends[0].error_message, case
        assert not future.events(context="node"), case  # refused before any node ran
    assert list(outside.iterdir()) == []  # no file was created outside


def test_result_roots_are_confined(setup):
    elsewhere = fresh(setup.outside, "results")
    outside = elsewhere / "results"
    with pytest.raises(PolicyError, match=r"field 'varinfo\.root_uri'.*outside the folders it allows"):
        submit_graph(one_node(a=1), config=setup.config, varinfo={"root_uri": str(outside)}).result(timeout=60)
    graph = one_node(a=1)
    graph["nodes"][0]["varinfo"] = {"root_uri": str(elsewhere / "node.h5")}
    with pytest.raises(PolicyError, match=r"node 'n', field 'varinfo\.root_uri'"):
        submit_graph(graph, config=setup.config).result(timeout=60)
    assert list(elsewhere.iterdir()) == []
    inside = setup.allowed / "results.h5"
    assert submit_graph(one_node(a=1), config=setup.config, varinfo={"root_uri": str(inside)}).result(60) == {
        "result": 1}
    assert inside.is_file() and (setup.allowed / "results_data").is_dir()


def test_scheduler_addresses_and_cluster_settings_are_refused(setup):
    with socket.socket() as listener:  # a "scheduler" the submitter controls
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(0.5)
        address = f"tcp://127.0.0.1:{listener.getsockname()[1]}"
        future = submit_graph(one_node(a=1), config=setup.config, engine="dask", scheduler=address)
        with pytest.raises(PolicyError, match=r"engine option scheduler.*does not connect jobs to scheduler"):
            future.result(timeout=60)
        with pytest.raises(socket.timeout):
            listener.accept()  # the worker never connected
    future = submit_graph(one_node(a=1), config=setup.config, engine="dask", scheduler="cluster",
                          scheduler_options={"worker_class": "os.system"})
    with pytest.raises(PolicyError, match=r"engine option scheduler_options"):
        future.result(timeout=60)
    assert submit_graph(one_node(a=1), config=setup.config, engine="dask", scheduler="threads").result(60) == {
        "result": 1}


def test_method_tasks_only_call_functions_defined_in_allowed_modules(setup):
    victim = setup.allowed / "important.txt"
    victim.write_text("keep me")
    private = {"graph": {"id": "m"}, "links": [], "nodes": [
        {"id": "w", "task_type": "method", "task_identifier": "ewoks_xas.feff_model._write",
         "default_inputs": [{"name": "path", "value": str(victim)}, {"name": "data", "value": {}}]}]}
    with pytest.raises(TaskNotAllowedError, match="private name"):
        submit_graph(private, config=setup.config).result(timeout=60)
    assert victim.read_text() == "keep me"
    imported = {"graph": {"id": "m"}, "links": [], "nodes": [
        {"id": "p", "task_type": "method", "task_identifier": "ewoks_core.testing.runner.Path",
         "default_inputs": [{"name": 0, "value": str(victim)}]}]}
    with pytest.raises(TaskNotAllowedError, match="defined in 'pathlib'"):
        submit_graph(imported, config=setup.config).result(timeout=60)


def test_passwords_in_errors_events_and_job_lists_are_masked(setup, capsys):
    url = f"redis://:{SECRET}@db.example.org:6379/0"
    future = submit_graph(one_node(f"{TASKS}.Raises", value=url), config=setup.config)
    with pytest.raises(TaskFailedError) as info:
        future.result(timeout=60)
    error = info.value
    texts = [str(error), error.original_message, str(error.__cause__), error.__cause__.traceback_text]
    texts += [e.error_message + e.error_traceback for e in future.events() if e.error]
    texts += [json.dumps(row) for row in list_jobs(config=setup.config)]
    from ewoks_core.cli.main import main

    assert main(["jobs", "--config", str(setup.path)]) == 0
    texts.append(capsys.readouterr()[0])
    assert all(SECRET not in text for text in texts)
    assert "redis://:***@db.example.org" in str(error)


def test_unreachable_broker_with_password_is_reported_masked(tmp_path, capsys):
    """The probe of issue 10: `cannot submit job ... to 'amqp://guest:S3cretPW@...'` printed the password."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens there
    broker = f"amqp://guest:{SECRET}@127.0.0.1:{port}//"
    config = {"broker": broker, "data_dir": str(tmp_path / "data"),
              "celery": {"task_publish_retry": False, "broker_connection_timeout": 1}}
    with pytest.raises(EwoksError) as info:
        submit_graph(one_node(a=1), config=config)
    assert SECRET not in str(info.value) and "amqp://guest:***@127.0.0.1" in str(info.value)
    path = tmp_path / "celery.yaml"
    path.write_text(json.dumps(config))
    workflow = tmp_path / "wf.json"
    workflow.write_text(json.dumps(one_node(a=1)))
    from ewoks_core.cli.main import main

    assert main(["submit", str(workflow), "--config", str(path)]) == 2
    assert main(["jobs", "--config", str(path)]) == 0
    out, err = capsys.readouterr()
    assert "not submitted" in out and "cannot submit job" in err
    assert SECRET not in out + err


@pytest.mark.slow
def test_worker_banner_and_log_mask_the_password(tmp_path, start_worker):
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server not found")
    server = RedisServer(binary, tmp_path / "redis", password=SECRET)
    server.start()
    try:
        path = write_config(tmp_path / "celery.yaml", broker=server.url(0), results=server.url(1),
                            data_dir=str(tmp_path / "data"), queue="secret")
        config = load_config(path)
        assert SECRET not in repr(config)
        worker = start_worker(path, queues=["secret"], cli=True)
        future = submit_graph(one_node(f"{TASKS}.Raises", value=server.url(2)), config=config, queue="secret")
        with pytest.raises(TaskFailedError):
            future.result(timeout=60)
        assert future.events(context="job", type="end")[0].error
        env = {k: v for k, v in os.environ.items() if k != "EWOKS_CELERY_CONFIG"}
        listing = subprocess.run([sys.executable, "-m", "ewoks_core.cli.main", "jobs", "--config", str(path)],
                                 capture_output=True, text=True, env=env, timeout=60)
        assert listing.returncode == 0 and future.job_id in listing.stdout
        worker.stop()
        log = worker.log_path.read_text(errors="replace")
        assert "ewoks worker: broker redis://:***@127.0.0.1" in log
        assert SECRET not in log + listing.stdout + listing.stderr
    finally:
        server.stop()
