#!/usr/bin/env python
"""Benchmark of streaming: workflows/xrpd_online.json on a Pilatus1M scan (1043 x 981) written while it runs.

1. Latency and throughput: a writer process (HDF5 SWMR, ewoks_xrpd.live.replay_scan) writes --frames
   frames at 20, 50 and 100 frames/s; the online workflow runs while it writes. Latency of a frame:
   from its write (flushed, time recorded by the writer) to its pattern (the stream's progress event of
   that item). Online throughput: frames / (last pattern - first frame written). Baseline, same run and
   same frames: offline integration of the complete file (IntegrateScan1D, frames/s).
2. Memory: the online integration (ZeroMQ source, sender at full speed) of 1,000 and 10,000 frames
   (--memory), each in a fresh process: peak RSS, against the same process integrating 20 frames offline
   (imports, pyFAI integrator). The frames are Pilatus100k-sized (--memory-detector: 10,000 Pilatus1M
   frames would take ~10 min here); frames in flight are bounded by max_in_flight whatever the size.
   Two rows per length: the stream alone (no reducer: each pattern is dropped once made) must be flat;
   with the reducer, the result holds every pattern (npt x 2 arrays per frame, printed), as offline.
No assertions: it prints tables.

    python benchmarks/bench_stream.py --quick
"""

from __future__ import annotations

import argparse
import copy
import json
import multiprocessing
import resource
import socket
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

_ROOT = Path(__file__).resolve().parents[1]
try:
    import ewoks_xrpd  # noqa: F401
except ImportError:
    sys.path[:0] = [str(_ROOT / "src"), str(_ROOT / "src" / "tasks")]

ONLINE = _ROOT / "workflows" / "xrpd_online.json"
SPAWN = multiprocessing.get_context("spawn")


def gen_inputs(paths: Dict[str, str], scan_url: str, out: Path) -> List[dict]:
    values = {"scan_url": scan_url, "monitor_url": scan_url.replace("measurement/pilatus", "measurement/mon"),
              "poni_path": paths["poni_path"], "mask_path": paths["mask_path"], "output_dir": str(out)}
    return [{"id": "gen", "name": k, "value": v} for k, v in values.items()]


