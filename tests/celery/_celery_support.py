"""Helpers of the Celery tests: a private redis-server, real worker processes, workflow builders."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence

import yaml

if TYPE_CHECKING:
    from ewoks_celery.config import CeleryConfig

HERE = Path(__file__).resolve().parent
TASKS = "ewoks_celery_test_tasks"  # the test task module, importable by workers through PYTHONPATH
ALLOWED = ["ewoks_core.testing", TASKS]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def reachable(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_until(condition, timeout: float, what: str, interval: float = 0.05):
    """Poll `condition()` until it returns something true (tests only: waiting for real processes)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


class RedisServer:
    """A redis-server on a free loopback port, persisting to `folder` (AOF) so that it can restart.

    fsync once a second: with "always", a busy disk stalls every write for seconds (and with it the
    heartbeats of the jobs); a stopped server (SIGTERM) writes and fsyncs its AOF before exiting."""

    def __init__(self, binary: str, folder: Path, password: Optional[str] = None) -> None:
        self.binary = binary
        self.folder = folder
        self.password = password
        self.port = free_port()
        self.proc: Optional[subprocess.Popen] = None

    def url(self, db: int = 0) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        import redis

        self.folder.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
             "--appendonly", "yes", "--appendfsync", "everysec", "--save", "", "--daemonize", "no",
             "--protected-mode", "no", *(["--requirepass", self.password] if self.password else [])],
            stdout=open(self.folder / "redis.log", "ab"), stderr=subprocess.STDOUT)
        client = redis.Redis.from_url(self.url())
        try:
            wait_until(lambda: self._ping(client), 15, f"redis-server on port {self.port}")
        finally:
            client.close()

    def _ping(self, client) -> bool:
        import redis

        if self.proc.poll() is not None:
            raise AssertionError(f"redis-server exited: {(self.folder / 'redis.log').read_text()[-2000:]}")
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False

    def stop(self) -> None:
        """SIGTERM (Redis writes its AOF and exits), SIGKILL if it does not within 10 s."""
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def children(pid: int) -> List[int]:
    """Ids of the direct child processes of `pid` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


class Worker:
    """A real Celery worker process in its own process group: `ewoks worker` (cli=True) or
    `python -m ewoks_celery.worker`, with --config when config_path is given."""

    def __init__(self, config: "CeleryConfig", log_path: Path, config_path: Optional[Path] = None,
                 queues: Sequence[str] = ("ewoks",), concurrency: int = 2, pool: str = "prefork",
                 argv: Sequence[str] = (), env: Optional[Dict[str, str]] = None, cli: bool = False) -> None:
        self.config = config
        self.log_path = log_path
        self.queues = list(queues)
        self.env = dict(env or {})
        self.hostname = f"test-{uuid.uuid4().hex[:8]}@%h"
        command = ["-m", "ewoks_core.cli.main", "worker"] if cli else ["-m", "ewoks_celery.worker"]
        self.argv = [sys.executable, *command, *(["--config", str(config_path)] if config_path else []),
                     "--concurrency", str(concurrency), "--pool", pool, "--loglevel", "INFO",
                     "--hostname", self.hostname, *[a for q in self.queues for a in ("--queue", q)], *argv]
        self.proc: Optional[subprocess.Popen] = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, ready_timeout: float = 60.0) -> "Worker":
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(HERE)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
        env.pop("EWOKS_CELERY_CONFIG", None)
        env["C_FORCE_ROOT"] = "1"  # CI containers run as root
        env.update(self.env)
        self.proc = subprocess.Popen(self.argv, env=env, stdout=open(self.log_path, "ab"), stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.wait_ready(ready_timeout)
        return self

    def wait_ready(self, timeout: float) -> None:
        """A ping task goes through every queue of the worker."""
        from ewoks_celery.app import PING_NAME, get_app

        app = get_app(self.config)
        deadline = time.monotonic() + timeout
        for queue in self.queues:
            result = app.send_task(PING_NAME, args=["ready"], queue=queue)
            try:
                assert result.get(timeout=max(1.0, deadline - time.monotonic()), interval=0.02) == "ready"
            except Exception as e:
                self.stop()
                raise AssertionError(f"worker did not answer on queue {queue!r}: {e!r}\n{self.log()}") from e

    def pool_pids(self) -> List[int]:
        return children(self.pid)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool) at once."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.pid, signal.SIGKILL)
            self.proc.wait()

    def terminate(self) -> None:
        """Ask for a warm shutdown (SIGTERM) without waiting."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()

    def stop(self) -> None:
        """Warm shutdown (SIGTERM), then SIGKILL of the process group: nothing is left behind."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.pid, signal.SIGKILL)  # pool processes still around
        except (ProcessLookupError, PermissionError):
            pass
        if self.proc.poll() is None:
            self.proc.wait()


def write_config(path: Path, **settings) -> Path:
    """A YAML configuration file with the test allow-list and short heartbeats."""
    values: Dict[str, object] = {"allowed_tasks": ALLOWED, "heartbeat_interval": 0.5, "lost_after": 3.0}
    values.update(settings)
    path.write_text(yaml.safe_dump(values))
    return path


# --- workflows
def one_node(task: str = "ewoks_core.testing.tasks.SumTask", graph_id: str = "one", **inputs) -> dict:
    """A 1-node workflow."""
    node = {"id": "n", "task_type": "class", "task_identifier": task,
            "default_inputs": [{"name": k, "value": v} for k, v in inputs.items()]}
    return {"graph": {"id": graph_id, "schema_version": "1.1"}, "nodes": [node], "links": []}


def sleeper(seconds: float, graph_id: str = "sleep") -> dict:
    return one_node(f"{TASKS}.Sleep", graph_id, seconds=seconds)
