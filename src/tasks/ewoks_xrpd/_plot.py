"""PNG plots of integration results (matplotlib, Agg canvas, no pyplot and no global backend change)."""

from __future__ import annotations

from typing import Any, Mapping, Optional

import numpy as np

from ewoks_core.persistence.overwrite import png_metadata

from ._io import CREATOR, atomic_path, prepare_output
from ._nexus import axis_name_units


def plot_result(path: str, result: Mapping[str, Any], title: Optional[str] = None, dpi: int = 100) -> str:
    """Write a PNG of 1D patterns (mean pattern + frames as an image) or of the mean cake; return `path`."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import LogNorm
    from matplotlib.figure import Figure

    prepare_output(path)
    radial = np.asarray(result["radial"])
    intensity = np.asarray(result["intensity"], dtype=float)
    if intensity.ndim == 1:
        intensity = intensity[np.newaxis]
    if intensity.ndim not in (2, 3) or intensity.shape[-1] != radial.shape[0] or len(intensity) == 0:
        raise ValueError(f"inputs 'intensity' {intensity.shape} and 'radial' {radial.shape} do not match")
    name, units = axis_name_units(result.get("radial_unit"))
    xlabel = f"{name} ({units})" if units else name
    start = int(result.get("start") or 0)
    fig = Figure(figsize=(8, 7), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    fig.suptitle(title or str(result.get("frames_url") or "integration"), fontsize=9)
    if intensity.ndim == 2:
        top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[1, 1.2])
        mean = intensity.mean(axis=0)
        top.plot(radial, mean, lw=1, color="k", label=f"mean of {len(intensity)} frames")
        if len(intensity) > 1:
            top.plot(radial, intensity[0], lw=0.6, alpha=0.7, label=f"frame {start}")
            top.plot(radial, intensity[-1], lw=0.6, alpha=0.7, label=f"frame {start + len(intensity) - 1}")
        top.set_ylabel("intensity")
        top.legend(fontsize=8)
        positive = intensity[np.isfinite(intensity) & (intensity > 0)]
        norm = LogNorm(vmin=np.percentile(positive, 1), vmax=positive.max()) if positive.size else None
        extent = (radial[0], radial[-1], start - 0.5, start + len(intensity) - 0.5)
        img = bottom.imshow(np.where(intensity > 0, intensity, np.nan), aspect="auto", origin="lower",
                            extent=extent, norm=norm, interpolation="nearest")
        bottom.set_ylabel("frame")
        bottom.set_xlabel(xlabel)
        fig.colorbar(img, ax=bottom, label="intensity")
    else:
        azimuthal = np.asarray(result["azimuthal"]) if result.get("azimuthal") is not None \
            else np.arange(intensity.shape[1])
        ax = fig.subplots()
        cake = intensity.mean(axis=0)
        positive = cake[np.isfinite(cake) & (cake > 0)]
        norm = LogNorm(vmin=np.percentile(positive, 1), vmax=positive.max()) if positive.size else None
        img = ax.imshow(np.where(cake > 0, cake, np.nan), aspect="auto", origin="lower", norm=norm,
                        extent=(radial[0], radial[-1], azimuthal[0], azimuthal[-1]), interpolation="nearest")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("azimuthal angle (deg)")
        ax.set_title(f"mean cake of {len(intensity)} frames", fontsize=9)
        fig.colorbar(img, ax=ax, label="intensity")
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", metadata=png_metadata(CREATOR))
    return path
