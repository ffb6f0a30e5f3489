"""Zero configuration: `ewoks worker` and submit_graph() with embedded files as broker and result store."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from _celery_support import TASKS, one_node, sleeper, wait_until

from ewoks_celery import (
    JobNotFoundError,
    TaskNotAllowedError,
    cancel_job,
    get_future,
    list_jobs,
    load_config,
    submit_graph,
)
from ewoks_celery.codec import EncodingError
from ewoks_core.errors import GraphFormatError, RemoteTaskError, TaskFailedError, WorkflowCancelled


@pytest.fixture(scope="module")
def worker(data_dir, start_worker):
    """`ewoks worker --allow <test tasks>` without any configuration."""
    return start_worker(None, config=load_config(), cli=True, argv=["--allow", TASKS],
                        env={"EWOKS_DATA_DIR": str(data_dir)})


def test_defaults_are_embedded_files(data_dir, worker):
    config = load_config()
    assert config.embedded_broker and config.broker_url.startswith("ewoksfs://")
    assert config.results_url == f"sqlite://{data_dir.resolve()}/celery/results.db"
    assert config.events_source == f"{data_dir}/celery/events.db"


def test_submit_returns_a_future_and_results(worker):
    future = submit_graph(one_node(a=1, b=2))
    assert len(future.job_id) == 32
    assert future.result(timeout=60) == {"result": 3}
    assert future.done() and future.state == "SUCCESS" and not future.cancelled()


def test_numpy_and_other_values_round_trip(worker):
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    results = submit_graph(one_node(f"{TASKS}.Arrays"), inputs=[{"name": "a", "value": a}]).result(timeout=60)
    assert results["doubled"].dtype == np.float32 and results["doubled"].shape == (2, 3)
    np.testing.assert_array_equal(results["doubled"], a * 2)
    assert results["total"] == 15.0 and results["shape"] == (2, 3)
    assert results["by_index"] == {0: 0.0, 1: 1.0, 2: 2.0} and results["raw"] == a.tobytes()[:8]


def test_task_exception_comes_back_with_node_and_traceback(worker):
    future = submit_graph(one_node(f"{TASKS}.Raises", value=42))
    with pytest.raises(TaskFailedError) as info:
        future.result(timeout=60)
    err = info.value
    assert err.node_id == "n" and err.task_identifier == f"{TASKS}.Raises"
    assert err.original_type == "ValueError" and "ValueError: bad value 42" in str(err)
    assert isinstance(err.__cause__, RemoteTaskError)
    assert "_deep_failure" in err.__cause__.traceback_text and "bad value 42" in err.remote_traceback
    assert future.state == "FAILURE"


def test_worker_refuses_modules_outside_its_allow_list(worker):
    graph = {"graph": {"id": "evil"}, "links": [],
             "nodes": [{"id": "x", "task_type": "method", "task_identifier": "os.getcwd"}]}
    future = submit_graph(graph)
    with pytest.raises(TaskNotAllowedError, match=r"'os' is not in its allow-list") as info:
        future.result(timeout=60)
    assert info.value.node_id == "x" and "--allow os" in str(info.value)
    events = future.events(context="job")
    assert [e.type for e in events] == ["start", "end"] and events[-1].error


def test_workers_refuse_pickled_messages(worker):
    from ewoks_celery.app import TASK_NAME
    from ewoks_celery.client import client_for

    app = client_for(load_config()).app
    result = app.send_task(TASK_NAME, kwargs={"job": {}}, serializer="pickle", queue="ewoks")
    wait_until(lambda: "Refusing to deserialize untrusted content of type pickle" in worker.log(), 30,
               "the worker to refuse the message")
    assert result.state == "PENDING" and worker.proc.poll() is None


def test_values_without_json_encoding_are_refused(worker):
    with pytest.raises(EncodingError, match="workflow input 'b' of type builtins.object"):
        submit_graph(one_node(a=1), inputs=[{"name": "b", "value": object()}])
    with pytest.raises(EncodingError, match="workflow result\\['obj'\\]"):
        submit_graph(one_node(f"{TASKS}.Unsendable")).result(timeout=60)


def test_get_future_from_another_process(worker, data_dir):
    future = submit_graph(sleeper(0.3))
    code = ("import sys; from ewoks_celery import get_future; "
            "print(get_future(sys.argv[1]).result(timeout=60)['slept'])")
    out = subprocess.run([sys.executable, "-c", code, future.job_id], capture_output=True, text=True, timeout=120,
                         env={**_env(), "EWOKS_DATA_DIR": str(data_dir)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "0.3"
    with pytest.raises(JobNotFoundError):
        get_future("no-such-job")


def _env():
    import os

    return {k: v for k, v in os.environ.items() if k != "EWOKS_CELERY_CONFIG"}


def test_events_history_and_live_follow(worker):
    future = submit_graph(sleeper(0.5))
    followed = list(future.follow(timeout=60))
    assert (followed[0].context, followed[0].type) == ("job", "start")
    assert (followed[-1].context, followed[-1].type) == ("job", "end") and not followed[-1].error
    assert any(e.type == "progress" and e.node_id == "n" for e in followed)
    assert future.result(timeout=60) == {"slept": 0.5}
    history = future.events()
    assert {e.job_id for e in history} == {future.job_id}
    assert [e.type for e in history if e.context == "node" and e.type != "progress"] == ["start", "end"]


@pytest.mark.parametrize("events_busy", [False, True], ids=["", "while-it-writes-its-start-events"])
def test_cancel_a_running_job(worker, events_busy):
    # events_busy: another writer holds the event store as the job starts, so that the cancel reaches the worker
    # while it writes the job's start events (ewoks' code, not the task): the job still stops, with its end event
    busy = sqlite3.connect(load_config().events_source, isolation_level=None, timeout=30)
    if events_busy:
        busy.execute("BEGIN IMMEDIATE")
    future = submit_graph(sleeper(60))
    wait_until(lambda: future.state == "STARTED", 60, "the job to start")
    t0 = time.monotonic()
    assert future.cancel()
    if events_busy:
        time.sleep(2 * load_config().heartbeat_interval + 0.5)  # the worker sees the request meanwhile
        busy.execute("ROLLBACK")
    busy.close()
    with pytest.raises(WorkflowCancelled):
        future.result(timeout=30)
    assert time.monotonic() - t0 < 10
    assert future.cancelled() and future.state == "REVOKED" and not future.cancel()
    ends = future.events(context="job", type="end")
    assert len(ends) == 1 and ends[0].error


def test_cancel_a_queued_job(worker):
    future = submit_graph(one_node(a=1), queue="nobody-listens")
    assert cancel_job(future.job_id)
    with pytest.raises(WorkflowCancelled):
        future.result(timeout=10)
    assert [j["state"] for j in list_jobs() if j["job_id"] == future.job_id] == ["REVOKED"]


def test_subgraphs_are_resolved_on_the_client_or_on_the_worker(worker, tmp_path):
    (tmp_path / "sub.json").write_text(json.dumps({
        "graph": {"id": "sub", "input_nodes": [{"id": "in", "node": "s"}],
                  "output_nodes": [{"id": "out", "node": "s"}]},
        "nodes": [{"id": "s", "task_type": "class", "task_identifier": "ewoks_core.testing.tasks.SumTask",
                   "default_inputs": [{"name": "b", "value": 10}]}], "links": []}))
    main = tmp_path / "main.json"
    main.write_text(json.dumps({
        "graph": {"id": "main"}, "links": [{"source": "first", "target": "inner", "sub_target": "in",
                                            "data_mapping": [{"source_output": "result", "target_input": "a"}]}],
        "nodes": [{"id": "first", "task_type": "class", "task_identifier": "ewoks_core.testing.tasks.SumTask"},
                  {"id": "inner", "task_type": "graph", "task_identifier": "sub.json"}]}))
    inputs = [{"id": "first", "name": "a", "value": 1}]
    assert submit_graph(str(main), inputs=inputs).result(timeout=60) == {"result": 11}
    assert submit_graph(str(main), inputs=inputs, load_on="worker").result(timeout=60) == {"result": 11}
    per_node = submit_graph(str(main), inputs=inputs, outputs=[{"all": True}], merge_outputs=False)
    assert per_node.result(timeout=60) == {"first": {"result": 1}, ("inner", "s"): {"result": 11}}
    (tmp_path / "sub.json").unlink()
    with pytest.raises(GraphFormatError, match="sub-graph file 'sub.json' not found"):
        submit_graph(str(main), inputs=inputs)  # loaded here: refused before anything is sent
    future = submit_graph(str(main), inputs=inputs, load_on="worker")
    with pytest.raises(GraphFormatError, match="sub-graph file 'sub.json' not found"):
        future.result(timeout=60)  # loaded there: the worker reports it


@pytest.mark.slow
def test_100_concurrent_submissions_all_complete(worker):
    futures = {}
    lock = threading.Lock()

    def submit(start):
        for i in range(start, start + 10):
            future = submit_graph(one_node(a=i, b=1))
            with lock:
                futures[i] = future

    threads = [threading.Thread(target=submit, args=(k * 10,)) for k in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({f.job_id for f in futures.values()}) == 100
    assert {i: f.result(timeout=120)["result"] for i, f in futures.items()} == {i: i + 1 for i in range(100)}
    assert worker.proc.poll() is None and "JSONDecodeError" not in worker.log()


def test_cli_submit_wait_jobs_and_cancel(worker, tmp_path, capsys):
    from ewoks_core.cli.main import main

    workflow = tmp_path / "wf.json"
    workflow.write_text(json.dumps(one_node(b=1)))
    assert main(["submit", str(workflow), "-p", "a=41", "--wait", "--json"]) == 0
    out, err = capsys.readouterr()
    job_id, results = out.strip().splitlines()
    assert json.loads(results) == {"result": 42}
    assert f"job {job_id} finished" in err and "node n end done" in err
    assert main(["jobs", "--json", "-n", "5"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr()[0].splitlines()]
    assert {"job_id": job_id, "state": "SUCCESS"}.items() <= rows[0].items()
    assert main(["submit", str(workflow), "-p", "a=1", "--queue", "nobody-listens"]) == 0
    queued = capsys.readouterr()[0].strip()
    assert main(["cancel", queued, job_id]) == 0
    assert capsys.readouterr()[0].splitlines() == [f"{queued} cancelled", f"{job_id} already finished"]
    assert main(["submit", str(workflow), "--wait"]) == 2  # input 'a' missing: a user error, reported by the worker
    err = capsys.readouterr()[1]
    assert err.count("error: ") == 1 and "'a'" in err
    assert main(["submit", str(workflow), "-p", "a=1", "--queue", "nobody-listens", "--wait", "--timeout", "0.5"]) == 1
    out, err = capsys.readouterr()
    job_id = out.strip()
    assert f"job {job_id} did not finish within 0.5 s (state PENDING)" in err and f"ewoks cancel {job_id}" in err
    assert "Traceback" not in err
    assert main(["cancel", job_id]) == 0
    capsys.readouterr()


def test_process_pools_in_a_prefork_worker_are_refused_clearly(worker):
    """A Celery prefork pool process is a daemon: it cannot start process pools; say so and what to do."""
    for engine, options in (("dask", {"scheduler": "processes"}), ("ppf", {"pool_type": "process"})):
        future = submit_graph(one_node("ewoks_core.testing.tasks.SumTask", a=1), engine=engine, **options)
        with pytest.raises(Exception,
                           match=r"cannot start worker processes here: this process is a daemon.*--pool threads"):
            future.result(timeout=60)
    future = submit_graph(one_node("ewoks_core.testing.tasks.SumTask", a=1), engine="dask", scheduler="threads")
    assert future.result(timeout=60) == {"result": 1}
