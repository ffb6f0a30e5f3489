"""Sequential-engine overhead vs plain Python on the same graphs; event sink cost; import time.

Run: python benchmarks/bench_core.py [--quick]. Prints a table; no assertions (targets in the last column).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ewoks_core.engines.lifecycle import prepare_job, run_job
from ewoks_core.engines.sequential import SequentialEngine
from ewoks_core.graph import compile_graph, load_graph
from ewoks_core.testing.builders import graph, link, node
from ewoks_core.testing.tasks import Noop


def chain(n: int, mapped: bool = True) -> dict:
    links = [link(i, i + 1, {"value": "value"} if mapped else None) for i in range(n - 1)]
    return graph(f"chain{n}", [node(i, "Noop", {"value": 0} if i == 0 else None) for i in range(n)], links)


def fan(n: int) -> dict:
    nodes = [node("src", "Noop", {"value": 1})] + [node(i, "Noop") for i in range(n)] + [node("sink", "Noop")]
    links = [link("src", i, {"value": "value"}) for i in range(n)] + [link(i, "sink") for i in range(n)]
    return graph(f"fan{n}", nodes, links)


def plain_chain(n: int) -> None:
    value = 0
    for _ in range(n):
        value = Noop({"value": value}).execute()["value"]


def plain_fan(n: int) -> None:
    v = Noop({"value": 1}).execute()["value"]
    for _ in range(n):
        Noop({"value": v}).execute()
    Noop({}).execute()


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def run_engine(doc: dict, execinfo=None):
    compiled = compile_graph(load_graph(doc))
    engine = SequentialEngine()

    def go():
        job, opts, sel = prepare_job(engine, compiled, execinfo=execinfo, check_tasks=False)
        run_job(engine, job, opts, sel)
    return go


def import_time() -> float:
    out = subprocess.run([sys.executable, "-X", "importtime", "-c", "import ewoks_core"],
                         capture_output=True, text=True)
    total = [line for line in out.stderr.splitlines() if line.rstrip().endswith("ewoks_core")]
    return int(total[-1].split("|")[1]) / 1e6 if total else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="skip the 100,000-node runs")
    args = parser.parse_args()
    rows = []
    sizes = [1000, 10000] + ([] if args.quick else [100000])
    for n in sizes:
        repeat = 3 if n <= 10000 else 1
        t_plain = best(lambda n=n: plain_chain(n), repeat)
        t_eng = best(run_engine(chain(n)), repeat)
        rows.append((f"chain {n} (required links)", t_plain, t_eng, t_eng / n * 1e6, "<= 30 us/node"))
    for n in sizes:
        repeat = 3 if n <= 10000 else 1
        t_plain = best(lambda n=n: plain_fan(n), repeat)
        t_eng = best(run_engine(fan(n)), repeat)
        rows.append((f"fan-out/in {n}", t_plain, t_eng, t_eng / (n + 2) * 1e6, "<= 30 us/node"))
    t_eng = best(run_engine(chain(10000, mapped=False)), 3)
    rows.append(("chain 10000 default links (trigger only)", float("nan"), t_eng, t_eng / 10000 * 1e6, "< 1 s total"))
    t0 = time.perf_counter()
    compile_graph(load_graph(chain(10000)))
    rows.append(("load+compile chain 10000", float("nan"), time.perf_counter() - t0, float("nan"), ""))
    with tempfile.TemporaryDirectory() as tmp:
        base = best(run_engine(chain(1000)), 5)
        sinks = (("sqlite", {"class": "sqlite", "arguments": [{"name": "uri", "value": str(Path(tmp) / "e.db")}]}),
                 ("jsonl", {"class": "jsonl", "arguments": [{"name": "path", "value": str(Path(tmp) / "e.jsonl")}]}))
        for kind, handler in sinks:
            t = best(run_engine(chain(1000), {"handlers": [handler]}), 5)
            rows.append((f"chain 1000 with {kind} events", base, t, t / base, "<= 1.5x no sink"))
    rows.append(("import ewoks_core (s)", float("nan"), statistics.median(import_time() for _ in range(3)),
                 float("nan"), "< 0.3 s"))
    print(f"{'benchmark':44s} {'baseline s':>11s} {'ewoks s':>9s} {'us/node | ratio':>16s}  target")
    print("-" * 100)
    for name, a, b, c, target in rows:
        print(f"{name:44s} {a:11.4f} {b:9.4f} {c:16.2f}  {target}")
    print("\nbaseline = plain Python calling the same Task classes in a loop (no engine), same run.")


if __name__ == "__main__":
    main()
