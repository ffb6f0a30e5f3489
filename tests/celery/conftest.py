"""Fixtures of the Celery tests: a private redis-server, RabbitMQ when reachable, real worker processes.

Workers are started once per test module (they take a few seconds) and always
stopped by process group id in teardown.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Callable, Iterator, List, Optional

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the helpers and the test task module

from _celery_support import RedisServer, Worker, reachable  # noqa: E402

# RabbitMQ of this machine and CI; EWOKS_TEST_RABBITMQ=host:port points elsewhere
_HOST, _, _PORT = os.environ.get("EWOKS_TEST_RABBITMQ", "127.0.0.1:5672").rpartition(":")
RABBITMQ = (_HOST, int(_PORT))


def _missing(reason: str) -> None:
    """Skip (printing why) on a developer machine; fail in CI, where everything must be there."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (required in CI)")
    print(f"\nskipping: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A redis-server of this test module on a free loopback port (AOF persistence: it can be restarted)."""
    binary = shutil.which("redis-server")
    if binary is None:
        _missing("redis-server not found (apt-get install redis-server)")
    server = RedisServer(binary, tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def rabbitmq_url() -> str:
    """The RabbitMQ broker of this machine (guest/guest on 127.0.0.1:5672)."""
    if not reachable(*RABBITMQ):
        _missing(f"RabbitMQ is not reachable on {RABBITMQ[0]}:{RABBITMQ[1]}")
    return f"amqp://guest:guest@{RABBITMQ[0]}:{RABBITMQ[1]}//"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """Nothing configured: only the per-user data folder is redirected (EWOKS_DATA_DIR) into a temporary one."""
    folder = tmp_path_factory.mktemp("home")
    patch = pytest.MonkeyPatch()
    patch.setenv("EWOKS_DATA_DIR", str(folder))
    patch.delenv("EWOKS_CELERY_CONFIG", raising=False)
    yield folder
    patch.undo()


@pytest.fixture(scope="module")
def start_worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Worker]]:
    """start_worker(config_path, **options) -> a ready Worker (options of _celery_support.Worker; a None
    config_path needs options["config"]); every worker is stopped at module end."""
    started: List[Worker] = []
    logs = tmp_path_factory.mktemp("worker-logs")

    def start(config_path: Optional[Path], **options) -> Worker:
        from ewoks_celery.config import load_config

        config = options.pop("config", None) or load_config(config_path)
        worker = Worker(config, logs / f"worker{len(started)}.log", config_path, **options)
        started.append(worker)
        return worker.start()

    try:
        yield start
    finally:
        for worker in started:  # all shut down at once, then each is waited for (and killed if needed)
            worker.terminate()
        for worker in started:
            worker.stop()
