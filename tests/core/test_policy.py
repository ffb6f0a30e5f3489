"""ExecutionPolicy: what a job may reach, checked once at the request boundary (unit level, real files)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ewoks_core.graph import compile_graph, load_graph
from ewoks_core.outputs import prepare_output
from ewoks_core.policy import ExecutionPolicy, PolicyError, current_policy, install_policy


@pytest.fixture
def folders(tmp_path: Path):
    allowed, outside = tmp_path / "allowed", tmp_path / "outside"
    allowed.mkdir()
    outside.mkdir()
    (allowed / "escape").symlink_to(outside, target_is_directory=True)
    policy = ExecutionPolicy.confined([allowed], ["redis://events:6379/1"], ["tcp://dask:8786"], hint="Ask.")
    return allowed, outside, policy


@pytest.fixture
def installed():
    """Install a policy for one test; the process is unrestricted again afterwards."""
    yield install_policy
    install_policy(None)


def test_local_runs_are_unrestricted(tmp_path: Path):
    policy = ExecutionPolicy.unrestricted()
    assert not policy.restricted and current_policy() == policy
    policy.check_job(varinfo={"root_uri": "/anywhere"}, handlers=[{"class": "jsonl", "arguments": []}])
    assert policy.check_write("/etc/x", "f") == Path("/etc/x")


def test_paths_are_resolved_before_they_are_compared(folders):
    allowed, outside, policy = folders
    assert policy.check_write(allowed / "new" / "file.h5", "f") == (allowed / "new" / "file.h5").resolve()
    for path in (outside / "x", allowed / ".." / "outside" / "x", allowed / "escape" / "x",
                 allowed / "missing" / ".." / ".." / "outside" / "x", Path("relative.h5")):
        with pytest.raises(PolicyError, match=r"field 'f': this worker does not let jobs write to .*Ask\.$"):
            policy.check_write(path, "f")
    single = ExecutionPolicy.confined([allowed / "events.db"])  # a single file may be allowed
    single.check_write(allowed / "events.db", "f")
    with pytest.raises(PolicyError):
        single.check_write(allowed / "events.db-journal", "f")


def test_event_handlers_name_files_and_servers(folders):
    allowed, outside, policy = folders

    def handler(kind, name, value):
        return {"class": kind, "arguments": [{"name": name, "value": value}]}

    policy.check_handlers([handler("jsonl", "path", str(allowed / "e.jsonl")),
                           handler("sqlite", "uri", f"file:{allowed / 'e.db'}?mode=rwc"),
                           handler("sqlite", "uri", ":memory:"), handler("redis", "url", "redis://events:6379/1/")])
    refused = {"path": handler("jsonl", "path", str(outside / "e.jsonl")),
               "uri": handler("sqlite", "uri", f"file://{outside / 'e.db'}"),
               "url": handler("redis", "url", "redis://elsewhere:6379/0")}
    for name, h in refused.items():
        with pytest.raises(PolicyError, match=rf"field 'execinfo\.handlers\[1\]\.arguments\.{name}'"):
            policy.check_handlers([handler("memory", "path", str(allowed / "ok.jsonl")), h])
    with pytest.raises(PolicyError, match="names none"):
        policy.check_handlers([{"class": "redis"}])
    with pytest.raises(PolicyError, match="not a MemorySink"):
        from ewoks_core.events.sinks.memory import MemorySink

        policy.check_handlers([MemorySink()])


def test_result_roots_of_the_job_and_of_each_node(folders):
    allowed, outside, policy = folders
    policy.check_varinfo({"root_uri": str(allowed / "results")})
    policy.check_varinfo({"root_uri": str(allowed / "results.h5")})  # and its results_data folder
    with pytest.raises(PolicyError, match="varinfo.root_uri"):
        policy.check_varinfo({"root_uri": str(outside / "results")})
    with pytest.raises(PolicyError, match="results_data"):  # the nexus data folder beside the file
        ExecutionPolicy.confined([allowed / "results.h5"]).check_varinfo({"root_uri": str(allowed / "results.h5")})
    doc = {"graph": {"id": "g"}, "links": [], "nodes": [
        {"id": "a", "task_type": "class", "task_identifier": "ewoks_core.testing.tasks.SumTask"},
        {"id": "b", "task_type": "class", "task_identifier": "ewoks_core.testing.tasks.SumTask",
         "varinfo": {"root_uri": str(outside / "node")}}]}
    graph = compile_graph(load_graph(doc))
    with pytest.raises(PolicyError, match=r"node 'b', field 'varinfo\.root_uri'"):
        policy.check_job(graph=graph, varinfo={"root_uri": str(allowed / "results")})


def test_engine_options_naming_addresses_or_settings():
    dask_options = pytest.importorskip("ewoks_dask.options")
    policy = ExecutionPolicy.confined(schedulers=["dask:8786"])
    parse = dask_options.DaskOptions
    for ok in ("threads", "sync", "processes", "cluster", "tcp://dask:8786", "dask:8786"):
        policy.check_engine_options(parse(scheduler=ok))
    for bad, pattern in ((parse(scheduler="tcp://evil:8786"), "scheduler 'tcp://evil:8786'"),
                         (parse(scheduler="distributed"), "scheduler 'distributed'"),
                         (parse(scheduler="cluster", dashboard=True), "dashboard=True"),
                         (parse(scheduler="cluster", scheduler_options={"local_directory": "/"}),
                          r"scheduler_options=\['local_directory'\]")):
        with pytest.raises(PolicyError, match=pattern):
            policy.check_engine_options(bad)


def test_task_writers_follow_the_policy_of_the_process(folders, installed):
    allowed, outside, policy = folders
    prepare_output(outside / "x.h5", "ewoks_xrpd")  # unrestricted: anywhere
    installed(policy)
    prepare_output(allowed / "x.h5", "ewoks_xrpd")
    with pytest.raises(PolicyError, match="field 'output_file'"):
        prepare_output(outside / "x.h5", "ewoks_xrpd")


def test_worker_processes_of_a_job_inherit_its_policy(folders, installed):
    from ewoks_core.events.emitter import EventEmitter
    from ewoks_core.execution.context import RunContext, context_from_config

    _, _, policy = folders
    assert "policy" not in RunContext("wf", EventEmitter()).to_config()
    installed(policy)
    config = RunContext("wf", EventEmitter()).to_config()
    assert ExecutionPolicy.from_config(config["policy"]) == policy
    install_policy(None)
    context_from_config(config)  # what a worker process does
    assert current_policy() == policy


def test_policy_round_trips_as_plain_data(folders):
    _, _, policy = folders
    import json

    assert ExecutionPolicy.from_config(json.loads(json.dumps(policy.to_config()))) == policy
    assert ExecutionPolicy.from_config(ExecutionPolicy.unrestricted().to_config()) == ExecutionPolicy.unrestricted()
    assert os.fspath(policy.write_roots[0]).endswith("allowed")
