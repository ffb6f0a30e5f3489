"""Events complete and lost jobs noticed fast, without false alarms (issue 10 point 4, issue 16), real workers.

The worker configuration here keeps the default heartbeat_interval and lost_after.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
import yaml
from _celery_support import ALLOWED, TASKS, one_node, sleeper, wait_until

from ewoks_celery import JobLostError, load_config, submit_graph
from ewoks_celery.client import client_for
from ewoks_core.errors import EwoksError, WorkflowCancelled


@pytest.fixture(scope="module")
def setup(tmp_path_factory, start_worker):
    folder = tmp_path_factory.mktemp("liveness")
    path = folder / "celery.yaml"  # the default heartbeat and lost_after
    path.write_text(yaml.safe_dump({"data_dir": str(folder / "data"), "allowed_tasks": ALLOWED}))
    worker = start_worker(path, concurrency=2)
    return SimpleNamespace(config=load_config(path), path=path, worker=worker)


def node_started(future) -> bool:
    try:
        return future.state == "STARTED" and bool(future.events(context="node", type="start"))
    except EwoksError:  # no event file yet
        return False


def node_ends(future, node_id="n"):
    return [e for e in future.events(context="node", type="end") if e.node_id == node_id]


def test_a_job_cancelled_while_queued_gets_its_end_events(setup, capsys):
    future = submit_graph(one_node(a=1), config=setup.config, queue="nobody-listens")
    assert future.cancel()
    with pytest.raises(WorkflowCancelled):
        future.result(timeout=10)
    events = list(future.follow(timeout=10))  # returned at the job end event (hung until the timeout before)
    assert [(e.context, e.type) for e in events] == [("job", "start"), ("job", "end")]
    assert events[-1].error and "cancelled before it started" in events[-1].error_message
    from ewoks_core.cli.main import main

    done = []
    follower = threading.Thread(target=lambda: done.append(main(
        ["events", setup.config.events_source, "--job", future.job_id, "--follow"])), daemon=True)
    follower.start()
    follower.join(timeout=30)
    assert done == [0]  # `ewoks events --follow` ends
    assert "WorkflowCancelled" in capsys.readouterr()[0]


def test_a_killed_pool_process_fails_its_job_at_once_with_its_node_end(setup):
    future = submit_graph(sleeper(60), config=setup.config)
    wait_until(lambda: node_started(future), 60, "the node to start")
    pid = int(client_for(setup.config).store.get(future.job_id).worker.rpartition(":")[2])
    assert pid in setup.worker.pool_pids()
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(JobLostError, match="SIGKILL|pool process .* is gone"):
        future.result(timeout=8)  # Celery's default (10 s before WorkerLostError) took 10 to 15 s
    ends = node_ends(future)
    assert len(ends) == 1 and ends[0].error and "JobLostError" in ends[0].error_message
    assert [e.type for e in future.events(context="job")] == ["start", "end"]
    assert submit_graph(one_node(a=1), config=setup.config).result(timeout=60) == {"result": 1}


def test_a_killed_worker_is_noticed_within_seconds(setup, start_worker):
    victim = start_worker(setup.path, queues=["victim"], concurrency=1)
    future = submit_graph(sleeper(60), config=setup.config, queue="victim")
    wait_until(lambda: node_started(future), 60, "the node to start")
    victim.kill()  # SIGKILL of the main process and its pool at once: nobody reports anything
    with pytest.raises(JobLostError, match="no heartbeat"):
        future.result(timeout=12)  # lost_after was 30 s
    ends = node_ends(future)
    assert len(ends) == 1 and ends[0].error
    assert future.events(context="job", type="end")[0].error


@pytest.mark.slow
def test_no_false_alarm_on_a_busy_machine(setup, start_worker):
    """Every CPU busy (more pool processes than CPUs, CPU burners beside them) and tasks holding the GIL for
    longer than lost_after: no job is declared lost."""
    busy = start_worker(setup.path, queues=["busy"], concurrency=3)
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 2)]
    try:
        lost_after = setup.config.lost_after
        jobs = [one_node(f"{TASKS}.HoldGil", f"gil{i}", seconds=lost_after + 3) for i in range(2)]
        jobs += [one_node(f"{TASKS}.Spin", f"spin{i}", seconds=1.0) for i in range(2)]

        def run(graph):
            return submit_graph(graph, config=setup.config, queue="busy").result(timeout=300)

        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(run, jobs))
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
    assert [list(r.values())[0] for r in results] == [lost_after + 3] * 2 + [1.0] * 2
    assert busy.proc.poll() is None
