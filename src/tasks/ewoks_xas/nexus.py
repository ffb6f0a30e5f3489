"""Save processed EXAFS as NeXus/HDF5 (readable by silx, h5py, NeXpy) and read it back.

Layout (``/entry@default = "mu_norm"``)::

    /entry                 NXentry   title, program_name
    /entry/mu_norm         NXdata    norm(energy), norm_errors, mu, flat, bkg, pre_edge, post_edge
    /entry/chi_k           NXdata    chi_weighted(k) = k^w chi(k), chi, kwin (FT window)
    /entry/chi_r           NXdata    chir_mag(r), chir_re, chir_im
    /entry/process         NXprocess program, version, date, sources, e0, edge_step, ...
    /entry/process/parameters/<step>  NXparameters  the parameters of each step

The file is written to a temporary file next to the target and renamed on success.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any, Dict, Mapping, Union

import numpy as np

from ._files import CREATOR, atomic_output, prepare_output
from .validation import XasInputError, spectrum_arrays

ENERGY_DATA = ("norm", "mu", "flat", "bkg", "pre_edge", "post_edge")
SCALARS = ("e0", "edge_step", "nscans", "spread", "label", "mode", "formula")


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    parts = []
    for dist in ("ewoks_core", "xraylarch"):
        try:
            parts.append(f"{dist} {version(dist)}")
        except PackageNotFoundError:
            pass
    return ", ".join(parts)


def _nxdata(parent: Any, name: str, signal: str, axis: str, arrays: Mapping[str, np.ndarray],
            units: Mapping[str, str], long_names: Mapping[str, str]) -> Any:
    group = parent.create_group(name)
    group.attrs["NX_class"] = "NXdata"
    group.attrs["signal"] = signal
    group.attrs["axes"] = [axis]
    aux = [n for n in arrays if n not in (signal, axis) and not n.endswith("_errors")]
    if aux:
        group.attrs["auxiliary_signals"] = aux
    for key, values in arrays.items():
        dset = group.create_dataset(key, data=np.asarray(values, dtype=float))
        if key in units:
            dset.attrs["units"] = units[key]
        if key in long_names:
            dset.attrs["long_name"] = long_names[key]
    return group


def _parameters(parent: Any, parameters: Mapping[str, Mapping[str, Any]]) -> None:
    top = parent.create_group("parameters")
    top.attrs["NX_class"] = "NXcollection"
    for step, values in parameters.items():
        group = top.create_group(str(step))
        group.attrs["NX_class"] = "NXparameters"
        for key, value in (values or {}).items():
            group[str(key)] = "None" if value is None else value


def write_nexus(spectrum: Dict[str, Any], path: Union[str, Path], input_name: str = "spectrum") -> str:
    """Write a processed spectrum dict to a NeXus file (atomic replace); return the path."""
    import h5py

    arr = spectrum_arrays(spectrum, input_name)
    path = Path(path)
    if path.suffix.lower() not in (".h5", ".hdf5", ".nxs", ".nx", ".hdf"):
        raise XasInputError(f"input 'output_file': {str(path)!r} should end in .nxs, .h5 or .hdf5")
    prepare_output(path)
    params = dict(spectrum.get("parameters") or {})
    kweight = float((params.get("fourier") or params.get("background") or {}).get("kweight", 2))
    with atomic_output(path) as tmp:
        with h5py.File(tmp, "w") as f:
            f.attrs.update({"NX_class": "NXroot", "default": "entry", "creator": CREATOR,
                            "file_name": path.name, "file_time": datetime.datetime.now().astimezone().isoformat()})
            entry = f.create_group("entry")
            entry.attrs.update({"NX_class": "NXentry", "default": "mu_norm"})
            entry["title"] = str(spectrum.get("label", ""))
            entry["program_name"] = "ewoks_xas"
            edata = {"energy": arr["energy"]}
            edata.update({k: spectrum[k] for k in ENERGY_DATA if k in spectrum})
            signal = "norm" if "norm" in edata else "mu"
            if "mu_std" in spectrum and "edge_step" in spectrum:
                edata[f"{signal}_errors"] = np.asarray(spectrum["mu_std"]) / (
                    float(spectrum["edge_step"]) if signal == "norm" else 1.0)
            _nxdata(entry, "mu_norm", signal, "energy", edata, {"energy": "eV"},
                    {"energy": "Energy (eV)", "norm": "normalized mu(E)", "mu": "mu(E)"})
            if "k" in spectrum and "chi" in spectrum:
                k, chi = np.asarray(spectrum["k"], float), np.asarray(spectrum["chi"], float)
                kdata = {"k": k, "chi_weighted": chi * k**kweight, "chi": chi}
                kwin = spectrum.get("kwin")
                if kwin is not None and np.shape(kwin) == k.shape:
                    kdata["kwin"] = spectrum["kwin"]  # the FT window
                _nxdata(entry, "chi_k", "chi_weighted", "k", kdata,
                        {"k": "1/angstrom"}, {"k": "k (1/Å)", "chi_weighted": f"k^{kweight:g} chi(k)"})
            if "r" in spectrum and "chir_mag" in spectrum:
                rdata: Dict[str, Any] = {k: spectrum[k] for k in ("r", "chir_mag", "chir_re", "chir_im")
                                         if k in spectrum}
                _nxdata(entry, "chi_r", "chir_mag", "r", rdata, {"r": "angstrom"},
                        {"r": "R (Å)", "chir_mag": f"|chi(R)| (Å^-{kweight + 1:g})"})
            process = entry.create_group("process")
            process.attrs["NX_class"] = "NXprocess"
            process["program"] = "ewoks_xas (xraylarch pre_edge, autobk, xftf)"
            process["version"] = _versions()
            process["date"] = datetime.datetime.now().astimezone().isoformat()
            process["sequence_index"] = 1
            process["sources"] = [str(s) for s in spectrum.get("sources", [spectrum.get("source", "")])]
            for key in SCALARS:
                if spectrum.get(key) is not None:
                    process[key] = spectrum[key]
            _parameters(process, params)
    return str(path)


def read_nexus(path: Union[str, Path], input_name: str = "nexus_file") -> Dict[str, Any]:
    """Read a file written by :func:`write_nexus` back into a spectrum dict."""
    import h5py

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"input {input_name!r}: file {str(path)!r} does not exist")
    out: Dict[str, Any] = {}
    with h5py.File(path, "r") as f:
        if "entry" not in f:
            raise XasInputError(f"input {input_name!r}: {str(path)!r} has no /entry (groups: {list(f)}); "
                                "is it a file written by SaveNexus?")
        entry = f["entry"]
        for name in ("mu_norm", "chi_k", "chi_r"):
            if name in entry:
                out.update({k: v[()] for k, v in entry[name].items()})
        process = entry.get("process")
        if process is not None:
            for key in SCALARS:
                if key in process:
                    value = process[key][()]
                    out[key] = value.decode() if isinstance(value, bytes) else value
            out["parameters"] = {step: {k: (v[()].decode() if isinstance(v[()], bytes) else v[()])
                                        for k, v in group.items()}
                                 for step, group in process.get("parameters", {}).items()}
    return out
