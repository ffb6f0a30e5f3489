"""Remote execution speed: submit -> result of a 1-node workflow versus a bare Celery task, per broker.

    python benchmarks/bench_celery.py [--n 200] [--burst 100] [--concurrency 2]

For each setup (embedded files; Redis; RabbitMQ broker with Redis results) it starts
its own redis-server on a free port and real worker processes, then measures:
- "bare": Celery's round trip of a trivial task (ewoks.ping, same app, broker and
  result store, no ewoks code), the baseline;
- "ewoks": submit_graph() -> future.result() of a 1-node workflow (events on);
- "burst": 100 submissions at once, then every result: jobs/s and how many completed.
Prints a table; asserts nothing. Setups whose server is missing are reported as skipped.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional

import yaml

GRAPH = {"graph": {"id": "bench"}, "links": [], "nodes": [
    {"id": "n", "task_type": "class", "task_identifier": "ewoks_core.testing.tasks.SumTask",
     "default_inputs": [{"name": "a", "value": 1}, {"name": "b", "value": 2}]}]}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def reachable(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def start_redis(folder: Path) -> Optional[subprocess.Popen]:
    binary = shutil.which("redis-server")
    if binary is None:
        return None
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    proc.port = port  # type: ignore[attr-defined]
    deadline = time.monotonic() + 10
    while not reachable(port):
        if time.monotonic() > deadline:
            proc.kill()
            return None
        time.sleep(0.05)
    return proc


def start_worker(config_path: Path, queue: str, concurrency: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "C_FORCE_ROOT": "1"}
    env.pop("EWOKS_CELERY_CONFIG", None)
    return subprocess.Popen([sys.executable, "-m", "ewoks_celery.worker", "--config", str(config_path), "-Q", queue,
                             "-c", str(concurrency), "--loglevel", "WARNING"], env=env, stdout=open(log, "ab"),
                            stderr=subprocess.STDOUT, start_new_session=True)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def timed(action: Callable[[], object], n: int) -> List[float]:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        action()
        times.append(time.perf_counter() - t0)
    return times


def measure(config_path: Path, queue: str, n: int, burst: int) -> Dict[str, float]:
    from ewoks_celery import load_config, submit_graph
    from ewoks_celery.app import PING_NAME, get_app

    config = load_config(config_path)
    app = get_app(config)

    def bare() -> object:
        return app.send_task(PING_NAME, args=[1], queue=queue).get(timeout=60, interval=config.polling_interval)

    def ewoks() -> object:
        return submit_graph(GRAPH, config=config, queue=queue).result(timeout=60)

    bare()  # worker ready (and warm)
    for _ in range(5):
        ewoks()
    row: Dict[str, float] = {}
    bare_times, ewoks_times = [], []
    for _ in range(n):  # interleaved: both see the same machine load
        bare_times += timed(bare, 1)
        ewoks_times += timed(ewoks, 1)
    for name, times in (("bare", bare_times), ("ewoks", ewoks_times)):
        row[f"{name}_median"] = statistics.median(times) * 1000
        row[f"{name}_p90"] = statistics.quantiles(times, n=10)[-1] * 1000
    for name, submit in (("bare", lambda: app.send_task(PING_NAME, args=[1], queue=queue)),
                         ("ewoks", lambda: submit_graph(GRAPH, config=config, queue=queue))):
        t0 = time.perf_counter()
        handles = [submit() for _ in range(burst)]
        done = 0
        for handle in handles:
            try:
                if name == "bare":
                    handle.get(timeout=120, interval=config.polling_interval)
                else:
                    handle.result(timeout=120)
                done += 1
            except Exception as e:  # reported, not raised: a benchmark asserts nothing
                print(f"  {name} job failed: {e}", file=sys.stderr)
        row[f"{name}_rate"] = burst / (time.perf_counter() - t0)
        row[f"{name}_done"] = done
    return row


def setups(folder: Path, redis: Optional[subprocess.Popen]) -> Dict[str, Optional[dict]]:
    result: Dict[str, Optional[dict]] = {"embedded (files)": {"data_dir": str(folder / "embedded")}}
    if redis is None:
        result["redis"] = result["rabbitmq + redis results"] = None
        return result
    url = f"redis://127.0.0.1:{redis.port}"  # type: ignore[attr-defined]
    result["redis"] = {"broker": f"{url}/0", "results": f"{url}/1", "data_dir": str(folder / "redis")}
    result["rabbitmq + redis results"] = {"broker": "amqp://guest:guest@127.0.0.1:5672//", "results": f"{url}/2",
                                          "data_dir": str(folder / "amqp")} if reachable(5672) else None
    return result


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="round trips per kind (default 200)")
    parser.add_argument("--burst", type=int, default=100, help="concurrent submissions (default 100)")
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes (default 2)")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="bench-celery-"))
    redis = start_redis(folder)
    rows: Dict[str, Optional[Dict[str, float]]] = {}
    try:
        for name, settings in setups(folder, redis).items():
            if settings is None:
                rows[name] = None
                continue
            queue = f"bench-{os.getpid()}"
            config_path = folder / f"{name.split()[0]}.yaml"
            config_path.write_text(yaml.safe_dump({**settings, "queue": queue}))
            worker = start_worker(config_path, queue, args.concurrency, folder / f"{name.split()[0]}.log")
            try:
                rows[name] = measure(config_path, queue, args.n, args.burst)
            finally:
                stop(worker)
            if name.startswith("rabbitmq"):
                from ewoks_celery import load_config
                from ewoks_celery.app import get_app

                with get_app(load_config(config_path)).connection_for_write() as connection:
                    connection.default_channel.queue_delete(queue)
    finally:
        if redis is not None:
            stop(redis)
        shutil.rmtree(folder, ignore_errors=True)
    print_table(rows, args)
    return 0


def print_table(rows: Dict[str, Optional[Dict[str, float]]], args: argparse.Namespace) -> None:
    print(f"\nsubmit -> result, 1-node workflow vs bare Celery task (n={args.n}, burst={args.burst}, "
          f"{args.concurrency} worker processes, {os.cpu_count()} CPUs)")
    header = (f"{'setup':<26}{'bare ms':>9}{'p90':>7}{'ewoks ms':>10}{'p90':>7}{'ratio':>7}"
              f"{'bare/s':>8}{'ewoks/s':>9}{'done':>9}")
    print(header)
    print("-" * len(header))
    for name, row in rows.items():
        if row is None:
            print(f"{name:<26}skipped (server not available)")
            continue
        print(f"{name:<26}{row['bare_median']:>9.1f}{row['bare_p90']:>7.1f}{row['ewoks_median']:>10.1f}"
              f"{row['ewoks_p90']:>7.1f}{row['ewoks_median'] / row['bare_median']:>7.2f}{row['bare_rate']:>8.0f}"
              f"{row['ewoks_rate']:>9.0f}{int(row['ewoks_done']):>5}/{args.burst}")


if __name__ == "__main__":
    sys.exit(main())
