"""Read mu(E) from ASCII column files or HDF5 scans (``file.h5::/1.1``, Bliss layout ``/1.1/measurement/<counter>``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

import numpy as np

from .validation import (
    XasInputError,
    as_1d_float,
    check_choice,
    check_finite,
    check_lengths,
    check_monotonic,
    did_you_mean,
)

Column = Union[str, int]
MODES = ("transmission", "fluorescence", "mu")
ENERGY_UNITS = ("auto", "eV", "keV")
HDF5_SUFFIXES = (".h5", ".hdf5", ".nxs", ".hdf", ".nx")


def split_source(source: str) -> Tuple[str, Optional[str]]:
    """``"file.h5::/1.1"`` -> ``("file.h5", "/1.1")``; a plain path -> ``(path, None)``."""
    file, sep, inner = str(source).partition("::")
    return file, (inner or "/") if sep else None


def _file_not_found(path: Path, input_name: str) -> FileNotFoundError:
    folder = path.parent if str(path.parent) else Path(".")
    if folder.is_dir():
        names = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
        shown = ", ".join(names[:10]) + (" ..." if len(names) > 10 else "")
        hint = did_you_mean(path.name, names) or f" The folder contains: {shown or 'nothing'}."
    else:
        hint = f" The folder {str(folder)!r} does not exist either."
    return FileNotFoundError(f"input {input_name!r}: file {str(path)!r} does not exist.{hint}")


def read_ascii_columns(path: Union[str, Path], input_name: str = "paths") -> Dict[str, np.ndarray]:
    """Columns of a whitespace-separated text file, named by the last ``#`` header line with as
    many words as there are columns (else ``col0``, ``col1``...)."""
    path = Path(path)
    if not path.is_file():
        raise _file_not_found(path, input_name)
    header: List[List[str]] = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            stripped = line.strip()
            if not stripped:
                continue
            if not stripped.startswith("#"):
                break
            header.append(stripped.lstrip("#").split())
    try:
        table = np.loadtxt(path, comments="#", ndmin=2)
    except ValueError as e:
        raise XasInputError(f"input {input_name!r}: {str(path)!r} is not a numeric column file: {e}") from None
    if table.size == 0:
        raise XasInputError(f"input {input_name!r}: {str(path)!r} has no data rows")
    ncol = table.shape[1]
    names = next((h for h in reversed(header) if len(h) == ncol), None) or [f"col{i}" for i in range(ncol)]
    return {name: table[:, i] for i, name in enumerate(names)}


def _natural_key(name: str) -> List[Any]:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def list_hdf5_scans(path: Union[str, Path], input_name: str = "paths") -> List[str]:
    """Names of the top-level groups of an HDF5 file that hold a ``measurement`` group, naturally sorted."""
    import h5py

    path = Path(path)
    if not path.is_file():
        raise _file_not_found(path, input_name)
    with h5py.File(path, "r") as f:
        return sorted((k for k in f if isinstance(f[k], h5py.Group) and "measurement" in f[k]), key=_natural_key)


def read_hdf5_columns(path: Union[str, Path], scan: str, input_name: str = "paths") -> Dict[str, np.ndarray]:
    """The 1-D datasets of ``<scan>/measurement`` (or of ``scan`` itself when it has no measurement group)."""
    import h5py

    path = Path(path)
    if not path.is_file():
        raise _file_not_found(path, input_name)
    with h5py.File(path, "r") as f:
        if scan not in f:
            names = list_hdf5_scans(path)
            raise XasInputError(f"input {input_name!r}: {str(path)!r} has no scan {scan!r}; "
                                f"scans: {names or list(f)}.{did_you_mean(scan.strip('/'), names)}")
        group = f[scan]
        if isinstance(group, h5py.Group) and "measurement" in group:
            group = group["measurement"]
        if not isinstance(group, h5py.Group):
            raise XasInputError(f"input {input_name!r}: {str(path)}::{scan} is a dataset, not a scan group")
        return {k: np.asarray(v[()]) for k, v in group.items()
                if isinstance(v, h5py.Dataset) and v.ndim == 1}


def read_columns(source: str, input_name: str = "paths") -> Dict[str, np.ndarray]:
    """Columns of an ASCII file or an HDF5 scan (``file.h5::/1.1``)."""
    file, scan = split_source(source)
    if scan is not None:
        return read_hdf5_columns(file, scan, input_name)
    if Path(file).suffix.lower() in HDF5_SUFFIXES:
        scans = list_hdf5_scans(file, input_name)
        if len(scans) != 1:
            raise XasInputError(f"input {input_name!r}: {file!r} holds {len(scans)} scans {scans[:10]}; "
                                f"name one as '{file}::/{scans[0] if scans else '1.1'}'")
        return read_hdf5_columns(file, scans[0], input_name)
    return read_ascii_columns(file, input_name)


def expand_sources(paths: Union[str, Path, List[Any]], input_name: str = "paths") -> List[str]:
    """A path or list of paths; a plain HDF5 file stands for every scan in it."""
    items = [paths] if isinstance(paths, (str, Path)) else list(paths or [])
    if not items:
        raise XasInputError(f"input {input_name!r}: no file given")
    out: List[str] = []
    for item in items:
        file, scan = split_source(str(item))
        if scan is None and Path(file).suffix.lower() in HDF5_SUFFIXES:
            out.extend(f"{file}::/{name}" for name in list_hdf5_scans(file, input_name))
        else:
            out.append(str(item))
    return out


def select_column(columns: Dict[str, np.ndarray], key: Column, input_name: str, source: str) -> Tuple[str, np.ndarray]:
    """A column by name (exact, then case-insensitive) or by 0-based index."""
    names = list(columns)
    if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
        if not -len(names) <= int(key) < len(names):
            raise XasInputError(f"input {input_name!r}: column index {key} out of range; {source!r} has "
                                f"{len(names)} columns {names}")
        name = names[int(key)]
        return name, columns[name]
    key = str(key)
    if key.lstrip("-").isdigit() and key not in columns:
        return select_column(columns, int(key), input_name, source)
    if key in columns:
        return key, columns[key]
    folded = [n for n in names if n.lower() == key.lower()]
    if len(folded) == 1:
        return folded[0], columns[folded[0]]
    raise XasInputError(f"input {input_name!r}: no column {key!r} in {source!r}; columns: {names}."
                        f"{did_you_mean(key, names)}")


def read_spectrum(source: str, energy: Column = "energy", i0: Column = "I0", it: Column = "It",
                  fluo: Column = "If", mu: Column = "mu", mode: str = "transmission",
                  energy_unit: str = "auto") -> Dict[str, Any]:
    """One mu(E) spectrum dict ``{energy, mu, label, source, mode}`` from a file or HDF5 scan.

    mode: ``transmission`` (mu = ln(I0/It)), ``fluorescence`` (mu = If/I0) or ``mu`` (a mu column).
    energy_unit: ``eV``, ``keV`` or ``auto`` (keV when every energy is below 200).
    """
    check_choice(mode, MODES, "mode")
    check_choice(energy_unit, ENERGY_UNITS, "energy_unit")
    columns = read_columns(source)
    e_name, e = select_column(columns, energy, "energy", source)
    e = as_1d_float(e, "energy", f"column {e_name!r}", source)
    check_finite(e, "energy", f"column {e_name!r}", None, source)
    if energy_unit == "keV" or (energy_unit == "auto" and e.max() < 200.0):
        e = e * 1000.0
    if mode == "mu":
        arrays = {"mu": select_column(columns, mu, "mu", source)}
    elif mode == "transmission":
        arrays = {"i0": select_column(columns, i0, "i0", source), "it": select_column(columns, it, "it", source)}
    else:
        arrays = {"i0": select_column(columns, i0, "i0", source), "fluo": select_column(columns, fluo, "fluo", source)}
    values = {role: as_1d_float(col, role, f"column {name!r}", source) for role, (name, col) in arrays.items()}
    check_lengths({e_name: e, **{arrays[r][0]: v for r, v in values.items()}}, "paths", source)
    for role, v in values.items():
        check_finite(v, role, f"column {arrays[role][0]!r}", e, source)
    if mode == "transmission":
        for role in ("i0", "it"):
            bad = values[role] <= 0
            if bad.any():
                i = int(np.argmax(bad))
                raise XasInputError(f"input {role!r}: column {arrays[role][0]!r} has {int(bad.sum())} value(s) <= 0 "
                                    f"(first at index {i}, E={e[i]:.2f} eV) ({source}); ln(I0/It) needs positive "
                                    "counts. Check the counter names or use mode='fluorescence'.")
        mu_arr = np.log(values["i0"] / values["it"])
        formula = f"ln({arrays['i0'][0]}/{arrays['it'][0]})"
    elif mode == "fluorescence":
        bad = values["i0"] == 0
        if bad.any():
            i = int(np.argmax(bad))
            raise XasInputError(f"input 'i0': column {arrays['i0'][0]!r} is 0 at index {i} (E={e[i]:.2f} eV) "
                                f"({source}); If/I0 needs a non-zero I0")
        mu_arr = values["fluo"] / values["i0"]
        formula = f"{arrays['fluo'][0]}/{arrays['i0'][0]}"
    else:
        mu_arr = values["mu"]
        formula = arrays["mu"][0]
    if e.size > 1 and np.all(np.diff(e) < 0):  # a scan recorded downwards
        e, mu_arr = e[::-1].copy(), mu_arr[::-1].copy()
    check_monotonic(e, "energy", source, what=f"column {e_name!r}")
    label = Path(split_source(source)[0]).name + (split_source(source)[1] or "")
    return {"energy": e, "mu": mu_arr, "label": label, "source": str(source), "mode": mode, "formula": formula}
