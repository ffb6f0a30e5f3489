"""Speed of the ppf engine (pypushflow) against the sequential engine, measured in the same run.

    python benchmarks/bench_ppf.py [--repeat 3] [--quick]

Each figure is the best of --repeat calls of execute_graph (loading, checking,
events off, pool start and shutdown included). Trivial tasks
(ewoks_core.testing.tasks), so the figures are the engines' own overhead.
No assertions: this prints a table.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from typing import Callable, Dict, List, Optional, Tuple

from ewoks_core.api import execute_graph
from ewoks_core.testing.builders import cond, graph, link, node, noop_chain, noop_fan

ENGINES: List[Tuple[str, str, dict]] = [
    ("sequential", "sequential", {}),
    ("ppf thread", "ppf", {"pool_type": "thread"}),
    ("ppf process", "ppf", {"pool_type": "process"}),
]


def loop(n: int) -> dict:
    """One node triggering itself n times (a loop with a condition)."""
    return graph(f"loop{n}", [node("A", "Increment", {"x": 0, "limit": n}, force_start_node=True)],
                 [link("A", "A", {"x": "x"}, conditions=cond(below_limit=True))])


def loop2(n: int) -> dict:
    """Two nodes in a cycle, n iterations, and an exit node."""
    return graph(f"loop2_{n}", [node("A", "Increment", {"x": 0, "limit": 2 * n}, force_start_node=True),
                                node("B", "Increment", {"limit": 2 * n}), node("E", "Noop")],
                 [link("A", "B", {"x": "x"}), link("B", "A", {"x": "x"}, conditions=cond(below_limit=True)),
                  link("B", "E", {"x": "value"}, conditions=cond(below_limit=False))])


chain, fan = noop_chain, noop_fan


def sleeps(n: int, seconds: float) -> dict:
    """n independent branches sleeping `seconds` each (parallelism, not overhead)."""
    return graph("sleeps", [node(f"s{i}", "Sleep", {"seconds": seconds}) for i in range(n)], [])


def measure(doc: dict, engine: str, options: dict, repeat: int, limit: float) -> Optional[float]:
    """Best wall time of `repeat` runs (fewer when one run exceeds `limit` seconds)."""
    best = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        execute_graph(doc, engine=engine, **options)
        elapsed = time.perf_counter() - t0
        best = elapsed if best is None else min(best, elapsed)
        if elapsed > limit:
            break
    return best


def benchmarks(quick: bool) -> List[Tuple[str, Callable[[], dict], Dict[str, dict]]]:
    """(name, graph factory, per-engine option overrides)."""
    two = {"ppf thread": {"max_workers": 2}, "ppf process": {"max_workers": 2}}
    items = [
        ("loop 100 iterations", lambda: loop(100), {}),
        ("loop 1000 iterations", lambda: loop(1000), {}),
        ("2-node loop 500 iterations", lambda: loop2(500), {}),
        ("chain 100 nodes", lambda: chain(100), {}),
        ("chain 1000 nodes", lambda: chain(1000), {}),
        ("fan-out 200 nodes", lambda: fan(200), {}),
        ("2 parallel 1 s sleeps", lambda: sleeps(2, 1.0), two),
    ]
    if quick:
        items = [i for i in items if "1000" not in i[0]]
    return items


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (best is kept)")
    parser.add_argument("--quick", action="store_true", help="skip the 1000-node/iteration graphs")
    args = parser.parse_args(argv)

    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, best of {args.repeat}")
    execute_graph(loop(3), engine="ppf", pool_type="process")  # imports and first fork out of the figures
    header = ["benchmark"] + [name for name, _, _ in ENGINES] + ["thread/seq", "process/seq"]
    rows = []
    for title, factory, overrides in benchmarks(args.quick):
        doc = factory()
        times = [measure(doc, engine, {**options, **overrides.get(name, {})}, args.repeat, limit=30.0)
                 for name, engine, options in ENGINES]
        base = times[0]
        ratios = [f"{t / base:.1f}x" if base and t else "-" for t in times[1:]]
        rows.append([title] + [f"{t:.3f} s" for t in times] + ratios)
        print(f"  {title}: done", flush=True)
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    line = " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    print()
    print(line)
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
