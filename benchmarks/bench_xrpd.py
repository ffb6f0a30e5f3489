#!/usr/bin/env python
"""Benchmark of ewoks_xrpd: integrating N Pilatus1M frames (1043 x 981) of an HDF5 scan.

Compares, in the same run and on the same data:
  1. a plain pyFAI loop (h5py reads a frame, ai.integrate1d integrates it),
  2. the IntegrateScan1D task (task.execute()),
  3. the same task as a one-node workflow (ewoks_core.api.execute_graph, sequential engine),
  4. the integration methods: pyFAI's default ("bbox", "csr", "cython") vs ("bbox", "csc", "cython")
     (frames in memory, engine set-up time reported separately),
  5. the data-parallel variant (the scan split in --chunks IntegrateChunk1D nodes joined by
     ConcatenateChunks) on the sequential engine and on dask: threads, processes (a pool started
     per run: process start, imports and integrator set-up included) and a running LocalCluster
     with one single-threaded worker per CPU (as `ewoks cluster start` leaves it).
Every path integrates with the same options (mask, monitor normalization, polarization, Poisson
errors). Timings are the best of --repeat runs after one warm-up run (the integration engine,
built once per integrator, is reported separately). No assertions: it prints a table.

    python benchmarks/bench_xrpd.py --frames 200
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

_ROOT = Path(__file__).resolve().parents[1]
try:
    import ewoks_xrpd  # noqa: F401
except ImportError:
    sys.path[:0] = [str(_ROOT / "src"), str(_ROOT / "src" / "tasks")]

CSR = ("bbox", "csr", "cython")
CSC = ("bbox", "csc", "cython")


def best_of(func: Callable[[], object], repeat: int) -> float:
    """Minimum wall time of `repeat` calls."""
    return min(timed(func)[0] for _ in range(repeat))


def timed(func: Callable[[], object]) -> Tuple[float, float]:
    """(wall time, CPU time of this process, all threads) of one call. CPU time is less sensitive to
    other processes competing for the machine than wall time."""
    w0, c0 = time.perf_counter(), time.process_time()
    func()
    return time.perf_counter() - w0, time.process_time() - c0


def main(argv: List[str] = None) -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=200, help="number of frames (default 200)")
    parser.add_argument("--npt", type=int, default=1000, help="radial points (default 1000)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per path; the best is kept (default 5)")
    parser.add_argument("--workdir", help="folder for the demo scan (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--chunks", type=int, default=8, help="chunks of the data-parallel variant (default 8)")
    args = parser.parse_args(argv)

    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="bench_xrpd_"))
    try:
        inputs = run(workdir, args.frames, args.npt, args.repeat)
        run_chunked(inputs, args.frames, args.chunks, args.repeat)
    finally:
        if not args.workdir and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def run(workdir: Path, nframes: int, npt: int, repeat: int) -> Dict[str, object]:
    """Generate (or reuse) the scan in `workdir`, time every path, print the table; return the inputs."""
    import fabio
    import h5py
    import numpy as np
    import pyFAI

    from ewoks_xrpd import demo_data
    from ewoks_xrpd.tasks.scan import IntegrateScan1D

    paths = demo_data.demo_paths(workdir, f"bench_{nframes}")
    t0 = time.perf_counter()
    if not demo_data.exists(paths) or demo_data.count_frames(paths["scan_file"]) != nframes:
        paths = demo_data.generate_scan(paths["scan_file"], nframes=nframes)
    print(f"demo scan: {nframes} frames of 1043x981 int32 in {paths['scan_file']} "
          f"({os.path.getsize(paths['scan_file']) / 2**20:.0f} MiB, ready in {time.perf_counter() - t0:.1f} s)")
    print(f"pyFAI {pyFAI.version}, numpy {np.__version__}, {os.cpu_count()} CPUs, npt={npt}, best of {repeat}")

    options = dict(npt=npt, unit="q_nm^-1", polarization_factor=0.99, error_model="poisson")
    inputs = dict(frames_url=paths["scan_url"], poni=paths["poni_path"], monitor_url=paths["monitor_url"],
                  mask=paths["mask_path"], method=list(CSC), **options)

    # 1. plain pyFAI loop, reading with h5py
    ai = pyFAI.load(paths["poni_path"])
    mask = fabio.open(paths["mask_path"]).data.astype(bool) | ai.detector.mask.astype(bool)

    def plain(method: Tuple[str, str, str] = CSC) -> None:
        with h5py.File(paths["scan_file"], "r") as f:
            frames, monitor = f[demo_data.DETECTOR_DATASET], f[demo_data.MONITOR_DATASET][()]
            out = np.empty((nframes, npt), dtype=np.float32)
            for i in range(nframes):
                res = ai.integrate1d(frames[i], npt, unit="q_nm^-1", method=method, error_model="poisson",
                                     mask=mask, polarization_factor=0.99, normalization_factor=float(monitor[i]))
                out[i] = res.intensity

    # 2. the task
    def task() -> None:
        IntegrateScan1D(inputs=inputs).execute()

    # 3. the task in a workflow
    graph = {"graph": {"id": "bench_xrpd", "schema_version": "1.2"},
             "nodes": [{"id": "integrate", "task_type": "class",
                        "task_identifier": "ewoks_xrpd.tasks.scan.IntegrateScan1D",
                        "default_inputs": [{"name": k, "value": v} for k, v in inputs.items()]}],
             "links": []}
    try:
        from ewoks_core.api import execute_graph
    except ImportError:
        execute_graph = None

    def workflow() -> None:
        execute_graph(graph)

    rows: Dict[str, float] = {}
    cpu: Dict[str, float] = {}
    candidates = [("plain pyFAI loop (h5py + integrate1d)", plain), ("IntegrateScan1D task", task)]
    if execute_graph is not None:
        candidates.append(("workflow (execute_graph, sequential)", workflow))
    for _, func in candidates:  # warm-up: engines built, files in the page cache
        func()
    for _ in range(repeat):  # interleave the paths so that drifts affect them alike
        for label, func in candidates:
            wall, used = timed(func)
            rows[label] = min(rows.get(label, float("inf")), wall)
            cpu[label] = min(cpu.get(label, float("inf")), used)

    print()
    print(f"{'path':<42}{'total s':>10}{'ms/frame':>10}{'ratio':>8}{'CPU s':>9}{'CPU ratio':>11}")
    ref, cpu_ref = rows[candidates[0][0]], cpu[candidates[0][0]]
    for label, _ in candidates:
        print(f"{label:<42}{rows[label]:>10.2f}{1000 * rows[label] / nframes:>10.1f}{rows[label] / ref:>8.3f}"
              f"{cpu[label]:>9.2f}{cpu[label] / cpu_ref:>11.3f}")
    if execute_graph is None:
        print("(ewoks_core.api.execute_graph not available: workflow path skipped)")

    # 4. methods, frames in memory (no I/O)
    nmem = min(nframes, 100)
    with h5py.File(paths["scan_file"], "r") as f:
        frames = f[demo_data.DETECTOR_DATASET][:nmem]
    print()
    print(f"integration method, {nmem} frames in memory        setup s  ms/frame   ratio")
    per_frame = {}
    for method in (CSR, CSC):
        fresh = pyFAI.load(paths["poni_path"])
        t0 = time.perf_counter()
        fresh.integrate1d(frames[0], npt, method=method, mask=mask, **{k: v for k, v in options.items()
                                                                     if k != "npt"})
        setup = time.perf_counter() - t0

        def loop(fresh: Any = fresh, method: Any = method) -> None:
            for frame in frames:
                fresh.integrate1d(frame, npt, method=method, mask=mask,
                                  **{k: v for k, v in options.items() if k != "npt"})

        per_frame[method] = best_of(loop, repeat) / nmem
        label = f"{method}{' (pyFAI default)' if method == CSR else ' (ewoks_xrpd default)'}"
        print(f"{label:<48}{setup:>8.2f}{1000 * per_frame[method]:>10.2f}{per_frame[method] / per_frame[CSR]:>8.3f}")
    return inputs


def chunked_graph(inputs: Dict[str, object], nchunks: int) -> dict:
    """The scan split in `nchunks` IntegrateChunk1D nodes joined by ConcatenateChunks."""
    common = [{"name": k, "value": v} for k, v in inputs.items()]
    nodes = [{"id": f"chunk{i}", "task_type": "class", "task_identifier": "ewoks_xrpd.tasks.chunks.IntegrateChunk1D",
              "default_inputs": common + [{"name": "chunk_index", "value": i}, {"name": "nchunks", "value": nchunks}]}
             for i in range(nchunks)]
    nodes.append({"id": "join", "task_type": "class", "task_identifier": "ewoks_xrpd.tasks.chunks.ConcatenateChunks"})
    links = [{"source": f"chunk{i}", "target": "join", "data_mapping": [{"source_output": None, "target_input": i}]}
             for i in range(nchunks)]
    return {"graph": {"id": "bench_xrpd_chunked", "schema_version": "1.2"}, "nodes": nodes, "links": links}


def run_chunked(inputs: Dict[str, object], nframes: int, nchunks: int, repeat: int) -> None:
    """Time the data-parallel variant on the sequential engine and on dask; print the speed-ups."""
    try:
        from ewoks_core.api import execute_graph
        from ewoks_core.engines.registry import get_engine

        get_engine("dask")
        from distributed import Client, LocalCluster
    except Exception as e:  # dask extra not installed
        print(f"\n(data-parallel variant skipped: {e})")
        return
    graph = chunked_graph(inputs, nchunks)
    ncpu = os.cpu_count() or 1
    variants: List[Tuple[str, dict]] = [("sequential engine", {}),
                                        ("dask threads", {"engine": "dask", "scheduler": "threads"}),
                                        ("dask processes (pool per run)", {"engine": "dask",
                                                                           "scheduler": "processes"})]
    times: Dict[str, float] = {}
    for label, kwargs in variants:
        execute_graph(graph, **kwargs)  # warm-up (page cache, integrator of this process)
        times[label] = best_of(lambda kwargs=kwargs: execute_graph(graph, **kwargs), max(1, repeat // 2))
    from ewoks_dask.workerenv import worker_environ

    with worker_environ():  # the worker environment `ewoks cluster start` gives (see ewoks_dask.workerenv)
        cluster = LocalCluster(n_workers=ncpu, threads_per_worker=1, processes=True, dashboard_address=None)
    with cluster, Client(cluster) as client:
        label = f"dask LocalCluster {ncpu}x1 (running)"
        execute_graph(graph, engine="dask", scheduler=client)  # warm-up: workers import pyFAI, build integrators
        times[label] = best_of(lambda: execute_graph(graph, engine="dask", scheduler=client), max(1, repeat // 2))
        variants.append((label, {}))
    print()
    print(f"data-parallel: {nframes} frames in {nchunks} chunks, {ncpu} CPUs   "
          "total s  frames/s  speed-up vs sequential")
    ref = times["sequential engine"]
    for label, _ in variants:
        target = "  (target >= 1.7x)" if "processes" in label or "Cluster" in label else ""
        print(f"{label:<52}{times[label]:>8.2f}{nframes / times[label]:>10.1f}{ref / times[label]:>8.2f}x{target}")


if __name__ == "__main__":
    main()
