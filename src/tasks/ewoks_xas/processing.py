"""EXAFS steps on plain spectrum dicts: merge, normalise (pre_edge), background (autobk), FT (xftf).

Each function takes a spectrum dict and returns a new dict (the input is not modified) with
its results added and its parameters recorded under ``parameters[<step>]``. larch is imported
inside the functions. The larch calls are exactly those a user would type, so results equal
calling larch directly on the same arrays.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from .validation import XasInputError, check_k_range, check_rbkg, check_window, spectrum_arrays

MIN_STEP_TO_NOISE = 10.0
MIN_RISE = 0.3


def _with(spectrum: Dict[str, Any], step: str, params: Dict[str, Any], **values: Any) -> Dict[str, Any]:
    out = dict(spectrum)
    parameters = dict(spectrum.get("parameters") or {})
    parameters[step] = params
    out.update(values)
    out["parameters"] = parameters
    return out


def merge_spectra(spectra: Sequence[Dict[str, Any]], input_name: str = "spectra") -> Dict[str, Any]:
    """Average repeated scans on the first scan's energies (within the common range).

    Adds ``mu_std`` (point-wise standard deviation over scans), ``nscans``, ``sources``,
    ``spread`` (RMS of mu_std) and ``scan_rms`` (RMS deviation of each scan from the mean).
    """
    if isinstance(spectra, dict):
        spectra = [spectra]
    if not spectra:
        raise XasInputError(f"input {input_name!r}: no spectrum to merge")
    arrays = [spectrum_arrays(s, f"{input_name}[{i}]") for i, s in enumerate(spectra)]
    modes = {s.get("mode") for s in spectra} - {None}
    if len(modes) > 1:
        raise XasInputError(f"input {input_name!r}: cannot merge different modes {sorted(map(str, modes))}")
    lo = max(a["energy"][0] for a in arrays)
    hi = min(a["energy"][-1] for a in arrays)
    ref = arrays[0]["energy"]
    grid = ref[(ref >= lo) & (ref <= hi)]
    if len(arrays) == 1 and ref.size < 10:
        raise XasInputError(f"input {input_name!r}: the scan has only {ref.size} energy points; an EXAFS scan "
                            "needs hundreds (check the energy column)")
    if grid.size < max(10, ref.size // 2):
        spans = ", ".join(f"{s.get('label', i)}: {a['energy'][0]:.1f}-{a['energy'][-1]:.1f} eV"
                          for i, (s, a) in enumerate(zip(spectra, arrays, strict=True)))
        raise XasInputError(f"input {input_name!r}: the scans barely overlap ({spans}); merge only repeats "
                            "of the same energy range")
    stack = np.array([np.interp(grid, a["energy"], a["mu"]) for a in arrays])
    mean = stack.mean(axis=0)
    std = stack.std(axis=0, ddof=1) if len(arrays) > 1 else np.zeros_like(mean)
    scan_rms = np.sqrt(((stack - mean) ** 2).mean(axis=1))
    first = spectra[0]
    return {"energy": grid, "mu": mean, "mu_std": std, "nscans": len(arrays),
            "label": first.get("label", "") if len(arrays) == 1 else f"merge of {len(arrays)} scans",
            "sources": [str(s.get("source", s.get("label", i))) for i, s in enumerate(spectra)],
            "mode": first.get("mode"), "formula": first.get("formula"),
            "spread": float(np.sqrt(np.mean(std**2))), "scan_rms": scan_rms,
            "parameters": {"merge": {"nscans": len(arrays), "energy_min": float(grid[0]),
                                     "energy_max": float(grid[-1])}}}


def noise_level(mu: np.ndarray) -> float:
    """Robust point-to-point noise of mu(E) (MAD of second differences)."""
    if mu.size < 5:
        return 0.0
    d2 = mu[2:] - 2 * mu[1:-1] + mu[:-2]
    return float(1.4826 * np.median(np.abs(d2 - np.median(d2))) / np.sqrt(6.0))


def check_edge(energy: np.ndarray, mu: np.ndarray, e0: float, step: float, what: str = "input 'spectrum'",
               label: str = "") -> None:
    """Refuse a spectrum without a real absorption edge at ``e0``.

    The edge step must be finite, positive and >= 10x the point noise; the data must extend
    >= 20 eV on both sides of e0; and mu must really rise there: mean(mu, e0+5..30 eV) -
    mean(mu, e0-30..-5 eV) >= 0.3 x edge step (a wiggle or a slope picked as "edge" fails this).
    """
    erange = f"{energy[0]:.1f}-{energy[-1]:.1f} eV"
    where = f"{what}: no absorption edge in {erange}" + (f" ({label})" if label else "")
    hint = " Check that the scan covers the edge and the counters (mode, I0/It/If), or give e0."
    noise = noise_level(mu)
    if not np.isfinite(step) or step <= 0 or step < MIN_STEP_TO_NOISE * noise:
        raise XasInputError(f"{where}: edge step {step:.3g} at E0={e0:.1f} eV is not above "
                            f"{MIN_STEP_TO_NOISE:g}x the noise ({noise:.2g}).{hint}")
    if e0 - energy[0] < 20.0 or energy[-1] - e0 < 20.0:
        raise XasInputError(f"{where}: the edge found at E0={e0:.1f} eV is at the end of the data; the scan "
                            "must extend at least 20 eV below and above the edge.")
    below, above = (energy >= e0 - 30) & (energy <= e0 - 5), (energy >= e0 + 5) & (energy <= e0 + 30)
    if below.any() and above.any():
        rise = (mu[above].mean() - mu[below].mean()) / step
        if rise < MIN_RISE:
            raise XasInputError(f"{where}: mu does not rise across E0={e0:.1f} eV (rise {rise:.2f} of the edge "
                                f"step {step:.3g}, need >= {MIN_RISE:g}).{hint}")


def normalize(spectrum: Dict[str, Any], e0: Optional[float] = None, pre1: Optional[float] = None,
              pre2: Optional[float] = None, norm1: Optional[float] = None, norm2: Optional[float] = None,
              nnorm: Optional[int] = None, nvict: int = 0, expected_e0: Optional[float] = None,
              e0_tolerance: float = 20.0, input_name: str = "spectrum") -> Dict[str, Any]:
    """larch ``pre_edge``: adds ``e0``, ``edge_step``, ``norm``, ``flat``, ``pre_edge``, ``post_edge``.

    Raises when e0 is outside the data, there is no real edge (see :func:`check_edge`) or, with
    ``expected_e0``, the edge found is more than ``e0_tolerance`` eV away from it.
    """
    from larch import Group
    from larch.xafs import pre_edge

    arr = spectrum_arrays(spectrum, input_name)
    energy, mu = arr["energy"], arr["mu"]
    erange = f"{energy[0]:.1f}-{energy[-1]:.1f} eV"
    if e0 is not None and not energy[2] < e0 < energy[-3]:
        raise XasInputError(f"input 'e0': {e0:.2f} eV is outside the energy range {erange} "
                            f"({spectrum.get('label', '')}); give the edge energy or scan across the edge")
    group = Group()
    pre_edge(energy, mu, group=group, e0=e0, pre1=pre1, pre2=pre2, norm1=norm1, norm2=norm2,
             nnorm=nnorm, nvict=nvict)
    found_e0, step = float(group.e0), float(group.edge_step)
    check_edge(energy, mu, found_e0, step, f"input {input_name!r}", str(spectrum.get("label", "")))
    if expected_e0 is not None and abs(found_e0 - expected_e0) > e0_tolerance:
        raise XasInputError(f"input {input_name!r}: the edge found at E0={found_e0:.1f} eV is "
                            f"{found_e0 - expected_e0:+.1f} eV from expected_e0={expected_e0:.1f} eV "
                            f"(tolerance {e0_tolerance:g} eV) in "
                            f"{spectrum.get('label', '')} ({erange}); wrong element, calibration or energy range?")
    d = group.pre_edge_details
    params = {"e0": found_e0, "e0_given": e0 is not None, "pre1": float(d.pre1), "pre2": float(d.pre2),
              "norm1": float(d.norm1), "norm2": float(d.norm2), "nnorm": int(d.nnorm), "nvict": int(d.nvict)}
    return _with(spectrum, "normalize", params, e0=found_e0, edge_step=step, norm=np.asarray(group.norm),
                 flat=np.asarray(group.flat), pre_edge=np.asarray(group.pre_edge),
                 post_edge=np.asarray(group.post_edge))


def background(spectrum: Dict[str, Any], rbkg: float = 1.0, kweight: float = 2, kmin: float = 0.0,
               kmax: Optional[float] = None, dk: float = 0.1, window: str = "hanning",
               nknots: Optional[int] = None, input_name: str = "spectrum") -> Dict[str, Any]:
    """larch ``autobk`` (spline background): adds ``bkg`` (on energy), ``k`` and ``chi``.

    Uses the spectrum's ``e0`` and ``edge_step`` (runs :func:`normalize` when they are missing).
    """
    from larch import Group
    from larch.xafs import autobk

    if "e0" not in spectrum or "edge_step" not in spectrum:
        spectrum = normalize(spectrum, input_name=input_name)
    arr = spectrum_arrays(spectrum, input_name)
    check_rbkg(rbkg)
    check_window(window)
    group = Group()
    autobk(arr["energy"], arr["mu"], group=group, rbkg=rbkg, ek0=float(spectrum["e0"]),
           edge_step=float(spectrum["edge_step"]), kweight=kweight, kmin=kmin, kmax=kmax, dk=dk, win=window,
           nknots=nknots)
    if getattr(group, "chi", None) is None or not np.all(np.isfinite(group.chi)):
        raise XasInputError(f"input {input_name!r}: autobk found no background for {spectrum.get('label', '')} "
                            f"(rbkg={rbkg}, kmin={kmin}, kmax={kmax}); check e0 and the k range")
    d = group.autobk_details
    params = {"rbkg": float(group.rbkg), "kweight": kweight, "kmin": float(kmin), "kmax": float(d.kmax),
              "dk": dk, "window": window, "nknots": int(d.nspl), "ek0": float(group.ek0)}
    return _with(spectrum, "background", params, bkg=np.asarray(group.bkg), k=np.asarray(group.k),
                 chi=np.asarray(group.chi))


def fourier_transform(spectrum: Dict[str, Any], kmin: float = 3.0, kmax: float = 14.0, kweight: float = 2,
                      dk: float = 1.0, window: str = "hanning", rmax_out: float = 10.0,
                      input_name: str = "spectrum") -> Dict[str, Any]:
    """larch ``xftf``: adds ``r``, ``chir_mag``, ``chir_re``, ``chir_im`` and the window ``kwin``."""
    from larch import Group
    from larch.xafs import xftf

    if "k" not in spectrum or "chi" not in spectrum:
        raise XasInputError(f"input {input_name!r}: spectrum has no chi(k) (keys: {sorted(spectrum)}); "
                            "run the background step (autobk) first")
    k = spectrum_arrays(spectrum, input_name, ("k", "chi"))
    kdata = float(k["k"][-1])
    check_k_range(kmin, kmax)
    if kmin >= kdata or kmax > kdata + 1.0:
        raise XasInputError(f"input 'kmax': the k range {kmin}-{kmax} 1/A goes beyond the data "
                            f"(k up to {kdata:.2f} 1/A); lower kmax")
    check_window(window)
    group = Group()
    xftf(k["k"], k["chi"], group=group, kmin=kmin, kmax=kmax, kweight=kweight, dk=dk, window=window,
         rmax_out=rmax_out)
    params = {"kmin": float(kmin), "kmax": float(kmax), "kweight": kweight, "dk": float(dk), "window": window,
              "rmax_out": float(rmax_out)}
    return _with(spectrum, "fourier", params, r=np.asarray(group.r), chir_mag=np.asarray(group.chir_mag),
                 chir_re=np.asarray(group.chir_re), chir_im=np.asarray(group.chir_im),
                 kwin=np.asarray(group.kwin))


def exafs_chain(spectra: Sequence[Dict[str, Any]], normalize_kws: Optional[Dict[str, Any]] = None,
                background_kws: Optional[Dict[str, Any]] = None,
                fourier_kws: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """merge -> normalize -> background -> fourier_transform, in one call."""
    spectrum = merge_spectra(list(spectra))
    spectrum = normalize(spectrum, **(normalize_kws or {}))
    spectrum = background(spectrum, **(background_kws or {}))
    return fourier_transform(spectrum, **(fourier_kws or {}))


def peak_position(r: np.ndarray, chir_mag: np.ndarray, rmin: float = 1.0, rmax: float = 3.5) -> float:
    """R of the largest |chi(R)| peak between rmin and rmax (Angstrom)."""
    sel = (r >= rmin) & (r <= rmax)
    if not sel.any():
        return float("nan")
    return float(r[sel][int(np.argmax(chir_mag[sel]))])


__all__: List[str] = ["merge_spectra", "normalize", "background", "fourier_transform", "exafs_chain",
                      "noise_level", "check_edge", "peak_position"]
