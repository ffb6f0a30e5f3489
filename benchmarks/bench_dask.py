"""Dask engine overhead vs raw dask on the same graphs, per scheduler; CPU-bound speed-up.

Run: python benchmarks/bench_dask.py [--quick] [--no-cluster]. Prints a table; no assertions.

Rows compare three ways of running the same workflow on the same dask scheduler:
- raw dask: a hand-written dask graph of plain functions with the same shape
  (`dask.get`, `dask.threaded.get`, `dask.multiprocessing.get`, `Client.get`);
- ewoks dask engine: `execute_graph(doc, engine="dask", scheduler=...)`, end to end
  (load, validate, compile, run, results), i.e. the dynamic design: one JobState in
  the caller, each ready node submitted to the scheduler;
- static design (prototype, measurement only): the workflow compiled into one dask graph
  whose tasks take their upstream NodeOutcomes and call run_node; written here for
  unconditional DAGs only (conditions and skips would need JobState logic inside the
  graph tasks, which is exactly what the engine does not want to re-implement).
"""

from __future__ import annotations

import os
from functools import partial

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # CPU-bound tasks must use one core each

import argparse  # noqa: E402
import gc  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from typing import Any, Callable, Dict, List, Optional, Tuple  # noqa: E402

import dask.multiprocessing  # noqa: E402
import dask.threaded  # noqa: E402
from bench_core import raw_chain, raw_fan  # noqa: E402  (the same raw dask graphs as the core rows)

import dask  # noqa: E402
from ewoks_core.api import execute_graph  # noqa: E402
from ewoks_core.engines.registry import get_engine  # noqa: E402
from ewoks_core.execution import node_spec, run_node_remote  # noqa: E402
from ewoks_core.execution.links import link_data  # noqa: E402
from ewoks_core.graph import compile_graph, load_graph  # noqa: E402
from ewoks_core.testing.builders import cond, graph, link, node, noop_chain, noop_fan  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # workers import this module as bench_dask
HERE = "bench_dask"


# -- workflows and their raw dask twins -----------------------------------------------------
chain, fan = noop_chain, noop_fan


def conditional_chain(n: int) -> dict:
    """chain(n), then one node behind a condition that holds: the chain is planned, the last node is not."""
    doc = chain(n)
    doc["nodes"].append(node("last", "Noop"))
    doc["links"].append(link(n - 1, "last", {"value": "value"}, conditions=cond(value=0)))
    return doc


def cpu_fan(n: int, seconds: float) -> dict:
    nodes = [node(i, f"{HERE}.burn", {"seconds": seconds}, task_type="method") for i in range(n)]
    return graph(f"cpu{n}", nodes, [])


def burn(seconds: float = 0.05) -> float:
    """CPU-bound numpy work holding the GIL for `seconds` of this thread's CPU time."""
    import numpy

    a = numpy.arange(64, dtype=float)
    end = time.thread_time() + seconds
    total = 0.0
    while time.thread_time() < end:
        total += float(numpy.sqrt(a).sum())
    return total




def raw_cpu(n: int, seconds: float) -> Tuple[dict, Any]:
    dsk = {f"c{i}": (burn, seconds) for i in range(n)}
    return dsk, list(dsk)


# -- the static-graph design (prototype) ----------------------------------------------------
def _static_node(spec: Any, incoming: list, defaults: dict, *upstream: Any) -> Any:
    """One graph task: inputs from upstream outcomes (unconditional links only), then run_node_remote."""
    inputs = dict(defaults)
    for (lnk, _), outcome in zip(incoming, upstream, strict=True):
        inputs.update(link_data(lnk, outcome.outputs or {}))
    from ewoks_core.execution import NodeRun

    return run_node_remote(spec, NodeRun(spec.id, inputs), {"workflow_id": "static", "emitter": {}, "varinfo": None})


