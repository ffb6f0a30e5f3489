"""Per-frame integration for streams (the setup is cached per process) and the stacking of the patterns."""

from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from typing import Any, Dict, Mapping, Optional, Tuple

import numpy as np

from ._frames import check_finite
from ._geometry import engine_lock
from ._integrate import IntegrationSetup, _missing, integrate_frame, prepare
from .tasks._options import INTEGRATION_OPTIONS

_SETUPS: "OrderedDict[str, IntegrationSetup]" = OrderedDict()
_LOCK = threading.Lock()
_SIZE = 4
_READY: set = set()  # id() of the cached setups whose integration engine is built


def _setup(inputs: Mapping[str, Any]) -> Tuple[IntegrationSetup, bool]:
    """The integration setup of these options, built once per process; (setup, new)."""
    options = {name: inputs.get(name) for name in ("poni", *INTEGRATION_OPTIONS) if not _missing(inputs.get(name))}
    try:
        key: Optional[str] = json.dumps(options, sort_keys=True)
    except TypeError:  # arrays given as options: not cached
        key = None
    if key is not None:
        with _LOCK:
            setup = _SETUPS.get(key)
        if setup is not None:
            return setup, False
    setup = prepare(inputs, 1)
    if key is not None:
        with _LOCK:
            _SETUPS[key] = setup
            while len(_SETUPS) > _SIZE:
                _READY.discard(id(_SETUPS.popitem(last=False)[1]))
    return setup, True


def integrate_one(inputs: Mapping[str, Any]) -> Dict[str, Any]:
    """IntegrateFrame1D: the pattern of inputs['frame'] (normalized by monitor/monitor_reference)."""
    setup, _ = _setup(inputs)
    frame = np.asarray(inputs.get("frame"))
    given = inputs.get("index")
    index = 0 if given is None or _missing(given) else int(given)
    if frame.shape != setup.detector_shape:
        raise ValueError(f"input 'frame' (frame {index}): shape {frame.shape} but {setup.detector_name} expects "
                         f"{setup.detector_shape}")
    check_finite(frame, index, "frame", str(inputs.get("frames_url") or "the stream"))
    value = inputs.get("monitor")
    monitor = None if value is None or _missing(value) else float(value)
    if monitor is not None and not (np.isfinite(monitor) and monitor > 0):
        raise ValueError(f"input 'monitor' of frame {index} is {monitor}: cannot normalize by it")
    norm = 1.0 if monitor is None else monitor / setup.monitor_reference
    if id(setup) not in _READY:  # the first frames may build the integration engine: once, other threads wait
        with engine_lock(setup.ai):
            result = integrate_frame(setup, frame, norm)
            _READY.add(id(setup))
    else:
        result = integrate_frame(setup, frame, norm)
    return {"radial": np.asarray(result.radial), "intensity": np.asarray(result.intensity),
            "sigma": None if result.sigma is None else np.asarray(result.sigma), "radial_unit": setup.unit,
            "index": index, "monitor": monitor, "integration_config": setup.config}


def stack_patterns(inputs: Mapping[str, Any]) -> Dict[str, Any]:
    """StackPatterns: per-frame lists -> the outputs of IntegrateScan1D."""
    get = lambda name: None if _missing(inputs.get(name)) else inputs.get(name)  # noqa: E731
    intensities = list(get("intensity") or [])
    if not intensities:
        raise ValueError("no frame was integrated: the stream ended before its first frame")
    n = len(intensities)
    first = lambda name: value[0] if isinstance(value := get(name), list) else value  # noqa: E731  (one or all)
    sigmas = list(get("sigma") or [])
    monitors = list(get("monitor") or [])
    frames_url = get("frames_url")
    if isinstance(frames_url, str) and "::" in frames_url:  # as FrameStack writes it
        path, data_path = frames_url.split("::", 1)
        frames_url = f"{os.path.abspath(path)}::{data_path}"
    monitor = None
    if get("monitor_url") is not None and monitors and all(m is not None for m in monitors):
        monitor = np.asarray(monitors, dtype=np.float64)
    config = dict(first("integration_config") or {}, frames_url=frames_url, monitor_url=get("monitor_url"),
                  frame_range=[0, n])
    return {"radial": np.asarray(first("radial")), "intensity": np.stack(intensities),
            "sigma": np.stack(sigmas) if sigmas and all(s is not None for s in sigmas) else None,
            "radial_unit": first("radial_unit"), "nframes": n, "start": 0, "stop": n, "monitor": monitor,
            "frames_url": frames_url, "integration_config": config}
