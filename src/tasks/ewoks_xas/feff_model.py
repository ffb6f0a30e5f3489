"""Theoretical Cu K-edge chi(k) from a real FEFF6 calculation (xraylarch's feff6l) on fcc copper.

Running FEFF and importing larch take seconds, so the result is cached as a small JSON
file: the package ships one (``cu_fcc_feff_chi.json``, made by ``python -m
ewoks_xas.feff_model``); without it the calculation runs once and is cached in the
caller's folder.
"""

from __future__ import annotations

import itertools
import json
import math
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

import numpy as np

PACKAGE_CACHE = Path(__file__).with_name("cu_fcc_feff_chi.json")
CACHE_NAME = "cu_fcc_feff_chi.json"
CU_LATTICE = 3.615  # fcc Cu lattice constant (Angstrom), room temperature
MODEL_VERSION = 1

DEFAULT_MODEL: Dict[str, float] = {
    "temperature": 300.0,  # K
    "theta_debye": 315.0,  # K, Cu
    "s02": 0.90,
    "e0_shift": 0.0,
    "kmax": 20.0,
    "kstep": 0.05,
}


def cu_fcc_feff_inp(a: float = CU_LATTICE, rcluster: float = 6.0, rmax: float = 5.2, nleg: int = 4) -> str:
    """Text of a FEFF6 ``feff.inp`` for a Cu absorber (K edge) at the centre of an fcc Cu cluster."""
    basis = np.array([[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]])
    atoms = []
    n = int(math.ceil(rcluster / a)) + 1
    for i, j, k in itertools.product(range(-n, n + 1), repeat=3):
        for b in basis:
            xyz = (np.array([i, j, k]) + b) * a
            r = float(np.linalg.norm(xyz))
            if r <= rcluster + 1e-6:
                atoms.append((r, *xyz))
    atoms.sort()
    lines = [f"TITLE Cu fcc a={a:.4f} (ewoks_xas demo)", "HOLE 1 1.0", "CONTROL 1 1 1 1", "PRINT 1 0 0 0",
             f"RMAX {rmax:.3f}", f"NLEG {nleg}", "", "POTENTIALS", "  0 29 Cu", "  1 29 Cu", "", "ATOMS"]
    for idx, (r, x, y, z) in enumerate(atoms):
        lines.append(f"  {x:10.5f} {y:10.5f} {z:10.5f} {0 if idx == 0 else 1}  Cu  {r:.5f}")
    lines.append("END")
    return "\n".join(lines) + "\n"


def _sigma2_debye(path: Any, temperature: float, theta: float) -> float:
    """Correlated-Debye sigma2 of a FEFF path (larch's sigma2_correldebye; the coordinates are converted to
    floats here because some larch versions keep them as text)."""
    from larch.xafs.sigma2_models import sigma2_correldebye

    geom = path._feffdat.geom  # (symbol, iz, ipot, mass, x, y, z)
    x, y, z, mass = ([float(atom[i]) for atom in geom] for i in (4, 5, 6, 3))
    return float(sigma2_correldebye(len(geom), float(temperature), float(theta), float(path._feffdat.rnorman),
                                    x, y, z, mass))


