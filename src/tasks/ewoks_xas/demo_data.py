"""Realistic demo EXAFS scans: Cu K edge (8979 eV) as measured on a BM23-like beamline.

mu(E) = pre-edge line + arctan edge step x post-edge curvature x (1 + chi(k)), where chi(k)
comes from a real FEFF6 calculation on fcc Cu (:mod:`ewoks_xas.feff_model`). Counters are
simulated with Poisson statistics plus electronic (gaussian) noise and a decaying beam:

- transmission: ``mu = ln(I0/It)``
- fluorescence: ``mu ~ If/I0``

Written as ASCII columns (``energy I0 It If``) or one HDF5 file with Bliss-like scans
(``/1.1/measurement/energy``, ``I0``, ``It``, ``If``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Union

import numpy as np

from ewoks_core.persistence.overwrite import text_marker

from . import CU_K_EDGE
from ._files import DEMO_CREATOR, atomic_output, prepare_output

ETOK = 0.2624682843  # 2 m_e / hbar^2 in eV^-1 Angstrom^-2: k^2 = ETOK (E - E0)
COLUMNS = ("energy", "I0", "It", "If")
ASCII_PATTERN = "cu_exafs_scan{index:03d}.dat"
HDF5_NAME = "cu_exafs_demo.h5"


def energy_grid(e0: float = CU_K_EDGE, kmax: float = 16.0) -> np.ndarray:
    """A step-scan energy grid: 5 eV pre-edge steps, 0.5 eV across the edge, 0.04 1/A steps in k."""
    pre = np.arange(e0 - 200.0, e0 - 30.0, 5.0)
    xanes = np.arange(e0 - 30.0, e0 + 40.0, 0.5)
    k = np.arange(np.sqrt(ETOK * 40.0), kmax + 1e-9, 0.04)
    return np.concatenate([pre, xanes, e0 + k**2 / ETOK])


def model_mu(energy: np.ndarray, chi_k: np.ndarray, chi: np.ndarray, e0: float = CU_K_EDGE,
             step: float = 1.2) -> Dict[str, np.ndarray]:
    """Noise-free absorbance of the sample: total (``mu``), the Cu edge part (``mu_edge``) and ``chi``."""
    de = energy - e0
    k = np.sqrt(ETOK * np.clip(de, 0.0, None))
    chi_e = np.where(de > 0, np.interp(k, chi_k, chi, right=0.0), 0.0)
    arctan_step = 0.5 + np.arctan(de / 1.0) / np.pi  # core-hole + resolution width ~2 eV
    curvature = 1.0 - 1.1e-4 * de + 2.5e-8 * de**2  # post-edge decrease (Victoreen-like)
    shoulder = 0.08 * np.exp(-0.5 * ((de - 4.0) / 1.5) ** 2)  # 1s -> 4p shoulder
    mu_edge = step * (arctan_step * curvature * (1.0 + chi_e) + shoulder)
    mu_pre = 0.50 - 2.5e-4 * de  # matrix, windows and air: pre-edge slope
    return {"mu": mu_pre + mu_edge, "mu_edge": mu_edge, "chi": chi_e}


def simulate_scan(rng: np.random.Generator, chi_k: np.ndarray, chi: np.ndarray, e0: float = CU_K_EDGE,
                  flux: float = 5.0e6) -> Dict[str, np.ndarray]:
    """One scan: energies (with encoder jitter) and noisy I0, It, If counters."""
    energy = energy_grid(e0) + rng.normal(0.0, 0.02, size=energy_grid(e0).size)
    energy.sort()
    model = model_mu(energy, chi_k, chi, e0)
    n = energy.size
    beam = flux * (1.0 - 0.03 * np.linspace(0.0, 1.0, n)) * (1.0 + 0.002 * rng.standard_normal(n))
    i0 = rng.poisson(0.4 * beam) + rng.normal(0.0, 30.0, n)
    it = rng.poisson(0.5 * beam * np.exp(-model["mu"])) + rng.normal(0.0, 30.0, n)
    fluo = rng.poisson(0.02 * beam * model["mu_edge"] + 0.004 * beam) + rng.normal(0.0, 5.0, n)
    return {"energy": energy, "I0": i0, "It": it, "If": fluo}


def _write_ascii(path: Path, scan: Dict[str, np.ndarray], index: int, nscans: int, seed: int) -> None:
    header = "\n".join([
        text_marker(DEMO_CREATOR),
        f"ewoks_xas demo: Cu K-edge EXAFS (FEFF6 fcc Cu), scan {index} of {nscans}, seed {seed}",
        f"E0 = {CU_K_EDGE} eV; transmission mu = ln(I0/It); fluorescence mu = If/I0",
        " ".join(COLUMNS)])
    table = np.column_stack([scan[c] for c in COLUMNS])
    with atomic_output(path) as tmp:
        np.savetxt(tmp, table, fmt=["%.4f", "%.2f", "%.2f", "%.2f"], header=header, comments="# ")


def _write_hdf5(path: Path, scans: List[Dict[str, np.ndarray]], seed: int) -> None:
    import h5py

    with atomic_output(path) as tmp:
        with h5py.File(tmp, "w") as f:
            f.attrs["NX_class"] = "NXroot"
            f.attrs["creator"] = DEMO_CREATOR
            for i, scan in enumerate(scans, start=1):
                entry = f.create_group(f"{i}.1")
                entry.attrs["NX_class"] = "NXentry"
                entry["title"] = f"ascan energy (Cu K edge demo, seed {seed}, scan {i})"
                meas = entry.create_group("measurement")
                meas.attrs["NX_class"] = "NXcollection"
                for name in COLUMNS:
                    meas[name] = scan[name]
                meas["energy"].attrs["units"] = "eV"


def expected_paths(output_dir: Union[str, Path], nscans: int = 3, fmt: str = "ascii") -> List[str]:
    """The paths :func:`generate_spectra` writes (HDF5 scans as ``file.h5::/N.1``)."""
    folder = Path(output_dir)
    if fmt == "ascii":
        return [str(folder / ASCII_PATTERN.format(index=i)) for i in range(1, nscans + 1)]
    if fmt == "hdf5":
        return [f"{folder / HDF5_NAME}::/{i}.1" for i in range(1, nscans + 1)]
    raise ValueError(f"input 'fmt': {fmt!r} is not a known format; use 'ascii' or 'hdf5'")


def generate_spectra(path_or_dir: Union[str, Path], nscans: int = 3, seed: int = 0, fmt: str = "ascii") -> List[str]:
    """Write ``nscans`` simulated Cu K-edge scans into a folder and return their paths.

    ``fmt="ascii"``: one ``cu_exafs_scanNNN.dat`` per scan; ``fmt="hdf5"``: one
    ``cu_exafs_demo.h5`` holding ``/1.1``, ``/2.1``... (returned as ``file.h5::/N.1``).
    The FEFF chi(k) comes from the package cache, or is computed once and cached in the folder.
    """
    from .feff_model import load_cu_chi

    if int(nscans) < 1:
        raise ValueError(f"input 'nscans': must be at least 1, got {nscans}")
    paths = expected_paths(path_or_dir, int(nscans), fmt)
    folder = Path(path_or_dir)
    for target in sorted({p.split("::")[0] for p in paths}):  # real scans of the same names are never replaced
        prepare_output(target, "output_dir", DEMO_CREATOR)
    folder.mkdir(parents=True, exist_ok=True)
    feff = load_cu_chi(cache_dir=folder)
    rng = np.random.default_rng(seed)
    scans = [simulate_scan(rng, feff["k"], feff["chi"]) for _ in range(int(nscans))]
    if fmt == "ascii":
        for i, (path, scan) in enumerate(zip(paths, scans, strict=True), start=1):
            _write_ascii(Path(path), scan, i, int(nscans), seed)
    else:
        _write_hdf5(folder / HDF5_NAME, scans, seed)
    return paths


def generate_demo(output_dir: Union[str, Path]) -> Dict[str, object]:
    """`ewoks demo-data`: the three Cu K-edge scans of the EXAFS workflow, as ASCII and as one HDF5 file."""
    return {"ascii": generate_spectra(output_dir), "hdf5": generate_spectra(output_dir, fmt="hdf5")}