def static_graph(doc: dict) -> Tuple[dict, List[Any]]:
    compiled = compile_graph(load_graph(doc))
    dsk: Dict[Any, Any] = {}
    for nid, n in compiled.nodes.items():
        incoming = [(lnk, lnk.source) for lnk in n.incoming]
        # the spec is a named tuple: bound in a partial, so that dask does not read it as a task
        task = partial(_static_node, node_spec(n), incoming, dict(n.default_inputs))
        dsk[("node", nid)] = (task, *[("node", src) for _, src in incoming])
    return dsk, [("node", nid) for nid in compiled.end_nodes]


def static_run(doc: dict, get: Callable) -> Callable[[], Any]:
    def go() -> Any:
        dsk, keys = static_graph(doc)
        return get(dsk, keys)
    return go


# -- measuring -----------------------------------------------------------------------------
def timed(fn: Callable[[], Any], repeat: int) -> float:
    """Median wall time of `repeat` runs (after one warm-up run when repeat > 1)."""
    if repeat > 1:
        fn()
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def ewoks(doc: dict, **options: Any) -> Callable[[], Any]:
    return lambda: execute_graph(doc, engine="dask", **options)


Row = Tuple[str, str, Optional[float], float, Optional[float], str]


def overhead_rows(scheduler: str, get: Callable, n: int, repeat: int, engine_opts: dict,
                  turns: bool = False) -> List[Row]:
    """Raw dask, ewoks and the static prototype on a chain and a fan of n nodes: medians of `repeat` runs
    after a warm-up, each in a block; `turns`: in turns instead (no warm-up; a running cluster, whose
    speed moves with the machine's load from one second to the next)."""
    rows: List[Row] = []
    if n <= 0:
        return rows
    for shape, doc, (dsk, key) in (("chain", chain(n), raw_chain(n)), ("fan-out/in", fan(n), raw_fan(n))):
        fns = {"raw": lambda dsk=dsk, key=key: get(dsk, key), "ewoks": ewoks(doc, **engine_opts),
               "static": static_run(doc, get)}
        if turns:
            t_raw, t_eng, t_static = (m[0] for m in interleaved(fns, repeat, False).values())
        else:
            t_raw, t_eng, t_static = (timed(fn, repeat) for fn in fns.values())
        target = "<= 1.2x raw" if scheduler.startswith("LocalCluster") else "<= 1.5x raw"
        rows.append((f"{shape} {n}", scheduler, t_raw, t_eng, t_static, target))
    return rows


def conditional_rows(client: Any, n: int, repeat: int) -> List[Row]:
    """A chain ending in a condition: planned up to the condition, against the same job node by node
    (the plan switched off) and raw dask's chain of n + 1 tasks."""
    import ewoks_core.engines.driver as driver

    dsk, key = raw_chain(n + 1)
    doc = conditional_chain(n)
    t_raw = timed(lambda: client.get(dsk, key), repeat)
    t_eng = timed(ewoks(doc, scheduler=client), repeat)
    planner = driver.static_plan
    driver.static_plan = lambda *args, **kwargs: None  # type: ignore[assignment]  (measurement only)
    try:
        t_dyn = timed(ewoks(doc, scheduler=client), repeat)
    finally:
        driver.static_plan = planner
    return [(f"chain {n} + condition", "LocalCluster 2x1", t_raw, t_eng, None,
             f"<= 1.2x raw; node by node {t_dyn:.3f} s ({t_dyn / t_raw:.2f}x)")]


def cold_process_run(n: int, seconds: float) -> float:
    """The first process pool of a fresh process (includes starting the forkserver and its imports)."""
    t0 = time.perf_counter()
    ewoks(cpu_fan(n, seconds), scheduler="processes")()
    return time.perf_counter() - t0


