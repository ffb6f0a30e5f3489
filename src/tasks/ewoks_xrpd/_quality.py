"""One iteration of the integrate-until-quality loop: integrate the next block, update the running sums."""

from __future__ import annotations

from typing import Any, Callable, Dict, Mapping, Optional

import numpy as np

from ._frames import FrameStack
from ._integrate import _missing
from ._scan import integrate_scan

DEFAULT_BLOCK_SIZE = 2
DEFAULT_TARGET = 0.01


def _positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"input {name!r} must be a positive integer, got {value!r}")
    return int(value)


def relative_error(intensity: np.ndarray, sigma: np.ndarray) -> float:
    """Median sigma/I over the bins with signal (I > 0); inf when no bin has signal."""
    signal = np.isfinite(intensity) & np.isfinite(sigma) & (intensity > 0)
    if not signal.any():
        return float("inf")
    return float(np.median(sigma[signal] / intensity[signal]))


def integrate_next_block(inputs: Mapping[str, Any], progress: Optional[Callable[[float], None]] = None,
                         cancelled: Optional[Callable[[], bool]] = None) -> Optional[Dict[str, Any]]:
    """Integrate frames [first + frames_done, + block_size) and return the updated average and loop state."""
    get = lambda name: None if _missing(inputs.get(name)) else inputs.get(name)  # noqa: E731
    block = _positive_int(get("block_size") or DEFAULT_BLOCK_SIZE, "block_size")
    target = get("target_relative_error")
    target = DEFAULT_TARGET if target is None else float(target)
    if not target > 0:
        raise ValueError(f"input 'target_relative_error' must be > 0, got {target!r}")
    if get("error_model") == "none":
        raise ValueError("input 'error_model' is 'none': the quality criterion needs sigma; use 'poisson' "
                         "(the default) or 'azimuthal'")
    first = int(get("start") or 0)
    done = int(get("frames_done") or 0)
    with FrameStack(get("frames_url"), "frames_url") as stack:
        nframes = stack.nframes
    limit = nframes if get("max_frames") is None else min(nframes, first + _positive_int(get("max_frames"),
                                                                                     "max_frames"))
    start = first + done
    if start >= limit:
        raise ValueError(f"input 'start'/'frames_done': no frame left to integrate ({start} of {limit}); "
                         "the loop's exit link must take over when 'continue' is false")
    stop = min(start + block, limit)
    result = integrate_scan({**inputs, "start": start, "stop": stop}, 1, progress=progress, cancelled=cancelled)
    if result is None:
        return None
    if result.get("sigma") is None:
        raise ValueError("the integration gave no sigma: the quality criterion needs an error model "
                         "(input 'error_model': 'poisson' or 'azimuthal')")
    intensity = np.asarray(result["intensity"], dtype=np.float64)
    variance = np.asarray(result["sigma"], dtype=np.float64) ** 2
    sum_intensity = intensity.sum(axis=0)
    sum_variance = variance.sum(axis=0)
    if get("sum_intensity") is not None:
        previous = np.asarray(get("sum_intensity"), dtype=np.float64)
        if previous.shape != sum_intensity.shape:
            raise ValueError(f"input 'sum_intensity' has shape {previous.shape}, the pattern has "
                             f"{sum_intensity.shape}: the integration options changed inside the loop")
        sum_intensity = sum_intensity + previous
        sum_variance = sum_variance + np.asarray(get("sum_variance"), dtype=np.float64)
    count = done + (stop - start)
    average = sum_intensity / count
    sigma = np.sqrt(sum_variance) / count
    error = relative_error(average, sigma)
    converged = error <= target
    config = dict(result["integration_config"], frame_range=[first, first + count], averaged=True,
                  target_relative_error=target, block_size=block)
    return {"radial": result["radial"], "radial_unit": result["radial_unit"],
            "intensity": average[np.newaxis], "sigma": sigma[np.newaxis], "nframes": 1,
            "start": first, "stop": first + count, "frames_url": result["frames_url"],
            "integration_config": config, "relative_error": error, "converged": bool(converged),
            "continue": bool(not converged and stop < limit),
            "sum_intensity": sum_intensity, "sum_variance": sum_variance, "frames_done": count}
