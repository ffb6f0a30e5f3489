"""Speed of the orange engine (Orange canvas Scheme + SignalManager) against the sequential engine.

    python benchmarks/bench_orange.py [--repeat 3]

Each figure is the best of --repeat calls of execute_graph (loading, checking and building the
Orange scheme included, events off). Trivial tasks (ewoks_core.testing.tasks): the figures are the
engines' own overhead. No assertions: this prints a table.
"""

from __future__ import annotations

import argparse
import platform
from typing import List, Tuple

from bench_core import best
from bench_ppf import chain, fan, loop  # the same graphs as the ppf benchmark

from ewoks_core.api import execute_graph


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    cases: List[Tuple[str, dict]] = [("chain 10 nodes", chain(10)), ("chain 30 nodes", chain(30)),
                                     ("chain 100 nodes", chain(100)), ("chain 300 nodes", chain(300)),
                                     ("fan-out 30 nodes", fan(30)), ("fan-out 200 nodes", fan(200)),
                                     ("loop 1000 iterations", loop(1000))]
    print(f"python {platform.python_version()}, best of {args.repeat}")
    print(f"{'benchmark':22s} | {'sequential':>10s} | {'orange':>8s} | {'orange/seq':>10s} | {'orange per node':>15s}")
    print("-" * 78)
    for name, doc in cases:
        seq = best(lambda doc=doc: execute_graph(doc), args.repeat)
        orange = best(lambda doc=doc: execute_graph(doc, engine="orange"), args.repeat)
        runs = 1000 if name.startswith("loop") else len(doc["nodes"])
        print(f"{name:22s} | {seq:9.4f}s | {orange:7.4f}s | {orange / seq:9.1f}x | {orange / runs * 1e3:12.3f} ms")


if __name__ == "__main__":
    main()
