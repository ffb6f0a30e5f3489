#!/usr/bin/env python
"""Benchmark of streaming: workflows/xrpd_online.json on a Pilatus1M scan (1043 x 981) written while it runs.

1. Latency and throughput: a writer process (HDF5 SWMR, ewoks_xrpd.live.replay_scan) writes --frames
   frames at 20, 50 and 100 frames/s; the online workflow runs while it writes. Latency of a frame:
   from its write (flushed, time recorded by the writer) to its pattern (the stream's progress event of
   that item). Online throughput: frames / (last pattern - first frame written). Baseline, same run and
   same frames: offline integration of the complete file (IntegrateScan1D, frames/s).
2. Memory: the online integration (ZeroMQ source, sender at full speed) of --memory frames, each in a
   fresh process: peak RSS, against the same process integrating 20 frames offline (imports, pyFAI
   integrator). Frames in flight are bounded; the patterns kept for the result grow ~8 KB per frame.
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
from typing import Any, Dict, List, Optional

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


def _memory_child(paths: Dict[str, str], nframes: int, queue: Any) -> None:
    """In a fresh process: integrate `nframes` streamed over ZeroMQ (0: 20 frames offline); peak RSS in MB."""
    from ewoks_core.api import execute_graph

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
        integrate = next(n for n in doc["nodes"] if n["id"] == "integrate")
        integrate = copy.deepcopy(integrate)
        integrate["default_inputs"] += [{"name": "poni", "value": paths["poni_path"]},
                                        {"name": "mask", "value": paths["mask_path"]}]
        source = {"id": "frames", "task_type": "class", "task_identifier": "ewoks_core.stream.zmq.ZmqFrameSource",
                  "default_inputs": [{"name": "address", "value": address}]}
        doc["nodes"] = [source, integrate,
                        next(n for n in doc["nodes"] if n["id"] == "stack")]
        doc["links"] = [lk for lk in doc["links"] if lk["source"] in ("frames", "integrate")]
        result = execute_graph(doc)
        assert result["nframes"] == nframes
        sender.join(30)
    queue.put(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def peak_memory(paths: Dict[str, str], nframes: int) -> float:
    queue = SPAWN.Queue()
    child = SPAWN.Process(target=_memory_child, args=(paths, nframes, queue))
    child.start()
    value = queue.get(timeout=3600)
    child.join()
    return float(value)


def main(argv: Optional[List[str]] = None) -> None:
    """Run the benchmark and print the tables."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer frames (60 per rate; 200 vs 2,000 for memory)")
    parser.add_argument("--frames", type=int, default=300, help="frames per rate (default 300)")
    parser.add_argument("--rates", default="20,50,100", help="writer frame rates (default 20,50,100)")
    parser.add_argument("--memory", default="1000,10000", help="scan lengths of the memory test")
    parser.add_argument("--engine", default=None, help="engine (default sequential)")
    parser.add_argument("--scheduler", default=None, help="dask scheduler (with --engine dask)")
    args = parser.parse_args(argv)
    frames = 60 if args.quick else args.frames
    lengths = [200, 2000] if args.quick else [int(n) for n in args.memory.split(",")]
    options = {"scheduler": args.scheduler} if args.scheduler else {}
    from ewoks_xrpd.demo_data import generate_scan

    with tempfile.TemporaryDirectory(prefix="bench_stream_") as tmp:
        folder = Path(tmp)
        paths = generate_scan(folder / "src" / "demo_scan.h5", nframes=20)
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
        baseline = peak_memory(paths, 0)
        print(f"\n{'frames':>8} {'peak RSS MB':>12}   (baseline: 20 frames offline in a fresh process: "
              f"{baseline:.0f} MB)")
        for n in lengths:
            print(f"{n:>8} {peak_memory(paths, n):>12.0f}")


if __name__ == "__main__":
    main()