def tree_cpu() -> float:
    """CPU seconds (user + system) of this process and all its descendants: the live ones (a LocalCluster's
    scheduler thread, nannies, workers) and the ended ones their parents waited for (process pools; a
    forkserver's children are its own)."""
    import psutil

    me = psutil.Process()
    times = me.cpu_times()
    total = times.user + times.system + times.children_user + times.children_system
    for child in me.children(recursive=True):
        try:
            times = child.cpu_times()
        except psutil.Error:  # ended meanwhile (its time is in its parent's children_* once waited for)
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


def interleaved(fns: Dict[str, Callable[[], Any]], repeat: int, warm: bool) -> Dict[str, Tuple[float, float]]:
    """Median (wall s, CPU s of the process tree) per function over `repeat` rounds, run in turns
    (order alternating per round, so that the load of the machine falls on each alike); one warm-up
    round first when `warm`."""
    if warm:
        for fn in fns.values():
            fn()
    samples: Dict[str, List[Tuple[float, float]]] = {name: [] for name in fns}
    names = list(fns)
    for i in range(repeat):
        for name in (names if i % 2 == 0 else names[::-1]):
            gc.collect()
            c0, t0 = tree_cpu(), time.perf_counter()
            fns[name]()
            samples[name].append((time.perf_counter() - t0, tree_cpu() - c0))
    return {name: (statistics.median(w for w, _ in s), statistics.median(c for _, c in s))
            for name, s in samples.items()}


def cpu_rows(n: int, seconds: float, client: Any, repeat: int) -> Tuple[float, List[Row]]:
    """The CPU-bound fan-out per scheduler, raw dask and ewoks interleaved (medians of 3 rounds, `repeat` on
    the cluster, after a warm-up where it matters); speed-ups over each one's own sync run; CPU time of
    all processes against raw dask's. Returns ewoks' sync time too (the cold row's reference)."""
    doc = cpu_fan(n, seconds)
    dsk, keys = raw_cpu(n, seconds)
    name = f"cpu fan-out {n}x{seconds * 1000:.0f}ms"
    burn(0.0)  # numpy imported: the sync runs need no warm-up round
    sync = interleaved({"raw": lambda: dask.get(dsk, keys), "ewoks": ewoks(doc, scheduler="sync")}, 3, False)
    (raw_sync, raw_sync_cpu), (t_sync, t_sync_cpu) = sync["raw"], sync["ewoks"]
    rows: List[Row] = [(name, "sync", raw_sync, t_sync, None, f"reference; CPU {t_sync_cpu / raw_sync_cpu:.2f}x raw's")]

    def row(label: str, raw_get: Callable[[], Any], scheduler: Any, rounds: int, warm: bool) -> Row:
        m = interleaved({"raw": raw_get, "ewoks": ewoks(doc, scheduler=scheduler)}, rounds, warm)
        (raw, raw_cpu_s), (t, cpu) = m["raw"], m["ewoks"]
        ours, theirs = t_sync / t, raw_sync / raw  # ewoks' speed-up over ewoks sync, raw dask's over raw sync
        return (name, label, raw, t, None, f"{ours:.2f}x sync; raw {theirs:.2f}x; {ours / theirs:.0%} of raw's "
                f"(target >= 95%); CPU {cpu / raw_cpu_s:.2f}x raw's")

    # threads: no speed-up to expect (the GIL), a thread pool needs no warm-up; the cluster row is the target's
    rows.append(row("threads", lambda: dask.threaded.get(dsk, keys), "threads", 3, False))
    rows.append(row("processes", lambda: dask.multiprocessing.get(dsk, keys), "processes", 3, True))
    if client is not None:
        rows.append(row("LocalCluster 2x1 (running)", lambda: client.get(dsk, keys), client, repeat, True))
    return t_sync, rows


def fixed_cost_rows(repeat: int) -> List[Row]:
    doc = chain(10)
    dsk, key = raw_chain(10)
    t_raw = timed(lambda: dask.multiprocessing.get(dsk, key), repeat)
    t_eng = timed(ewoks(doc, scheduler="processes"), repeat)
    return [("chain 10 (fixed cost)", "processes", t_raw, t_eng, None, "ewoksdask 3.0: ~1.3 s")]


