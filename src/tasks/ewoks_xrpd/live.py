"""A scan written while it is acquired: replay the frames of a demo scan at a frame rate, as a detector would.

- `replay_scan(source, target, rate)`: an HDF5 SWMR writer (the layout of demo_data, datasets growing
  one frame at a time, `end_time` written at the end) - run it in its own process;
- `send_scan(source, address, rate)`: a simulated detector pushing the frames on a ZeroMQ PUSH socket
  (ewoks_core.stream.zmq wire format, monitor value in each header, an end message at the end);
- `live_demo(directory, rate, nframes)`: `ewoks demo-data --live`: the demo scan's PONI and mask next
  to a scan that is written at `rate` frames/s.
Each frame's write time can be recorded (`times_path`: one "index time" line per frame, time.time()).
"""

from __future__ import annotations

import datetime
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Dict, Iterator, Optional, Tuple, Union

import numpy as np

from .demo_data import DETECTOR_DATASET, MONITOR_DATASET, generate_scan

LIVE_CREATOR = "ewoks_xrpd.live"


def _frames(source: Union[str, Path], nframes: Optional[int] = None) -> Iterator[Tuple[int, np.ndarray, float]]:
    """(index, frame, monitor) of the source scan; with `nframes` beyond its length, its frames again (cycled)."""
    import h5py

    with h5py.File(source, "r") as f:
        data, mon = f[DETECTOR_DATASET], f[MONITOR_DATASET]
        count = data.shape[0]
        for k in range(count if nframes is None else nframes):
            yield k, data[k % count], float(mon[k % count])


def _pace(t0: float, k: int, rate: float) -> None:
    delay = t0 + k / rate - time.monotonic()
    if delay > 0:
        time.sleep(delay)


def replay_scan(source: Union[str, Path], target: Union[str, Path], rate: float, nframes: Optional[int] = None,
                times_path: Optional[str] = None, stop_after: Optional[int] = None, delay: float = 0.0,
                compression: Optional[str] = "gzip") -> str:
    """Write the frames of `source` (a demo scan) into a new `target` with SWMR at `rate` frames/s; the
    scan group's end_time is written last. `stop_after`: exit abruptly after that many frames (a killed
    writer, for tests); `delay`: seconds before the file is created; `compression`: "gzip" (level 1, as the
    demo scan) or None. Returns the target's frames URL."""
    import h5py

    time.sleep(delay)
    from ewoks_core.stream.hdf5 import end_marker, write_end

    target = Path(target)
    if target.exists():
        raise ValueError(f"{target} exists: remove it or give another file (a live scan is never written over)")
    with h5py.File(source, "r") as src:
        shape = src[DETECTOR_DATASET].shape
        total = shape[0] if nframes is None else int(nframes)
    times = open(times_path, "a", encoding="utf-8") if times_path else None
    try:
        with h5py.File(target, "w", libver="latest") as f:
            f.attrs.update(NX_class="NXroot", creator=LIVE_CREATOR, default="1.1")
            entry = f.create_group("1.1")
            entry.attrs["NX_class"] = "NXentry"
            entry["title"] = f"loopscan {total} {1.0 / rate:g}"
            entry["start_time"] = datetime.datetime.now().astimezone().isoformat()
            marker = end_marker(f, "/1.1")
            det = entry.create_group("instrument/pilatus")
            det.attrs["NX_class"] = "NXdetector"
            packing: Dict[str, Any] = dict(compression="gzip", compression_opts=1, shuffle=True) if compression else {}
            data = det.create_dataset("data", shape=(0,) + shape[1:], maxshape=(None,) + shape[1:], dtype=np.int32,
                                      chunks=(1,) + shape[1:], **packing)
            mon = entry.create_group("instrument/mon").create_dataset("data", shape=(0,), maxshape=(None,),
                                                                       dtype=np.int64)
            entry.create_group("measurement")
            entry["measurement/pilatus"] = data
            entry["measurement/mon"] = mon
            f.swmr_mode = True
            t0 = time.monotonic()
            for k, frame, monitor in _frames(source, total):
                if stop_after is not None and k >= stop_after:
                    os._exit(1)  # a killed writer: no end_time, the file left as it is
                _pace(t0, k, rate)
                data.resize((k + 1,) + shape[1:])
                data[k] = frame
                mon.resize((k + 1,))
                mon[k] = int(monitor)
                f.flush()
                if times is not None:
                    times.write(f"{k} {time.time():.6f}\n")
                    times.flush()
            write_end(marker, datetime.datetime.now().astimezone().isoformat())
    finally:
        if times is not None:
            times.close()
    return f"{target}::{DETECTOR_DATASET}"


def send_scan(source: Union[str, Path], address: str, rate: float, nframes: Optional[int] = None,
              times_path: Optional[str] = None, stop_after: Optional[int] = None, delay: float = 0.0) -> int:
    """A simulated detector: bind a PUSH socket at `address` and send the frames of `source` at `rate`
    frames/s, then the end message. Returns the number of frames sent."""
    import zmq

    from ewoks_core.stream.zmq import send_end, send_frame

    socket: Any = zmq.Context.instance().socket(zmq.PUSH)
    socket.setsockopt(zmq.SNDHWM, 4)
    time.sleep(delay)
    socket.bind(address)
    times = open(times_path, "a", encoding="utf-8") if times_path else None
    sent = 0
    try:
        t0 = time.monotonic()
        for k, frame, monitor in _frames(source, nframes):
            if stop_after is not None and k >= stop_after:
                os._exit(1)
            _pace(t0, k, rate)
            send_frame(socket, k, frame, monitor=monitor)
            sent += 1
            if times is not None:
                times.write(f"{k} {time.time():.6f}\n")
                times.flush()
        send_end(socket)
    finally:
        if times is not None:
            times.close()
        # queued frames still go out: a slow consumer may take minutes to drain the queues of a fast sender
        socket.close(linger=600_000)
    return sent


def live_demo(directory: Union[str, Path], rate: float = 10.0, nframes: int = 20) -> Dict[str, Any]:
    """`ewoks demo-data --live`: write `directory`/live_scan.h5 at `rate` frames/s (prints its paths first,
    so that a workflow can be started on it while it is written)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    source = generate_scan(directory / "source" / "demo_scan.h5", nframes=nframes)
    target = directory / "live_scan.h5"
    paths = {"scan_url": f"{target}::{DETECTOR_DATASET}", "monitor_url": f"{target}::{MONITOR_DATASET}",
             "poni_path": source["poni_path"], "mask_path": source["mask_path"], "scan_file": str(target),
             "rate": rate, "nframes": nframes}
    print(json.dumps(paths, indent=2), flush=True)
    print(f"writing {nframes} frames at {rate:g} frames/s ...", file=sys.stderr, flush=True)
    replay_scan(source["scan_file"], target, rate, nframes)
    return paths
