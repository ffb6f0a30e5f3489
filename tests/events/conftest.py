"""Fixtures of the event tests: a private redis-server and sample events."""

import os
import shutil
import socket
import subprocess
import time

import pytest

from ewoks_core.events.record import Event


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def redis_server():
    """URL of a redis-server started for this test session on a free loopback port."""
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is required in CI (install the redis-server package)")
        print("redis-server not found: skipping the Redis event tests")
        pytest.skip("redis-server not found (install it to run the Redis event tests)")
    redis = pytest.importorskip("redis")
    port = _free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--daemonize", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"redis-server did not start on port {port}")
                time.sleep(0.05)
        client.close()
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def redis_url(redis_server):
    """The session's Redis URL with an empty database."""
    import redis

    client = redis.Redis.from_url(redis_server)
    client.flushdb()
    client.close()
    return redis_server


def _full_event(**overrides) -> Event:
    values = dict(
        context="node", type="end", job_id="job-1", engine="sequential", workflow_id="wf-1", node_id="sub/a",
        task_id="pkg.mod.Task", time="2024-05-01T12:00:00.123456+02:00", error=True,
        error_message="ValueError: bad value \u00e9", error_traceback="Traceback:\n  line 1\nValueError: bad",
        progress=42.5, task_uri="/tmp/a.h5::/1", input_uris={"a": "/tmp/in.h5::/x", "b": [1, 2]},
        output_uris={"result": "/tmp/out.h5::/y"}, host_name="host-a", process_id=1234, user_name="alice",
    )
    values.update(overrides)
    return Event(**values)


@pytest.fixture
def full_event():
    """Factory of events with every field set to a non-default value (keyword overrides)."""
    return _full_event