def _warm_worker() -> None:
    """Import what the nodes need once per worker (not part of any measurement)."""
    import ewoks_core.execution.remote  # noqa: F401
    import ewoks_core.testing.tasks  # noqa: F401


def print_table(rows: List[Row]) -> None:
    def fmt(x: Optional[float]) -> str:
        return f"{x:9.3f}" if x is not None else f"{'-':>9s}"

    print(f"{'graph':24s} {'scheduler':26s} {'raw dask':>9s} {'ewoks':>9s} {'ratio':>6s} {'static':>9s} "
          f"{'ratio':>6s}  note")
    print("-" * 110)
    for name, sched, raw, eng, static, note in rows:
        r1 = f"{eng / raw:6.2f}" if raw else f"{'-':>6s}"
        r2 = f"{static / raw:6.2f}" if raw and static else f"{'-':>6s}"
        print(f"{name:24s} {sched:26s} {fmt(raw)} {fmt(eng)} {r1} {fmt(static)} {r2}  {note}")
    print("\nseconds, median of runs after a warm-up (LocalCluster: raw dask, ewoks and static in turns, 3 rounds).\n"
          "ratio = time / raw dask time. cpu rows: raw dask and ewoks in turns (3 rounds, 5 on LocalCluster,\n"
          "after a warm-up except sync and threads); CPU = CPU time of all processes (client, scheduler,\n"
          "workers, pools) per run, median, against raw dask's.\n"
          "ewoks = execute_graph end to end with the dask engine (on distributed, workflows decided up front are\n"
          "submitted as one graph up to the first condition, error handler target or cycle, execution/plan.py;\n"
          "elsewhere and after that node by node);\n"
          "static = prototype: one dask graph per workflow without the JobState (unconditional DAGs only).")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller graphs, fewer repeats")
    parser.add_argument("--no-cluster", action="store_true", help="skip the distributed LocalCluster rows")
    parser.add_argument("--cpu-only", action="store_true", help="only the CPU-bound fan-out rows")
    args = parser.parse_args()
    get_engine("dask")
    n, repeat = (200, 3) if args.quick else (1000, 5)
    n_cpu, seconds = (16 if args.quick else 64), 0.05
    cpu_repeat = 3 if args.quick else 5  # LocalCluster row (the others: 3)
    t_cold = cold_process_run(n_cpu, seconds)  # before any other process pool of this process
    rows: List[Row] = []
    if args.cpu_only:
        n = 0
    rows += overhead_rows("sync", dask.get, n, repeat, {"scheduler": "sync"})
    rows += overhead_rows("threads", dask.threaded.get, n, repeat, {"scheduler": "threads"})
    rows += fixed_cost_rows(3) if n else []
    rows += overhead_rows("processes", dask.multiprocessing.get, min(n, 200), 3 if not args.quick else 1,
                          {"scheduler": "processes"})
    client = cluster = None
    try:
        if not args.no_cluster:
            from distributed import Client, LocalCluster

            from ewoks_dask.workerenv import worker_environ

            with worker_environ():  # as `ewoks cluster start` leaves its workers
                cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
            client = Client(cluster, set_as_default=False)
            client.run(_warm_worker)
            for size in sorted({min(n, 200), n}):
                rows += overhead_rows("LocalCluster 2x1", client.get, size, 3, {"scheduler": client}, turns=True)
            if n:
                rows += conditional_rows(client, min(n, 200), 3)
        t_sync, more = cpu_rows(n_cpu, seconds, client, cpu_repeat)
        rows = [(more[0][0], "processes (1st run, cold)", None, t_cold, None, f"{t_sync / t_cold:.2f}x sync")] + rows
        rows += more
    finally:
        if client is not None:
            client.close()
            cluster.close()
    print_table(rows)


if __name__ == "__main__":
    main()
