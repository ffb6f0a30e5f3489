"""Streaming integration of a scan: open the frames lazily, integrate frame by frame, bounded memory."""

from __future__ import annotations

from typing import Any, Callable, Dict, Iterator, Mapping, Optional, Tuple

import numpy as np

from ._frames import FrameStack, check_finite, chunk_range, read_counter, resolve_range
from ._integrate import _missing, integrate_frames, prepare


def integrate_scan(inputs: Mapping[str, Any], dim: int, chunked: bool = False,
                   progress: Optional[Callable[[float], None]] = None,
                   cancelled: Optional[Callable[[], bool]] = None) -> Optional[Dict[str, Any]]:
    """Integrate frames [start, stop) of inputs['frames_url'] (all by default; with `chunked`, the
    range may instead come from chunk_index/nchunks). Returns the task outputs, None if cancelled."""
    get = lambda name: None if _missing(inputs.get(name)) else inputs.get(name)  # noqa: E731
    setup = prepare(inputs, dim)
    with FrameStack(inputs.get("frames_url"), "frames_url", setup.detector_shape, setup.detector_name) as stack:
        start, stop = _frame_range(inputs, stack.nframes, stack.url, chunked)
        monitor = None
        if get("monitor_url") is not None:
            monitor = read_counter(get("monitor_url"), "monitor_url", stack.nframes, default_file=stack.filename,
                                   h5file=stack.h5file)[start:stop]
        result: Optional[Dict[str, Any]]
        if start == stop:  # empty chunk (fewer frames than chunks)
            result = empty_result(setup, dim)
        else:
            result = integrate_frames(setup, stack.iter_frames(start, stop), stop - start, monitor, progress,
                                      cancelled)
        url = stack.url
    if result is None:
        return None
    config = dict(setup.config, frames_url=url, monitor_url=get("monitor_url"), frame_range=[start, stop])
    result.update(nframes=stop - start, monitor=monitor, frames_url=url, start=start, stop=stop,
                  integration_config=config)
    return result


def _frame_range(inputs: Mapping[str, Any], nframes: int, url: str, chunked: bool) -> Tuple[int, int]:
    get = lambda name: None if _missing(inputs.get(name)) else inputs.get(name)  # noqa: E731
    if chunked and get("chunk_index") is not None:
        if get("start") is not None or get("stop") is not None:
            raise ValueError("give either inputs 'start'/'stop' or 'chunk_index'/'nchunks', not both")
        if get("nchunks") is None:
            raise ValueError("input 'nchunks' is required with 'chunk_index'")
        return chunk_range(get("chunk_index"), get("nchunks"), nframes)
    return resolve_range(get("start"), get("stop"), nframes, url)


def empty_result(setup: Any, dim: int) -> Dict[str, Any]:
    """Outputs of a chunk without frames: axes from an all-zero frame, intensity with 0 rows."""
    from ._integrate import integrate_frame

    res = integrate_frame(setup, np.zeros(setup.detector_shape, dtype=np.float32))
    out: Dict[str, Any] = {"radial": np.asarray(res.radial), "radial_unit": setup.unit,
                           "intensity": np.empty((0,) + res.intensity.shape, dtype=res.intensity.dtype),
                           "sigma": None if res.sigma is None else np.empty((0,) + res.sigma.shape,
                                                                            dtype=res.sigma.dtype)}
    if dim == 2:
        out["azimuthal"] = np.asarray(res.azimuthal)
        out["azimuthal_unit"] = str(res.azimuthal_unit)
    return out


def integrate_array(inputs: Mapping[str, Any], dim: int, progress: Optional[Callable[[float], None]] = None,
                    cancelled: Optional[Callable[[], bool]] = None) -> Optional[Dict[str, Any]]:
    """Integrate inputs['frames'] (a 2D image or a 3D stack already in memory)."""
    get = lambda name: None if _missing(inputs.get(name)) else inputs.get(name)  # noqa: E731
    setup = prepare(inputs, dim)
    frames = get("frames")
    if frames is None:
        raise ValueError("input 'frames' is required: a 2D image or a 3D stack (nframes, rows, columns)")
    frames = np.asarray(frames)
    if frames.ndim == 2:
        frames = frames[np.newaxis]
    if frames.ndim != 3 or frames.dtype.kind not in "iufb":
        raise ValueError(f"input 'frames': expected a 2D image or a 3D stack of numbers, got shape {frames.shape} "
                         f"and dtype {frames.dtype}")
    if len(frames) == 0:
        raise ValueError("input 'frames' is empty (0 frames)")
    if frames.shape[1:] != setup.detector_shape:
        raise ValueError(f"input 'frames': frames have shape {frames.shape[1:]} but {setup.detector_name} expects "
                         f"{setup.detector_shape}")
    nframes = len(frames)
    monitor = get("monitor")
    if monitor is not None:
        monitor = read_counter(monitor, "monitor", nframes)

    def iterate() -> Iterator[Tuple[int, np.ndarray]]:
        for i in range(nframes):
            check_finite(frames[i], i, "frames", "the frames given")
            yield i, frames[i]

    result = integrate_frames(setup, iterate(), nframes, monitor, progress, cancelled)
    if result is None:
        return None
    frames_url = get("frames_url")
    start = int(get("start") or 0)
    config = dict(setup.config, frames_url=frames_url, monitor_url=None, frame_range=[start, start + nframes])
    result.update(nframes=nframes, monitor=monitor, frames_url=frames_url, start=start, stop=start + nframes,
                  integration_config=config)
    return result
