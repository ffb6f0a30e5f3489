"""Production setup with Redis (broker, results, events), and the faults: killed workers, broker restart."""

from __future__ import annotations

import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from _celery_support import TASKS, one_node, sleeper, wait_until, write_config

from ewoks_celery import JobLostError, get_future, list_jobs, load_config, submit_graph
from ewoks_celery.client import client_for
from ewoks_core.errors import EwoksError, TaskFailedError, WorkflowCancelled


def get_job_id(config) -> str:
    return list_jobs(limit=1, config=config)[0]["job_id"]


@pytest.fixture(scope="module")
def config_path(redis_server, tmp_path_factory):
    folder = tmp_path_factory.mktemp("redis-config")
    # short visibility timeout and restore sweeps: a message of a killed worker comes back within seconds
    return write_config(folder / "celery.yaml", broker=redis_server.url(0), results=redis_server.url(1),
                        data_dir=str(folder / "data"), visibility_timeout=4,
                        celery={"broker_transport_options": {"unacked_restore_interval": 1,
                                                             "unacked_restore_throttle": 1}})


@pytest.fixture(scope="module")
def config(config_path):
    return load_config(config_path)


@pytest.fixture(scope="module")
def worker(config_path, start_worker):
    return start_worker(config_path, queues=["ewoks"], concurrency=2)


def test_configuration_selects_redis_everywhere(config, redis_server):
    assert not config.embedded_broker and config.results_in_redis
    assert config.events_source == redis_server.url(1)
    assert client_for(config).app.conf.broker_url == redis_server.url(0)


def test_round_trip_and_events_in_redis(config, worker):
    future = submit_graph(one_node(a=2, b=3), config=config)
    assert future.result(timeout=60) == {"result": 5}
    events = list(future.follow(timeout=30))  # the whole history of a finished job
    assert [(e.context, e.type) for e in events] == [("job", "start"), ("workflow", "start"), ("node", "start"),
                                                      ("node", "end"), ("workflow", "end"), ("job", "end")]
    assert get_future(future.job_id, config=config).result(timeout=5) == {"result": 5}


def test_failure_traceback_and_cancel(config, worker):
    failing = submit_graph(one_node(f"{TASKS}.Raises", value="x"), config=config)
    running = submit_graph(sleeper(60), config=config)
    with pytest.raises(TaskFailedError, match="bad value x") as info:
        failing.result(timeout=60)
    assert "_deep_failure" in info.value.__cause__.traceback_text
    wait_until(lambda: running.state == "STARTED", 60, "the job to start")
    assert running.cancel()
    with pytest.raises(WorkflowCancelled):
        running.result(timeout=20)
    assert running.events(context="job", type="end")[0].error


def test_cancel_a_queued_job_ends_its_events(config, worker):
    future = submit_graph(one_node(a=1), config=config, queue="nobody-listens")
    assert future.cancel() and not future.cancel()
    with pytest.raises(WorkflowCancelled):
        future.result(timeout=10)
    assert [(e.context, e.type) for e in future.follow(timeout=10)] == [("job", "start"), ("job", "end")]
    assert [j["state"] for j in list_jobs(config=config) if j["job_id"] == future.job_id] == ["REVOKED"]


@pytest.mark.slow
def test_100_concurrent_submissions_all_complete(config, worker):
    def submit_and_wait(i):  # as a web service would: many threads, each waiting for its job
        return submit_graph(one_node(a=i, b=1), config=config).result(timeout=120)["result"]

    with ThreadPoolExecutor(max_workers=10) as pool:
        assert list(pool.map(submit_and_wait, range(100))) == [i + 1 for i in range(100)]
    with pytest.raises(EwoksError, match="already used"):
        submit_graph(one_node(a=1), config=config, execinfo={"job_id": get_job_id(config)})


def test_killed_pool_process_fails_the_job(config, worker):
    future = submit_graph(sleeper(60), config=config)
    wait_until(lambda: future.state == "STARTED", 60, "the job to start")
    pid = int(client_for(config).store.get(future.job_id).worker.rpartition(":")[2])
    assert pid in worker.pool_pids()
    os.kill(pid, signal.SIGKILL)
    t0 = time.monotonic()
    # Celery notices the dead pool process (usually at once, sometimes seconds later), or the job's
    # heartbeat stops for lost_after (3 s here): whichever comes first fails the job
    with pytest.raises(JobLostError, match="SIGKILL|pool process .* is gone|no heartbeat"):
        future.result(timeout=30)
    assert time.monotonic() - t0 < 3 + 5
    assert future.state == "FAILURE"
    ends = future.events(context="job", type="end")
    assert len(ends) == 1 and ends[0].error and "JobLostError" in ends[0].error_message
    assert submit_graph(one_node(a=1), config=config).result(timeout=60) == {"result": 1}  # the worker goes on


@pytest.mark.slow
def test_killed_worker_fails_the_job_and_never_runs_it_twice(config, config_path, start_worker):
    victim = start_worker(config_path, queues=["victim"], concurrency=1)
    future = submit_graph(sleeper(60), config=config, queue="victim")
    wait_until(lambda: future.state == "STARTED", 60, "the job to start")
    victim.kill()  # SIGKILL of the main process and its pool at once: nobody reports anything
    with pytest.raises(JobLostError, match="no heartbeat"):
        future.result(timeout=30)  # lost_after is 3 s here
    assert [j["state"] for j in list_jobs(config=config) if j["job_id"] == future.job_id] == ["FAILURE"]
    assert future.events(context="job", type="end")[0].error
    # the unacknowledged message comes back to the next worker, which does not run the job again
    second = start_worker(config_path, queues=["victim"], concurrency=1)
    wait_until(lambda: future.job_id in second.log(), 30, "the message to be delivered again")
    broker = redis.Redis.from_url(config.broker)
    wait_until(lambda: broker.hlen("unacked") == 0 and broker.llen("victim") == 0, 30,
               "the redelivered message to be acknowledged")
    broker.close()
    assert len(future.events(context="job", type="start")) == 1
    assert future.state == "FAILURE"


@pytest.mark.slow
def test_broker_restart_loses_no_job(redis_server, tmp_path, start_worker):
    path = write_config(tmp_path / "restart.yaml", broker=redis_server.url(2), results=redis_server.url(3),
                        data_dir=str(tmp_path / "data"))
    config = load_config(path)
    start_worker(path, queues=["restart"], concurrency=1)
    futures = [submit_graph(sleeper(0.4, f"job{i}"), config=config, queue="restart") for i in range(6)]
    wait_until(lambda: futures[0].state == "STARTED", 60, "the first job to start")
    redis_server.stop()
    late = []
    submitter = threading.Thread(target=lambda: late.append(submit_graph(one_node(a=7), config=config,
                                                                         queue="restart")))
    submitter.start()  # published once Redis is back (the client retries)
    time.sleep(1.0)
    redis_server.start()
    submitter.join(timeout=60)
    assert [f.result(timeout=90) for f in futures] == [{"slept": 0.4}] * 6
    assert late[0].result(timeout=60) == {"result": 7}
