"""ASCII export: one two/three-column .xy file per frame, written into a folder atomically."""

from __future__ import annotations

import io
import os
from typing import Any, List, Mapping

import numpy as np

from ._io import atomic_dir
from ._nexus import axis_name_units


def write_xy(folder: str, result: Mapping[str, Any], stem: str) -> List[str]:
    """Write `stem_<frame>.xy` files (radial, intensity[, sigma]) to `folder` and return their paths.

    The folder appears complete or not at all (a previous folder of that name is replaced).
    """
    radial = np.asarray(result["radial"])
    intensity = np.asarray(result["intensity"])
    if intensity.ndim == 1:
        intensity = intensity[np.newaxis]
    if intensity.ndim != 2 or intensity.shape[1] != radial.shape[0]:
        raise ValueError(f"inputs 'intensity' {intensity.shape} and 'radial' {radial.shape} do not match: .xy files "
                         "need 1D patterns (nframes, npt)")
    sigma = result.get("sigma")
    sigma = None if sigma is None else np.asarray(sigma).reshape(intensity.shape)
    monitor = result.get("monitor")
    name, units = axis_name_units(result.get("radial_unit"))
    start = int(result.get("start") or 0)
    columns = f"{name}({units})  intensity" + ("  sigma" if sigma is not None else "")
    config = result.get("integration_config") or {}
    paths: List[str] = []
    with atomic_dir(folder) as tmp:
        for k in range(len(intensity)):
            index = start + k
            header = [f"ewoks_xrpd 1D integration ({config.get('program', 'pyFAI')} {config.get('version', '')})",
                      f"source: {result.get('frames_url') or ''}", f"frame: {index}"]
            if monitor is not None:
                header.append(f"monitor: {float(monitor[k])}")
            header.append(columns)
            table = np.column_stack([radial, intensity[k]] + ([sigma[k]] if sigma is not None else []))
            buf = io.StringIO()
            np.savetxt(buf, table, fmt="%.7g", header="\n".join(header))
            filename = f"{stem}_{index:04d}.xy"
            with open(os.path.join(tmp, filename), "w", encoding="utf-8") as f:
                f.write(buf.getvalue())
            paths.append(os.path.join(folder, filename))
    return paths
