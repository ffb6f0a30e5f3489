"""Remote execution speed: submit -> result of a 1-node workflow versus a bare Celery task, per broker,
and how fast a killed worker is noticed.

    python benchmarks/bench_celery.py [--n 200] [--burst 100] [--concurrency 2] [--detection only|no]

For each setup (embedded files; Redis; RabbitMQ broker with Redis results) it starts
its own redis-server on a free port and real worker processes, then measures:
- "bare": Celery's round trip of a trivial task (ewoks.ping, same app, broker and
  result store, no ewoks code), the baseline;
- "ewoks": submit_graph() -> future.result() of a 1-node workflow (events on);
- "burst": 100 submissions at once, then every result: jobs/s and how many completed;
- detection (embedded and Redis): seconds from a SIGKILL to JobLostError for a pool process
  and for a whole worker, with the defaults and, as baseline in the same run, with the old
  defaults (heartbeat 2 s, lost_after 30 s, Celery's worker_lost_wait 10 s: for a whole worker
  that is exactly the old behaviour; for a pool process the main process's check now runs at
  every heartbeat whatever the settings); and false alarms: jobs longer than lost_after on a
  machine whose every CPU is busy, none may be lost.
Prints tables; asserts nothing. Setups whose server is missing are reported as skipped.
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

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


OLD_DEFAULTS = {"heartbeat_interval": 2.0, "lost_after": 30.0, "celery": {"worker_lost_wait": 10.0}}
SLEEP = "ewoks_core.testing.tasks.Sleep"


def sleeper(seconds: float) -> dict:
    return {"graph": {"id": "sleep"}, "links": [], "nodes": [
        {"id": "n", "task_type": "class", "task_identifier": SLEEP,
         "default_inputs": [{"name": "seconds", "value": seconds}]}]}


def wait_started(future: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while future.state != "STARTED":
        if time.monotonic() > deadline:
            raise TimeoutError("the job did not start")
        time.sleep(0.05)


def time_to_lost(future: Any, kill: Callable[[], None]) -> float:
    """Seconds from kill() to the future raising JobLostError (nan when something else happened)."""
    from ewoks_celery import JobLostError

    kill()
    t0 = time.perf_counter()
    try:
        future.result(timeout=120)
    except JobLostError:
        return time.perf_counter() - t0
    except Exception as e:
        print(f"  unexpected: {type(e).__name__}: {e}", file=sys.stderr)
    return float("nan")


def detection(folder: Path, name: str, settings: dict, timing: dict) -> Dict[str, float]:
    """Time to JobLostError after a SIGKILL of the pool process running a job, then of the whole worker."""
    from ewoks_celery import load_config, submit_graph
    from ewoks_celery.client import client_for

    queue = f"detect-{os.getpid()}-{len(timing)}"
    config_path = folder / f"{name}-detect-{len(timing)}.yaml"
    config_path.write_text(yaml.safe_dump({**settings, **timing, "queue": queue}))
    config = load_config(config_path)
    worker = start_worker(config_path, queue, 1, folder / f"{name}-detect.log")
    row: Dict[str, float] = {}
    try:
        submit_graph(GRAPH, config=config, queue=queue).result(timeout=60)  # the worker is ready
        future = submit_graph(sleeper(120), config=config, queue=queue)
        wait_started(future)
        record = client_for(config).store.get(future.job_id)
        assert record is not None
        pid = int(record.worker.rpartition(":")[2])
        row["pool"] = time_to_lost(future, lambda: os.kill(pid, signal.SIGKILL))
        future = submit_graph(sleeper(120), config=config, queue=queue)
        wait_started(future)
        row["worker"] = time_to_lost(future, lambda: os.killpg(worker.pid, signal.SIGKILL))
    finally:
        stop(worker)
    return row


def false_alarms(folder: Path, name: str, settings: dict, jobs: int = 16) -> str:
    """Jobs lost among `jobs` that sleep longer than lost_after, 4 per worker, every CPU kept busy."""
    from ewoks_celery import JobLostError, load_config, submit_graph

    queue = f"load-{os.getpid()}"
    config_path = folder / f"{name}-load.yaml"
    config_path.write_text(yaml.safe_dump({**settings, "queue": queue}))
    config = load_config(config_path)
    worker = start_worker(config_path, queue, 4, folder / f"{name}-load.log")
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 2)]
    lost = failed = 0
    try:
        futures = [submit_graph(sleeper(config.lost_after + 2), config=config, queue=queue) for _ in range(jobs)]
        for future in futures:
            try:
                future.result(timeout=300)
            except JobLostError:
                lost += 1
            except Exception as e:
                failed += 1
                print(f"  load job failed: {type(e).__name__}: {e}", file=sys.stderr)
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
        stop(worker)
    return f"{lost}/{jobs}" + (f" ({failed} failed)" if failed else "")


@dataclass
class Detection:
    now: Dict[str, float]
    old: Dict[str, float]
    alarms: str


def run_detection(folder: Path, redis: Optional[subprocess.Popen]) -> Dict[str, Detection]:
    rows: Dict[str, Detection] = {}
    for name, settings in setups(folder, redis).items():
        if settings is None or name.startswith("rabbitmq"):
            continue
        key = name.split()[0]
        now = detection(folder, key, settings, {})
        old = detection(folder, key, settings, OLD_DEFAULTS)
        rows[name] = Detection(now, old, false_alarms(folder, key, settings))
    return rows


def print_detection(rows: Dict[str, Detection]) -> None:
    from ewoks_celery.config import CeleryConfig

    defaults = CeleryConfig()
    print(f"\nlost-job detection: seconds from SIGKILL to JobLostError (now: heartbeat "
          f"{defaults.heartbeat_interval:g} s, lost_after {defaults.lost_after:g} s, worker_lost_wait 1 s; "
          "old defaults: 2 s, 30 s, 10 s)")
    header = f"{'setup':<26}{'pool old':>10}{'pool now':>10}{'worker old':>12}{'worker now':>12}  false alarms (load)"
    print(header)
    print("-" * len(header))
    for name, row in rows.items():
        print(f"{name:<26}{row.old['pool']:>10.1f}{row.now['pool']:>10.1f}{row.old['worker']:>12.1f}"
              f"{row.now['worker']:>12.1f}  {row.alarms}")


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
    parser.add_argument("--detection", choices=["yes", "no", "only"], default="yes",
                        help="measure lost-job detection (about 2 minutes per setup; default yes)")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="bench-celery-"))
    redis = start_redis(folder)
    rows: Dict[str, Optional[Dict[str, float]]] = {}
    detected: Dict[str, Detection] = {}
    try:
        if args.detection != "no":
            detected = run_detection(folder, redis)
        for name, settings in setups(folder, redis).items() if args.detection != "only" else ():
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
    if rows:
        print_table(rows, args)
    if detected:
        print_detection(detected)
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
