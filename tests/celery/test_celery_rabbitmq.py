"""RabbitMQ as broker (results and events in an SQLite file shared by client and worker)."""

from __future__ import annotations

import os
import signal
import uuid

import pytest
from _celery_support import TASKS, one_node, sleeper, wait_until, write_config

from ewoks_celery import JobLostError, load_config, submit_graph
from ewoks_celery.client import client_for
from ewoks_core.errors import TaskFailedError, WorkflowCancelled


@pytest.fixture(scope="module")
def setup(rabbitmq_url, tmp_path_factory, start_worker):
    folder = tmp_path_factory.mktemp("rabbitmq")
    queue = f"ewoks-test-{uuid.uuid4().hex[:8]}"  # a private queue on the shared broker
    path = write_config(folder / "celery.yaml", broker=rabbitmq_url, results=str(folder / "results.db"),
                        data_dir=str(folder / "data"), queue=queue)
    config = load_config(path)
    worker = start_worker(path, queues=[queue], concurrency=2)
    yield config, worker
    worker.stop()
    with client_for(config).app.connection_for_write() as connection:  # leave nothing on the shared broker
        connection.default_channel.queue_delete(queue)


def test_round_trip_failure_and_events(setup):
    config, _ = setup
    assert config.broker.startswith("amqp://") and config.results_url.startswith("sqlite://")
    future = submit_graph(one_node(a=20, b=22), config=config)
    assert future.result(timeout=60) == {"result": 42}
    assert [e.type for e in future.events(context="job")] == ["start", "end"]
    with pytest.raises(TaskFailedError, match="bad value 1"):
        submit_graph(one_node(f"{TASKS}.Raises", value=1), config=config).result(timeout=60)


def test_cancel_and_killed_pool_process(setup):
    config, worker = setup
    future = submit_graph(sleeper(60), config=config)
    wait_until(lambda: future.state == "STARTED", 60, "the job to start")
    assert future.cancel()
    with pytest.raises(WorkflowCancelled):
        future.result(timeout=20)
    future = submit_graph(sleeper(60), config=config)
    wait_until(lambda: future.state == "STARTED", 60, "the job to start")
    pid = int(client_for(config).store.get(future.job_id).worker.rpartition(":")[2])
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(JobLostError):
        future.result(timeout=30)
