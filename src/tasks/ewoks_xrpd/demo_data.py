"""Realistic demo data: a powder-diffraction scan as a beamline writes it, plus its PONI and mask files.

The frames are the rings of a pyFAI calibrant (default LaB6) on a Pilatus1M (1043 x 981 pixels,
module gaps at -1 like the detector writes them) with solid-angle and polarization effects, an
air-scatter background, the shadow of a beam stop and its holder, Poisson noise and a monitor
(ring-current-like counter) by which each frame is scaled. Layout of the HDF5 file (Bliss-like)::

    /1.1                      NXentry   title, start_time, end_time
    /1.1/instrument           NXinstrument
    /1.1/instrument/pilatus   NXdetector  data (nframes, 1043, 981) int32, chunked per frame, gzip
    /1.1/instrument/mon       NXdetector  data (nframes,)
    /1.1/instrument/monochromator  NXmonochromator  energy [keV], wavelength [angstrom]
    /1.1/sample               NXsample    name
    /1.1/measurement          NXcollection  pilatus, mon (links to the instrument datasets)

Heavy modules (pyFAI, h5py, fabio) are imported inside :func:`generate_scan`.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path
from typing import Any, Dict, Optional, Union

DETECTOR_DATASET = "/1.1/measurement/pilatus"
MONITOR_DATASET = "/1.1/measurement/mon"
MONITOR_REFERENCE = 1.0e5
"""Mean monitor counts per frame; a frame taken with this monitor has the nominal intensity."""


def demo_geometry(detector: str = "Pilatus1M", energy_kev: float = 30.0, distance: float = 0.3) -> Dict[str, Any]:
    """The geometry dict (pyFAI PONI keys) used for the demo data: beam near the detector centre,
    slightly tilted detector. `distance` is the sample-detector distance in metres."""
    from ._geometry import KEV_ANGSTROM, make_detector

    det = make_detector(detector, None, "detector")
    rows, cols = det.shape
    return {
        "detector": detector,
        "dist": float(distance),
        "poni1": rows * det.pixel1 * 0.47,
        "poni2": cols * det.pixel2 * 0.53,
        "rot1": 0.004,
        "rot2": -0.003,
        "rot3": 0.0,
        "wavelength": KEV_ANGSTROM / float(energy_kev) * 1e-10,
    }


def beamstop_mask(ai: Any, radius_px: float = 22.0, arm_width_px: float = 9.0, margin_px: float = 0.0) -> Any:
    """Boolean image, True where the beam stop (a disc at the direct beam) and its vertical holder
    (from the disc to the top edge) shadow the detector."""
    import numpy as np

    rows, cols = ai.detector.shape
    fit2d = ai.getFit2D()
    cy, cx = fit2d["centerY"], fit2d["centerX"]
    y, x = np.ogrid[:rows, :cols]
    r = radius_px + margin_px
    disc = (y - cy) ** 2 + (x - cx) ** 2 <= r * r
    arm = (np.abs(x - cx) <= arm_width_px / 2 + margin_px) & (y <= cy)
    return disc | arm


def generate_scan(path: Union[str, Path], nframes: int = 20, calibrant: str = "LaB6", detector: str = "Pilatus1M",
                  energy_kev: float = 30.0, distance: float = 0.3, seed: int = 0, peak_counts: float = 400.0,
                  background_counts: float = 25.0, resolution_deg: float = 0.03,
                  monitor_reference: float = MONITOR_REFERENCE, compression: Optional[str] = "gzip"
                  ) -> Dict[str, str]:
    """Write a demo powder scan to `path` (HDF5) with a PONI file and a mask file beside it.

    Returns the paths: ``scan_file``, ``scan_url`` (frames URL 'file.h5::/1.1/measurement/pilatus'),
    ``monitor_url``, ``poni_path`` and ``mask_path`` (EDF, beam stop; the module gaps are masked by
    the detector definition). Every file is written atomically (temporary file, then rename), and
    only over files this generator wrote (a real scan or PONI file of the same name is never replaced).
    `distance` is in metres, `energy_kev` in keV; the same `seed` gives the same data.
    """
    import h5py
    import numpy as np
    import pyFAI.calibrant
    from pyFAI.io.ponifile import PoniFile

    from ewoks_core.persistence.overwrite import text_marker

    from ._geometry import get_integrator, load_geometry
    from ._io import DEMO_CREATOR, atomic_path, prepare_output

    if int(nframes) < 1:
        raise ValueError(f"nframes must be >= 1, got {nframes}")
    nframes = int(nframes)
    path = Path(path)
    poni_path = path.with_suffix(".poni")
    mask_path = path.with_name(path.stem + "_mask.edf")
    for target in (path, poni_path, mask_path):
        prepare_output(target, "output_dir", DEMO_CREATOR)
    path.parent.mkdir(parents=True, exist_ok=True)

    geometry = load_geometry(demo_geometry(detector, energy_kev, distance), "geometry")
    ai = get_integrator(geometry)
    names = pyFAI.calibrant.names()
    if calibrant not in names:
        from ._urls import did_you_mean

        raise ValueError(f"unknown calibrant {calibrant!r}.{did_you_mean(calibrant, names)}")
    cal = pyFAI.calibrant.get_calibrant(calibrant)
    cal.wavelength = ai.wavelength

    # noiseless expected counts for monitor == monitor_reference
    rings = cal.fake_calibration_image(ai, Imax=1.0, Imin=0.0, resolution=resolution_deg)
    rings *= peak_counts / max(float(np.nanmax(rings)), 1e-12)
    tth = ai.array_from_unit(typ="center", unit="2th_deg", scale=True)
    solid_angle = ai.solidAngleArray(absolute=False)
    background = background_counts * (0.4 + 1.6 * np.exp(-tth / 6.0)) * solid_angle
    polarization = ai.polarization(factor=0.99)
    shadow = np.where(beamstop_mask(ai), 0.01, 1.0)
    expected = (rings * polarization + background) * shadow
    gaps = ai.detector.mask.astype(bool) if ai.detector.mask is not None else np.zeros(expected.shape, bool)
    expected[gaps] = 0.0

    rng = np.random.default_rng(seed)
    i = np.arange(nframes)
    current = (1.0 - 0.25 * i / max(nframes, 1)) * (1.0 + 0.05 * np.sin(2 * np.pi * i / 7.0))
    monitor = rng.poisson(monitor_reference * current).astype(np.int64)

    with atomic_path(path) as tmp:
        with h5py.File(tmp, "w") as f:
            now = datetime.datetime.now().astimezone()
            f.attrs.update(NX_class="NXroot", creator=DEMO_CREATOR, default="1.1",
                           file_name=str(path), file_time=now.isoformat())
            entry = f.create_group("1.1")
            entry.attrs["NX_class"] = "NXentry"
            entry["title"] = f"loopscan {nframes} 0.1"
            entry["start_time"] = now.isoformat()
            entry["end_time"] = (now + datetime.timedelta(seconds=0.1 * nframes)).isoformat()
            instrument = entry.create_group("instrument")
            instrument.attrs["NX_class"] = "NXinstrument"
            det = instrument.create_group("pilatus")
            det.attrs["NX_class"] = "NXdetector"
            rows, cols = expected.shape
            kwargs = dict(compression=compression, shuffle=True) if compression else {}
            if compression == "gzip":
                kwargs["compression_opts"] = 1
            data = det.create_dataset("data", shape=(nframes, rows, cols), dtype=np.int32,
                                      chunks=(1, rows, cols), **kwargs)
            data.attrs["interpretation"] = "image"
            for k in range(nframes):
                frame = rng.poisson(expected * (monitor[k] / monitor_reference)).astype(np.int32)
                frame[gaps] = -1
                data[k] = frame
            det["type"] = detector
            det["x_pixel_size"] = ai.detector.pixel2
            det["x_pixel_size"].attrs["units"] = "m"
            det["y_pixel_size"] = ai.detector.pixel1
            det["y_pixel_size"].attrs["units"] = "m"
            det["distance"] = float(distance)
            det["distance"].attrs["units"] = "m"
            mon = instrument.create_group("mon")
            mon.attrs["NX_class"] = "NXdetector"
            mon["data"] = monitor
            mono = instrument.create_group("monochromator")
            mono.attrs["NX_class"] = "NXmonochromator"
            mono["energy"] = float(energy_kev)
            mono["energy"].attrs["units"] = "keV"
            mono["wavelength"] = ai.wavelength * 1e10
            mono["wavelength"].attrs["units"] = "angstrom"
            sample = entry.create_group("sample")
            sample.attrs["NX_class"] = "NXsample"
            sample["name"] = calibrant
            measurement = entry.create_group("measurement")
            measurement.attrs["NX_class"] = "NXcollection"
            measurement["pilatus"] = data
            measurement["mon"] = mon["data"]

    with atomic_path(poni_path) as tmp:
        with open(tmp, "w", encoding="utf-8") as fd:
            fd.write(f"# {text_marker(DEMO_CREATOR)}\n")
            PoniFile(ai).write(fd)

    import fabio.edfimage

    with atomic_path(mask_path) as tmp:
        fabio.edfimage.EdfImage(data=beamstop_mask(ai, margin_px=3.0).astype(np.int8),
                                header={"creator": DEMO_CREATOR}).write(str(tmp))

    return {
        "scan_file": str(path),
        "scan_url": f"{path}::{DETECTOR_DATASET}",
        "monitor_url": f"{path}::{MONITOR_DATASET}",
        "poni_path": str(poni_path),
        "mask_path": str(mask_path),
    }


def demo_paths(output_dir: Union[str, Path], name: str = "demo_scan") -> Dict[str, str]:
    """The paths :func:`generate_scan` writes for ``output_dir/name.h5`` (nothing is written)."""
    path = Path(output_dir) / f"{name}.h5"
    return {
        "scan_file": str(path),
        "scan_url": f"{path}::{DETECTOR_DATASET}",
        "monitor_url": f"{path}::{MONITOR_DATASET}",
        "poni_path": str(path.with_suffix(".poni")),
        "mask_path": str(path.with_name(path.stem + "_mask.edf")),
    }


def exists(paths: Dict[str, str]) -> bool:
    """True when every file of a :func:`demo_paths` dict exists."""
    return all(os.path.exists(paths[k]) for k in ("scan_file", "poni_path", "mask_path"))


def count_frames(scan_file: Union[str, Path]) -> int:
    """Number of frames of the demo scan in `scan_file` (-1 if it cannot be read)."""
    import h5py

    try:
        with h5py.File(scan_file, "r") as f:
            return int(f[DETECTOR_DATASET].shape[0])
    except Exception:
        return -1


def generate_demo(output_dir: Union[str, Path]) -> Dict[str, str]:
    """`ewoks demo-data`: the 20-frame LaB6 scan of the powder workflows in `output_dir`."""
    return generate_scan(Path(output_dir) / "demo_scan.h5")