def compute_cu_chi(workdir: Union[str, Path, None] = None, **model: float) -> Dict[str, Any]:
    """Run FEFF6 on fcc Cu and sum its paths into chi(k) (correlated-Debye sigma2, S0^2, E0 shift).

    Returns a JSON-friendly dict: ``k``, ``chi`` (lists), ``paths`` (reff, degen, nleg, sigma2)
    and the ``model`` parameters.
    """
    from larch.xafs import feff6l, feffpath, ff2chi  # heavy import

    params = {**DEFAULT_MODEL, **model}
    with tempfile.TemporaryDirectory(prefix="ewoks_xas_feff_") as tmp:
        folder = Path(workdir) if workdir is not None else Path(tmp)
        if workdir is not None:  # FEFF writes a dozen files with fixed names: never over someone's files
            from ewoks_core.outputs import check_confined

            check_confined(folder, "workdir")
            if folder.exists() and any(folder.iterdir()):
                raise ValueError(f"input 'workdir': {str(folder)!r} is not empty; give a new or empty folder")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "feff.inp").write_text(cu_fcc_feff_inp(), encoding="utf-8")
        feff6l(folder=str(folder), feffinp="feff.inp", verbose=False)
        files = sorted(folder.glob("feff0*.dat"))
        if not files:
            log = "".join(p.read_text(errors="replace") for p in folder.glob("*.log"))
            raise RuntimeError(f"FEFF6 produced no path files in {folder}: {log[-500:]}")
        paths, info = [], []
        for fname in files:
            path = feffpath(str(fname), s02=params["s02"], e0=params["e0_shift"])
            sig2 = _sigma2_debye(path, params["temperature"], params["theta_debye"])
            path.sigma2 = sig2
            paths.append(path)
            info.append({"file": fname.name, "reff": float(path.reff), "degen": float(path.degen),
                         "nleg": int(path.nleg), "sigma2": round(sig2, 6)})
        group = ff2chi(paths, kmax=params["kmax"], kstep=params["kstep"])
    return {"model_version": MODEL_VERSION, "model": params, "paths": info,
            "k": [round(float(v), 6) for v in group.k], "chi": [float(f"{v:.7g}") for v in group.chi]}


def _read(path: Path) -> Optional[Dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if data.get("model_version") != MODEL_VERSION or "k" not in data or "chi" not in data:
        return None
    return data


def _write(path: Path, data: Dict[str, Any], check: bool = True) -> None:
    """Write a model cache file (never over a file ewoks_xas did not write: then nothing is cached)."""
    from ewoks_core.persistence.overwrite import replaceable

    from ._files import CREATOR, atomic_output, prepare_output

    if check:
        if not replaceable(path, CREATOR):
            return
        prepare_output(path, "cache_dir")
    with atomic_output(path) as tmp:
        tmp.write_text(json.dumps({"creator": CREATOR, **data}, separators=(",", ":")), encoding="utf-8")


def load_cu_chi(cache_dir: Union[str, Path, None] = None, use_package_data: bool = True) -> Dict[str, np.ndarray]:
    """The FEFF Cu chi(k) as numpy arrays ``{"k", "chi"}`` plus metadata, from the cheapest cache.

    Order: the package data file, ``cache_dir/cu_fcc_feff_chi.json``, else a new FEFF
    calculation (written to ``cache_dir`` when given).
    """
    candidates = ([PACKAGE_CACHE] if use_package_data else []) + \
        ([Path(cache_dir) / CACHE_NAME] if cache_dir is not None else [])
    data = None
    for candidate in candidates:
        data = _read(candidate)
        if data is not None:
            break
    if data is None:
        data = compute_cu_chi()
        if cache_dir is not None:
            _write(Path(cache_dir) / CACHE_NAME, data)
    out: Dict[str, Any] = dict(data)
    out["k"] = np.asarray(data["k"], dtype=float)
    out["chi"] = np.asarray(data["chi"], dtype=float)
    return out


def first_shell_distance(data: Dict[str, Any]) -> float:
    """Effective distance (Angstrom) of the first single-scattering path of a cached model."""
    single = [p["reff"] for p in data.get("paths", []) if p["nleg"] == 2]
    return min(single) if single else float("nan")


def main(argv: Optional[List[str]] = None) -> None:
    """Regenerate the package data file (run once by developers: ``python -m ewoks_xas.feff_model``)."""
    data = compute_cu_chi()
    _write(PACKAGE_CACHE, data, check=False)  # the package's own data file, regenerated on purpose
    print(f"wrote {PACKAGE_CACHE} ({len(data['paths'])} FEFF paths, first shell {first_shell_distance(data):.3f} A)")


if __name__ == "__main__":
    main()
