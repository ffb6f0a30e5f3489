"""Sequential engine vs raw `dask.get` on the same graphs; event sink cost; CLI and import time.

Run: python benchmarks/bench_core.py [--quick | --cli]. Prints a table; no assertions (targets in the last
column). `benchmarks/run_all.py` puts the same rows into docs/performance.md.

Rows:
- chain / fan-out/in of N trivial nodes: `execute_graph(doc)` end to end (load, validate, compile,
  run, results) against `dask.get` of plain functions on a dask graph of the same shape, both
  measured here in the same run (best of a few runs; 100k: one run each);
- the same with a SQLite / JSON lines event sink against no sink, by default in a process that wrote
  over 20,000 events before (the event writer process writes them, as in a long-lived process) and
  with EWOKS_EVENT_WRITER=thread (written in this process, as a short program does);
- `ewoks --help` and `ewoks execute` of a one-node workflow as whole processes, `import ewoks_core`.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, NamedTuple, Optional, Tuple

import dask
from ewoks_core.api import execute_graph
from ewoks_core.testing.builders import graph, node, noop_chain, noop_fan


class Row(NamedTuple):
    name: str
    baseline: float  # seconds (nan: no baseline)
    ewoks: float  # seconds
    unit: str  # what the last number is
    value: float
    target: str


chain, fan = noop_chain, noop_fan  # the graphs of the engine and event rows


def noop(*args: Any) -> Any:
    return args[0] if args else None


def raw_chain(n: int) -> Tuple[dict, str]:
    dsk: Dict[str, Any] = {"n0": (noop, 0)}
    for i in range(1, n):
        dsk[f"n{i}"] = (noop, f"n{i - 1}")
    return dsk, f"n{n - 1}"


def raw_fan(n: int) -> Tuple[dict, str]:
    dsk: Dict[str, Any] = {"src": (noop, 1)}
    for i in range(n):
        dsk[f"m{i}"] = (noop, "src")
    dsk["sink"] = (noop, *[f"m{i}" for i in range(n)])
    return dsk, "sink"


def best(fn: Callable[[], Any], repeat: int) -> float:
    """Best wall time of `repeat` runs (after a warm-up run when repeat > 1)."""
    if repeat > 1:
        fn()
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def engine_rows(sizes: List[int]) -> List[Row]:
    rows = []
    for shape, make, raw in (("chain", chain, raw_chain), ("fan-out/in", fan, raw_fan)):
        for n in sizes:
            repeat = 5 if n <= 1000 else 3 if n <= 10000 else 1
            doc, (dsk, key) = make(n), raw(n)
            t_raw = best(lambda dsk=dsk, key=key: dask.get(dsk, key), repeat)
            t_eng = best(lambda doc=doc: execute_graph(doc), repeat)
            rows.append(Row(f"{shape} {n}", t_raw, t_eng, "ratio", t_eng / t_raw, "<= 1.0x dask.get"))
    return rows


def event_rows(sizes: List[int]) -> List[Row]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="ewoks_bench_") as tmp:
        # as in a long-lived process (a server, a worker, a beamline session): over 20,000 events written
        # before, so the writer process runs (a short program writes in-process: the "no writer" rows)
        warm_up = {"class": "jsonl", "arguments": [{"name": "path", "value": str(Path(tmp) / "warm_up.jsonl")}]}
        execute_graph(chain(12_000), execinfo={"handlers": [warm_up]})
        for n in sizes:
            repeat = 15 if n <= 1000 else 3 if n <= 10000 else 1  # 1k: 25 ms a run, the noisiest rows
            doc = chain(n)
            base = best(lambda doc=doc: execute_graph(doc), repeat)
            for kind, arg, file in (("sqlite", "uri", "e.db"), ("jsonl", "path", "e.jsonl")):
                handler = {"class": kind, "arguments": [{"name": arg, "value": str(Path(tmp) / f"{n}{file}")}]}
                for writer, label in (("auto", ""), ("thread", ", no writer process")):
                    with _event_writer(writer):
                        t = best(lambda doc=doc, h=handler: execute_graph(doc, execinfo={"handlers": [h]}), repeat)
                    target = "<= 1.2x no sink" if writer == "auto" else "(what it saves)"
                    rows.append(Row(f"chain {n} with {kind} events{label}", base, t, "ratio", t / base, target))
    return rows


@contextlib.contextmanager
def _event_writer(mode: str) -> Iterator[None]:
    """EWOKS_EVENT_WRITER=mode meanwhile (auto: the default, the writer process for fast emitters)."""
    old = os.environ.get("EWOKS_EVENT_WRITER")
    os.environ["EWOKS_EVENT_WRITER"] = mode
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("EWOKS_EVENT_WRITER", None)
        else:
            os.environ["EWOKS_EVENT_WRITER"] = old


def _process_time(args: List[str], repeat: int, env: Dict[str, str]) -> float:
    """Median wall time of `repeat` runs of a whole process (after one warm-up run that writes the bytecode)."""
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def cli_rows(repeat: int = 7) -> List[Row]:
    """Whole processes: python itself is the baseline. Bytecode is cached (in a temporary folder, whatever
    PYTHONDONTWRITEBYTECODE says), as it is for an installed package: compiling the sources is not start-up."""
    python = sys.executable
    ewoks = [python, "-c", "import sys; from ewoks_core.cli.main import main; sys.exit(main())"]
    rows = []
    with tempfile.TemporaryDirectory(prefix="ewoks_bench_") as tmp:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        base = _process_time([python, "-c", "pass"], repeat, env)
        t = _process_time([python, "-c", "import ewoks_core"], repeat, env)
        rows.append(Row("python -c 'import ewoks_core' (process)", base, t, "s", t, "~ python -c pass"))
        path = Path(tmp) / "one.json"
        path.write_text(json.dumps(graph("one", [node("a", "Noop", {"value": 1})], [])))
        for name, extra in (("ewoks --help", ["--help"]), ("ewoks execute (1 node)", ["execute", str(path)])):
            t = _process_time(ewoks + extra, repeat, env)
            rows.append(Row(f"{name} (process)", base, t, "s", t, "< 0.3 s"))
    out = subprocess.run([python, "-X", "importtime", "-c", "import ewoks_core"], capture_output=True, text=True)
    total = [line for line in out.stderr.splitlines() if line.rstrip().endswith("| ewoks_core")]
    t_import = int(total[-1].split("|")[1]) / 1e6 if total else float("nan")
    rows.append(Row("import ewoks_core (-X importtime)", float("nan"), t_import, "s", t_import, "~4 ms"))
    return rows


def collect(quick: bool = False) -> List[Row]:
    """Every row of this benchmark (quick: no 100k rows, 1k events only)."""
    sizes = [1000, 10000] + ([] if quick else [100000])
    return engine_rows(sizes) + event_rows([1000] if quick else sizes) + cli_rows()


def print_table(rows: List[Row], out: Optional[Any] = None) -> None:
    """A plain-text table of rows."""
    out = out or sys.stdout
    width = max([len("benchmark")] + [len(r.name) for r in rows])
    print(f"{'benchmark':{width}s} {'baseline s':>11s} {'ewoks s':>9s} {'ratio/s':>9s}  target", file=out)
    print("-" * (width + 50), file=out)
    for r in rows:
        print(f"{r.name:{width}s} {r.baseline:11.4f} {r.ewoks:9.4f} {r.value:8.2f}{'x' if r.unit == 'ratio' else 's'}"
              f"  {r.target}", file=out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 100,000-node runs")
    parser.add_argument("--cli", action="store_true", help="only the CLI and import rows (whole processes)")
    args = parser.parse_args()
    os.environ.setdefault("PYTHONHASHSEED", "0")
    print_table(cli_rows() if args.cli else collect(args.quick))
    print("\nbaseline: dask.get of plain functions (engine rows), no sink (event rows), `python -c pass` (CLI rows).")


if __name__ == "__main__":
    main()