def percentile(values: List[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def online_run(paths: Dict[str, str], folder: Path, rate: float, nframes: int, engine: Optional[str],
               options: Dict[str, Any]) -> Dict[str, float]:
    """One online run with a writer at `rate`: latencies and throughput."""
    from ewoks_core.api import execute_graph
    from ewoks_xrpd.live import replay_scan

    target, times, events = folder / f"live_{rate:g}.h5", folder / f"times_{rate:g}.txt", folder / f"ev_{rate:g}.jsonl"
    writer = SPAWN.Process(target=replay_scan, args=(paths["scan_file"], str(target), rate),
                           kwargs={"nframes": nframes, "times_path": str(times), "delay": 0.5, "compression": None},
                           daemon=True)
    writer.start()
    execinfo = {"handlers": [{"class": "jsonl", "arguments": [{"name": "path", "value": str(events)}]}]}
    execute_graph(str(ONLINE), engine=engine, inputs=gen_inputs(paths, f"{target}::/1.1/measurement/pilatus",
                                                                folder / f"out_{rate:g}"), execinfo=execinfo, **options)
    writer.join(30)
    written = {int(k): float(t) for k, t in (line.split() for line in times.read_text().splitlines())}
    done: Dict[int, float] = {}
    for line in events.read_text().splitlines():
        event = json.loads(line)
        if event["type"] == "progress" and event["node_id"] == "frames":
            done[event["output_uris"]["stream"]["item"]] = datetime.fromisoformat(event["time"]).timestamp()
    latencies = [done[k] - written[k] for k in done]
    span = max(done.values()) - min(written.values())
    writes = sorted(written.values())
    return {"median": statistics.median(latencies), "p99": percentile(latencies, 0.99), "fps": len(done) / span,
            "n": len(done), "written": (len(writes) - 1) / (writes[-1] - writes[0])}


def offline_fps(paths: Dict[str, str], folder: Path, nframes: int) -> float:
    """Frames/s of IntegrateScan1D on the complete file of the same frames (integrator warm)."""
    from ewoks_xrpd.live import replay_scan
    from ewoks_xrpd.tasks.scan import IntegrateScan1D

    target = folder / "complete.h5"
    replay_scan(paths["scan_file"], str(target), 1e9, nframes=nframes, compression=None)
    doc = json.loads(ONLINE.read_text())
    defaults = {d["name"]: d["value"] for n in doc["nodes"] if n["id"] == "integrate" for d in n["default_inputs"]}
    inputs = dict(defaults, frames_url=f"{target}::/1.1/measurement/pilatus", poni=paths["poni_path"],
                  mask=paths["mask_path"], monitor_url=f"{target}::/1.1/measurement/mon")
    IntegrateScan1D(dict(inputs, stop=2)).execute()  # warm-up: the integration engine
    t0 = time.perf_counter()
    IntegrateScan1D(inputs).execute()
    return nframes / (time.perf_counter() - t0)


def _memory_child(paths: Dict[str, str], nframes: int, reduce: bool, engine: Optional[str],
                  options: Dict[str, Any], queue: Any) -> None:
    """In a fresh process: integrate `nframes` streamed over ZeroMQ (0: the 20 frames offline); puts
    (peak RSS in MB, MB of the patterns the result holds). `reduce`: with the reducer (StackPatterns: the
    result holds every pattern); without it, each item's pattern is dropped once made (the stream alone)."""
    from ewoks_core.api import execute_graph

    result_mb = 0.0
    if nframes == 0:
        from ewoks_xrpd.tasks.scan import IntegrateScan1D

        IntegrateScan1D({"frames_url": paths["scan_url"], "poni": paths["poni_path"], "mask": paths["mask_path"],
                         "monitor_url": paths["monitor_url"], "polarization_factor": 0.99}).execute()
    else:
        from ewoks_xrpd.live import send_scan

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            address = f"tcp://127.0.0.1:{s.getsockname()[1]}"
        sender = SPAWN.Process(target=send_scan, args=(paths["scan_file"], address, 1e9),
                               kwargs={"nframes": nframes}, daemon=True)
        sender.start()
        doc = json.loads(ONLINE.read_text())
        integrate = copy.deepcopy(next(n for n in doc["nodes"] if n["id"] == "integrate"))
        integrate["default_inputs"] += [{"name": "poni", "value": paths["poni_path"]},
                                        {"name": "mask", "value": paths["mask_path"]}]
        source = {"id": "frames", "task_type": "class", "task_identifier": "ewoks_core.stream.zmq.ZmqFrameSource",
                  "default_inputs": [{"name": "address", "value": address}]}
        keep = ("frames", "integrate") if reduce else ("frames",)
        doc["nodes"] = [source, integrate] + ([next(n for n in doc["nodes"] if n["id"] == "stack")] if reduce else [])
        doc["links"] = [lk for lk in doc["links"] if lk["source"] in keep]
        if not reduce:
            doc["graph"]["stream"].pop("reducer")
        result = execute_graph(doc, engine=engine, outputs=[{"all": True}], merge_outputs=False, **options)
        if reduce:
            stack = result["stack"]
            assert stack["nframes"] == nframes
            result_mb = sum(a.nbytes for a in (stack["intensity"], stack["sigma"]) if a is not None) / 2**20
        else:
            assert result["frames"]["nitems"] == nframes
        sender.join(30)
    queue.put((peak_rss_mb(), result_mb))


def peak_rss_mb() -> float:
    """This process's peak RSS in MB: VmHWM, which starts again at exec. Not getrusage's ru_maxrss: Linux
    carries into it the RSS of the process that forked this one (a spawned child of a big parent would
    report at least the parent's size)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_memory(paths: Dict[str, str], nframes: int, reduce: bool = True, engine: Optional[str] = None,
                options: Optional[Dict[str, Any]] = None) -> Tuple[float, float]:
    """(peak RSS MB, patterns in the result MB) of one run in a fresh process (see _memory_child)."""
    queue = SPAWN.Queue()
    child = SPAWN.Process(target=_memory_child, args=(paths, nframes, reduce, engine, options or {}, queue))
    child.start()
    value = queue.get(timeout=3600)
    child.join()
    return float(value[0]), float(value[1])


def main(argv: Optional[List[str]] = None) -> None:
    """Run the benchmark and print the tables."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer frames per rate (60)")
    parser.add_argument("--frames", type=int, default=300, help="frames per rate (default 300)")
    parser.add_argument("--rates", default="20,50,100", help="writer frame rates (default 20,50,100; '': none)")
    parser.add_argument("--memory", default="1000,10000",
                        help="scan lengths of the memory test (default 1000,10000; '': none)")
    parser.add_argument("--memory-detector", default="Pilatus100k",
                        help="detector of the memory test's frames (default Pilatus100k, 195 x 487: 10,000 frames "
                             "in about a minute)")
    parser.add_argument("--engine", default=None, help="engine (default sequential)")
    parser.add_argument("--scheduler", default=None, help="dask scheduler (with --engine dask)")
    args = parser.parse_args(argv)
    frames = 60 if args.quick else args.frames
    lengths = [int(n) for n in args.memory.split(",") if n]
    options = {"scheduler": args.scheduler} if args.scheduler else {}
    from ewoks_xrpd.demo_data import generate_scan

    with tempfile.TemporaryDirectory(prefix="bench_stream_") as tmp:
        folder = Path(tmp)
        paths = generate_scan(folder / "src" / "demo_scan.h5", nframes=20)
        if args.rates:  # '': the memory rows only
            base = offline_fps(paths, folder, frames)
            print(f"engine {args.engine or 'sequential'} {options or ''}; {frames} Pilatus1M frames per rate; "
                  f"offline integration of the same frames: {base:.1f} frames/s")
            print(f"{'writer fps':>10} {'written fps':>12} {'median lat s':>13} {'p99 lat s':>10} {'online fps':>11} "
                  f"{'offline fps':>12} {'online/bound':>13}")
            for rate in (float(r) for r in args.rates.split(",")):
                r = online_run(paths, folder, rate, frames, args.engine, options)
                print(f"{rate:>10g} {r['written']:>12.1f} {r['median']:>13.3f} {r['p99']:>10.3f} {r['fps']:>11.1f} "
                      f"{base:>12.1f} {r['fps'] / min(r['written'], base):>12.2f}x")
            print("(written fps: the rate the writer achieved; online/bound: online fps over the lower of written fps "
                  "and offline fps)")
        if lengths:  # '': the latency rows only
            small = generate_scan(folder / "small" / "demo_scan.h5", nframes=20, detector=args.memory_detector)
            baseline, _ = peak_memory(small, 0)
            print(f"\npeak memory against scan length: {args.memory_detector} frames sent over ZeroMQ at full speed, "
                  f"each run in a fresh process (baseline: 20 frames offline, {baseline:.0f} MB)")
            print(f"{'frames':>8} {'stream alone MB':>16} {'with reducer MB':>16} {'patterns in result MB':>22}")
            for n in lengths:
                alone, _ = peak_memory(small, n, False, args.engine, options)
                reduced, patterns = peak_memory(small, n, True, args.engine, options)
                print(f"{n:>8} {alone:>16.0f} {reduced:>16.0f} {patterns:>22.1f}")
            print("(stream alone: no reducer, each pattern dropped once made; with reducer: StackPatterns, whose "
                  "result holds every pattern, as the offline integration's does)")


if __name__ == "__main__":
    main()
