"""NeXus output of integration results (h5py), written atomically."""

from __future__ import annotations

import datetime
import json
from typing import Any, Dict, Mapping, Optional, Tuple

import h5py
import numpy as np

from ._io import CREATOR, atomic_path, prepare_output

_UNIT_NAMES = {"A": "angstrom", "A^-1": "angstrom^-1", "A^-2": "angstrom^-2", "None": ""}


def axis_name_units(unit: Optional[str]) -> Tuple[str, str]:
    """('q', 'nm^-1') for the pyFAI unit 'q_nm^-1'; the name is a valid HDF5/NeXus field name."""
    unit = unit or "radial_None"
    name, _, units = str(unit).partition("_")
    name = "".join(c if c.isalnum() else "_" for c in name) or "radial"
    return name, _UNIT_NAMES.get(units, units)


def _check(result: Mapping[str, Any]) -> Dict[str, Any]:
    radial = np.asarray(result["radial"])
    intensity = np.asarray(result["intensity"])
    if intensity.ndim == 1:
        intensity = intensity[np.newaxis]
    if radial.ndim != 1 or intensity.ndim not in (2, 3) or intensity.shape[-1] != radial.shape[0]:
        raise ValueError(f"inputs 'intensity' {intensity.shape} and 'radial' {radial.shape} do not match: expected "
                         "intensity (nframes, npt) or (nframes, npt_azim, npt) for radial (npt,)")
    out = {"radial": radial, "intensity": intensity, "sigma": None, "azimuthal": None, "monitor": None}
    if result.get("sigma") is not None:
        sigma = np.asarray(result["sigma"]).reshape(intensity.shape) if np.size(result["sigma"]) == intensity.size \
            else None
        if sigma is None:
            raise ValueError(f"input 'sigma' has shape {np.shape(result['sigma'])}, intensity {intensity.shape}")
        out["sigma"] = sigma
    if intensity.ndim == 3:
        if result.get("azimuthal") is None:
            raise ValueError("input 'azimuthal' is required for 2D (cake) intensities")
        azimuthal = np.asarray(result["azimuthal"])
        if azimuthal.shape != intensity.shape[1:2]:
            raise ValueError(f"input 'azimuthal' {azimuthal.shape} does not match intensity {intensity.shape}")
        out["azimuthal"] = azimuthal
    if result.get("monitor") is not None:
        monitor = np.asarray(result["monitor"], dtype=float)
        if monitor.shape != intensity.shape[:1]:
            raise ValueError(f"input 'monitor' {monitor.shape} does not match {len(intensity)} frames")
        out["monitor"] = monitor
    return out


