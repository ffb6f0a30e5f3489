"""Stream items on Celery: item tasks on the job's queue versus items run inside the job, same run.

    python benchmarks/bench_celery_stream.py [--items 24] [--seconds 0.2] [--overhead 100] [--concurrency 5]

Starts its own redis-server (broker and results) and two workers of the same concurrency, one
with `stream_items: tasks`, one with `stream_items: inline` (each on its own queue), then submits:
- "sleeping items": a stream of --items items that each sleep --seconds, max_in_flight 4 (the
  time a frame's processing takes when it waits on I/O or on a library releasing the GIL);
- "trivial items": --overhead items that do nothing, max_in_flight 4 (the cost per item).
Prints the wall time of each job (median of --repeat) and the ratio inline / tasks; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional

import yaml
from bench_celery import start_redis, start_worker, stop

TASKS = "ewoks_core.testing.tasks"


def stream(n: int, seconds: float) -> dict:
    """n items through a Sleep node (seconds each), reduced by Collect."""
    nodes = [{"id": "src", "task_type": "class", "task_identifier": "ewoks_core.stream.IterableSource",
              "default_inputs": [{"name": "iterable", "value": list(range(n))}]},
             {"id": "item", "task_type": "class", "task_identifier": f"{TASKS}.Sleep",
              "default_inputs": [{"name": "seconds", "value": seconds}]},
             {"id": "red", "task_type": "class", "task_identifier": f"{TASKS}.Collect"}]
    links = [{"source": source, "target": target, "data_mapping": [{"source_output": out, "target_input": into}]}
             for source, target, out, into in (("src", "item", "item", "value"), ("item", "red", "value", "values"))]
    return {"graph": {"id": "bench_stream_items", "extensions": {"stream": "1.0"},
                      "stream": {"source": "src", "item_nodes": ["item"], "reducer": "red", "max_in_flight": 4}},
            "nodes": nodes, "links": links}


def timed(graph: dict, config_path: Path, queue: str, repeat: int, expected: List[int]) -> float:
    from ewoks_celery import load_config, submit_graph

    config = load_config(config_path)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = submit_graph(graph, config=config, queue=queue).result(timeout=600)
        times.append(time.perf_counter() - t0)
        if result.get("values") != expected:
            raise RuntimeError(f"unexpected result {result!r}")
    return statistics.median(times)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=24, help="sleeping items (default 24)")
    parser.add_argument("--seconds", type=float, default=0.2, help="sleep per item (default 0.2 s)")
    parser.add_argument("--overhead", type=int, default=100, help="trivial items (default 100)")
    parser.add_argument("--concurrency", type=int, default=5, help="processes per worker (default 5)")
    parser.add_argument("--repeat", type=int, default=3, help="jobs per measurement (median; default 3)")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="bench-celery-stream-"))
    redis = start_redis(folder)
    if redis is None:
        print("skipped: redis-server not found")
        return 0
    port = redis.port  # type: ignore[attr-defined]
    workers = []
    rows: Dict[str, Dict[str, float]] = {}
    try:
        paths = {}
        for mode in ("tasks", "inline"):
            paths[mode] = folder / f"{mode}.yaml"
            paths[mode].write_text(yaml.safe_dump({
                "broker": f"redis://127.0.0.1:{port}/0", "results": f"redis://127.0.0.1:{port}/1",
                "data_dir": str(folder / "data"), "stream_items": mode, "queue": f"bench-{mode}-{os.getpid()}",
                "allowed_tasks": ["ewoks_core.testing", "ewoks_core.stream"]}))
            workers.append(start_worker(paths[mode], f"bench-{mode}-{os.getpid()}", args.concurrency,
                                        folder / f"{mode}.log"))
        cases = {f"{args.items} sleeping items ({args.seconds:g} s)": (stream(args.items, args.seconds),
                                                                     list(range(args.items))),
                 f"{args.overhead} trivial items": (stream(args.overhead, 0.0), list(range(args.overhead)))}
        for mode, path in paths.items():
            timed(stream(2, 0.0), path, f"bench-{mode}-{os.getpid()}", 1, [0, 1])  # ready and warm
        for name, (graph, expected) in cases.items():
            rows[name] = {mode: timed(graph, path, f"bench-{mode}-{os.getpid()}", args.repeat, expected)
                          for mode, path in paths.items()}
    finally:
        for worker in workers:
            stop(worker)
        stop(redis)
        shutil.rmtree(folder, ignore_errors=True)
    print(f"\nstream job wall time on Celery (Redis), max_in_flight 4, workers of {args.concurrency} processes, "
          f"{os.cpu_count()} CPUs, median of {args.repeat}")
    print(f"{'stream':<34}{'item tasks':>12}{'inline':>10}{'inline/tasks':>14}")
    for name, row in rows.items():
        print(f"{name:<34}{row['tasks']:>11.2f}s{row['inline']:>9.2f}s{row['inline'] / row['tasks']:>13.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
