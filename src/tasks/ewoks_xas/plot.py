"""PNG overview of an EXAFS result: normalised mu(E), k^w chi(k) and |chi(R)| (matplotlib Agg, no pyplot)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Union

import numpy as np

from ewoks_core.persistence.overwrite import png_metadata

from ._files import CREATOR, atomic_output, prepare_output
from .validation import XasInputError


def plot_exafs(spectrum: Dict[str, Any], path: Union[str, Path], dpi: int = 100) -> str:
    """Write a 3-panel PNG (norm mu(E), k^w chi(k), |chi(R)|) of a processed spectrum; return the path."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if "energy" not in spectrum or not ("norm" in spectrum or "mu" in spectrum):
        raise XasInputError(f"input 'spectrum': nothing to plot (keys: {sorted(spectrum)}); "
                            "expected at least energy and norm or mu")
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise XasInputError(f"input 'output_file': {str(path)!r} should end in .png")
    prepare_output(path)
    params = spectrum.get("parameters") or {}
    kweight = float((params.get("fourier") or params.get("background") or {}).get("kweight", 2))
    fig = Figure(figsize=(15, 4.5), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    ax_e, ax_k, ax_r = fig.subplots(1, 3)
    energy = np.asarray(spectrum["energy"])
    ynorm = "norm" if "norm" in spectrum else "mu"
    ax_e.plot(energy, spectrum[ynorm], lw=1, label=ynorm)
    if "flat" in spectrum:
        ax_e.plot(energy, spectrum["flat"], lw=0.8, alpha=0.7, label="flat")
    if "e0" in spectrum:
        ax_e.axvline(float(spectrum["e0"]), color="grey", ls=":", lw=0.8,
                     label=f"E0 = {float(spectrum['e0']):.1f} eV")
    ax_e.set(xlabel="Energy (eV)", ylabel="normalized μ(E)" if ynorm == "norm" else "μ(E)",
             title=str(spectrum.get("label", "")))
    ax_e.legend(fontsize=8)
    if "k" in spectrum and "chi" in spectrum:
        k = np.asarray(spectrum["k"])
        ax_k.plot(k, np.asarray(spectrum["chi"]) * k**kweight, lw=1)
        if "kwin" in spectrum:
            kwin = np.asarray(spectrum["kwin"])
            scale = np.max(np.abs(np.asarray(spectrum["chi"]) * k**kweight)) or 1.0
            ax_k.plot(k[: kwin.size], kwin[: k.size] * scale, color="grey", lw=0.8, alpha=0.6, label="window")
            ax_k.legend(fontsize=8)
    ax_k.set(xlabel="k (Å$^{-1}$)", ylabel=f"k$^{{{kweight:g}}}$ χ(k)")
    if "r" in spectrum and "chir_mag" in spectrum:
        r = np.asarray(spectrum["r"])
        sel = r <= 6.0
        ax_r.plot(r[sel], np.asarray(spectrum["chir_mag"])[sel], lw=1)
    ax_r.set(xlabel="R (Å)", ylabel=f"|χ(R)| (Å$^{{-{kweight + 1:g}}}$)")
    with atomic_output(path) as tmp:
        fig.savefig(tmp, format="png", metadata=png_metadata(CREATOR))
    return str(path)
