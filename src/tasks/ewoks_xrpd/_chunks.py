"""Concatenate the results of chunk integrations."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Sequence

import numpy as np


def concatenate(chunks: Sequence[Mapping[str, Any]]) -> Dict[str, Any]:
    """One integration result from chunk results (dicts with radial, intensity, sigma, start, stop...).

    Chunks are ordered by `start`; they must share the radial (and azimuthal) axis, the unit and the
    frames URL, and cover contiguous frame ranges.
    """
    if not chunks:
        raise ValueError("no chunks to concatenate: link the chunk tasks' outputs to positional inputs "
                         "0, 1, ... (source_output null) or give input 'chunks'")
    for k, chunk in enumerate(chunks):
        if not isinstance(chunk, Mapping) or chunk.get("intensity") is None or chunk.get("radial") is None:
            keys = sorted(chunk) if isinstance(chunk, Mapping) else type(chunk).__name__
            raise ValueError(f"chunk {k} is not an integration result (needs 'radial', 'intensity', 'start'; "
                             f"got {keys})")
    ordered: List[Mapping[str, Any]] = sorted(chunks, key=lambda c: int(c.get("start") or 0))
    first = ordered[0]
    radial = np.asarray(first["radial"])
    expected_start = int(first.get("start") or 0)
    for chunk in ordered:
        if chunk.get("radial_unit") != first.get("radial_unit"):
            raise ValueError(f"chunks have different radial units: {first.get('radial_unit')!r} and "
                             f"{chunk.get('radial_unit')!r}")
        if chunk.get("frames_url") != first.get("frames_url"):
            raise ValueError(f"chunks come from different scans: {first.get('frames_url')!r} and "
                             f"{chunk.get('frames_url')!r}")
        other = np.asarray(chunk["radial"])
        if other.shape != radial.shape or not np.allclose(other, radial, rtol=1e-6):
            raise ValueError("chunks have different radial axes (npt, unit or ranges differ); integrate every "
                             "chunk with the same options")
        start = int(chunk.get("start") or 0)
        nframes = len(chunk["intensity"])
        stop = int(chunk["stop"]) if chunk.get("stop") is not None else start + nframes
        if start != expected_start:
            raise ValueError(f"chunks are not contiguous: expected a chunk starting at frame {expected_start}, "
                             f"got one starting at {start}")
        expected_start = stop
    sigmas = [c.get("sigma") for c in ordered]
    monitors = [c.get("monitor") for c in ordered]
    result: Dict[str, Any] = {
        "radial": radial,
        "radial_unit": first.get("radial_unit"),
        "intensity": np.concatenate([np.asarray(c["intensity"]) for c in ordered]),
        "sigma": None if any(s is None for s in sigmas) else np.concatenate([np.asarray(s) for s in sigmas]),
        "monitor": None if any(m is None for m in monitors) else np.concatenate([np.asarray(m) for m in monitors]),
        "frames_url": first.get("frames_url"),
        "start": int(first.get("start") or 0),
        "stop": expected_start,
        "azimuthal": first.get("azimuthal"),
        "azimuthal_unit": first.get("azimuthal_unit"),
    }
    result["nframes"] = len(result["intensity"])
    config = dict(first.get("integration_config") or {})
    config["frame_range"] = [result["start"], result["stop"]]
    config["chunks"] = [[int(c.get("start") or 0), int(c.get("stop") or 0)] for c in ordered]
    result["integration_config"] = config
    return result