def write_nexus(path: str, result: Mapping[str, Any], entry: str = "entry", process: str = "integrate") -> str:
    """Write an integration result to a new NeXus file `path` (replaced atomically) and return `path`.

    Layout: /entry (NXentry) / integrate (NXprocess: program, version, date, configuration NXnote
    with the JSON configuration, monitor) / integrated (NXdata: signal 'intensity' with
    'intensity_errors', axes ['frame', <radial name>] or ['frame', 'chi', <radial name>], units).
    The NeXus 'default' attributes lead from the root to the NXdata so silx shows it.
    """
    data = _check(result)
    prepare_output(path)
    radial_name, radial_units = axis_name_units(result.get("radial_unit"))
    config = result.get("integration_config") or {}
    start = int(result.get("start") or 0)
    nframes = len(data["intensity"])
    now = datetime.datetime.now().astimezone().isoformat()
    with atomic_path(path) as tmp:
        with h5py.File(tmp, "w") as f:
            f.attrs.update(NX_class="NXroot", creator=CREATOR, file_time=now, default=entry,
                           HDF5_Version=h5py.version.hdf5_version, h5py_version=h5py.version.version)
            nxentry = f.create_group(entry)
            nxentry.attrs.update(NX_class="NXentry", default=process)
            nxentry["title"] = f"{'1D' if data['intensity'].ndim == 2 else '2D'} integration of " \
                               f"{result.get('frames_url') or 'frames'}"
            nxentry["start_time"] = now
            nxprocess = nxentry.create_group(process)
            nxprocess.attrs.update(NX_class="NXprocess", default="integrated")
            nxprocess["program"] = str(config.get("program", "pyFAI"))
            nxprocess["version"] = str(config.get("version", ""))
            nxprocess["date"] = now
            nxprocess["sequence_index"] = 1
            note = nxprocess.create_group("configuration")
            note.attrs["NX_class"] = "NXnote"
            note["type"] = "application/json"
            note["data"] = json.dumps(config, indent=2, default=_json_default)
            if result.get("frames_url"):
                nxprocess["input"] = str(result["frames_url"])
            if data["monitor"] is not None:
                nxprocess["monitor"] = data["monitor"]
            nxdata = nxprocess.create_group("integrated")
            nxdata.attrs["NX_class"] = "NXdata"
            nxdata.attrs["signal"] = "intensity"
            frame = nxdata.create_dataset("frame", data=np.arange(start, start + nframes))
            frame.attrs["long_name"] = "frame index"
            axes = ["frame", radial_name]
            if data["azimuthal"] is not None:
                chi_name, chi_units = axis_name_units(result.get("azimuthal_unit") or "chi_deg")
                chi = nxdata.create_dataset(chi_name, data=data["azimuthal"])
                chi.attrs.update(units=chi_units, long_name=f"{chi_name} ({chi_units})")
                axes = ["frame", chi_name, radial_name]
            rad = nxdata.create_dataset(radial_name, data=data["radial"])
            rad.attrs.update(units=radial_units, long_name=f"{radial_name} ({radial_units})")
            nxdata.attrs["axes"] = axes
            for k, name in enumerate(axes):
                nxdata.attrs[f"{name}_indices"] = k
            chunks = (1,) + data["intensity"].shape[1:]
            signal = nxdata.create_dataset("intensity", data=data["intensity"], chunks=chunks)
            signal.attrs.update(interpretation="spectrum" if len(axes) == 2 else "image", units="arbitrary units",
                                long_name="intensity")
            if data["sigma"] is not None:
                errors = nxdata.create_dataset("intensity_errors", data=data["sigma"], chunks=chunks)
                errors.attrs["units"] = "arbitrary units"
    return path


def _json_default(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return str(value)


def read_nexus(path: str, input_name: str = "nexus_path") -> Dict[str, Any]:
    """Read back a result written by :func:`write_nexus` (following the NeXus 'default' attributes)."""
    import os

    from ._frames import open_h5

    with open_h5(os.fspath(path), input_name) as f:
        group = f
        for _ in range(4):  # root -> entry -> process -> NXdata
            default = group.attrs.get("default")
            if default is None or _attr_str(group.attrs.get("NX_class")) == "NXdata":
                break
            group = group[_attr_str(default)]
        if _attr_str(group.attrs.get("NX_class")) != "NXdata":
            raise ValueError(f"input {input_name!r}: {path!r} has no default NXdata (not written by SaveNexus?)")
        axes = [_attr_str(a) for a in group.attrs["axes"]]
        signal = _attr_str(group.attrs["signal"])
        radial_name = axes[-1]
        units = _attr_str(group[radial_name].attrs.get("units", ""))
        inverse = {v: k for k, v in _UNIT_NAMES.items() if v}
        result: Dict[str, Any] = {
            "radial": group[radial_name][()],
            "radial_unit": f"{radial_name}_{inverse.get(units, units)}",
            "intensity": group[signal][()],
            "sigma": group[f"{signal}_errors"][()] if f"{signal}_errors" in group else None,
            "start": int(group[axes[0]][0]) if axes[0] in group and len(group[axes[0]]) else 0,
        }
        if len(axes) == 3:
            result["azimuthal"] = group[axes[1]][()]
        process = group.parent
        if "input" in process:
            result["frames_url"] = _attr_str(process["input"][()])
    return result


def _attr_str(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode()
    return value
