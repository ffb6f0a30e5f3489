"""Geometry: PONI file / dict -> JSON-friendly geometry dict -> (cached) pyFAI AzimuthalIntegrator."""

from __future__ import annotations

import enum
import json
import math
import os
import threading
from collections import OrderedDict
from typing import Any, Dict, List, Mapping, Optional

from ._urls import did_you_mean, missing_file_error

KEV_ANGSTROM = 12.398419843320026
"""h*c in keV*Angstrom: wavelength [A] = KEV_ANGSTROM / energy [keV]."""

_GEOMETRY_KEYS = ("poni_version", "dist", "poni1", "poni2", "rot1", "rot2", "rot3", "wavelength", "detector",
                  "detector_config")
_KEY_ALIASES = {"distance": "dist", "energy_kev": "energy", "pixelsize1": "pixel1", "pixelsize2": "pixel2",
                "pixel_size1": "pixel1", "pixel_size2": "pixel2"}
_ACCEPTED_KEYS = set(_GEOMETRY_KEYS) | {"energy", "pixel1", "pixel2", "splinefile", "max_shape",
                                        "orientation"}
_REQUIRED = ("dist", "poni1", "poni2")


def _detector_names() -> List[str]:
    from pyFAI import detectors

    return sorted(detectors.ALL_DETECTORS)


def make_detector(name: str, config: Optional[Mapping[str, Any]] = None, input_name: str = "poni") -> Any:
    """A pyFAI detector by name; unknown names get an error listing the nearest known names."""
    import pyFAI

    key = str(name).lower().replace(" ", "")
    names = _detector_names()
    if key not in names and key.replace("_", "") not in names and key not in ("detector", ""):
        raise ValueError(f"input {input_name!r}: unknown detector {name!r}.{did_you_mean(key, names)} "
                         f"Known detectors: see pyFAI.detectors.ALL_DETECTORS ({len(names)} names).")
    try:
        return pyFAI.detector_factory(name, dict(config) if config else None)
    except Exception as e:  # pyFAI raises RuntimeError with a very long message
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise ValueError(f"input {input_name!r}: cannot create detector {name!r} with config {config!r}: "
                         f"{first}") from None


def _read_poni_file(path: str, input_name: str) -> Dict[str, str]:
    """Parse 'Key: value' lines of a PONI file (keys lower-cased); malformed lines raise ValueError."""
    if not os.path.exists(path):
        raise missing_file_error(path, input_name)
    try:
        with open(path, "r", encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        raise ValueError(f"input {input_name!r}: cannot read PONI file {path!r}: {e}") from None
    values: Dict[str, str] = {}
    for lineno, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        key, sep, value = stripped.partition(":")
        if not sep or not key.strip() or " " in key.strip():
            raise ValueError(f"input {input_name!r}: malformed PONI file {path!r}, line {lineno}: {stripped[:80]!r} "
                             "is not of the form 'Key: value' (e.g. 'Distance: 0.3').")
        values[key.strip().lower()] = value.strip()
    return values


def _check_poni_values(values: Mapping[str, str], path: str, input_name: str) -> None:
    known = {"poni_version", "detector", "detector_config", "distance", "poni1", "poni2", "rot1", "rot2", "rot3",
             "wavelength", "pixelsize1", "pixelsize2", "splinefile", "calibrant"}
    for key in values:
        if key not in known:
            raise ValueError(f"input {input_name!r}: malformed PONI file {path!r}: unknown key {key!r}."
                             f"{did_you_mean(key, sorted(known))}")
    missing = [k for k in ("distance", "poni1", "poni2", "wavelength") if k not in values]
    if "detector" not in values and "pixelsize1" not in values:
        missing.append("detector")
    if missing:
        raise ValueError(f"input {input_name!r}: malformed PONI file {path!r}: missing "
                         f"{', '.join(repr(k.capitalize()) for k in missing)} (a PONI file written by pyFAI-calib2 "
                         "has Detector, Distance, Poni1, Poni2, Rot1-3 and Wavelength).")
    for key in ("distance", "poni1", "poni2", "rot1", "rot2", "rot3", "wavelength", "pixelsize1", "pixelsize2"):
        if key in values:
            try:
                float(values[key])
            except ValueError:
                raise ValueError(f"input {input_name!r}: malformed PONI file {path!r}: {key.capitalize()} is "
                                 f"{values[key]!r}, not a number.") from None
    if "detector_config" in values:
        try:
            json.loads(values["detector_config"])
        except ValueError:
            raise ValueError(f"input {input_name!r}: malformed PONI file {path!r}: Detector_config is not JSON: "
                             f"{values['detector_config'][:80]!r}") from None
    if "detector" in values:
        make_detector(values["detector"], json.loads(values.get("detector_config") or "{}") or None, input_name)


def _normalize_dict(poni: Mapping[str, Any], input_name: str) -> Dict[str, Any]:
    d: Dict[str, Any] = {}
    for key, value in poni.items():
        k = _KEY_ALIASES.get(str(key).lower(), str(key).lower())
        if k not in _ACCEPTED_KEYS:
            raise ValueError(f"input {input_name!r}: unknown geometry key {key!r}."
                             f"{did_you_mean(k, sorted(_ACCEPTED_KEYS | set(_KEY_ALIASES)))} Accepted keys: "
                             f"{sorted(_ACCEPTED_KEYS)} (and 'distance', 'energy_kev').")
        d[k] = value
    if "energy" in d:
        energy = d.pop("energy")
        if d.get("wavelength") is None:
            d["wavelength"] = _wavelength_from_energy(energy, input_name)
    pixel = {k: d.pop(k) for k in ("pixel1", "pixel2", "orientation", "max_shape") if k in d}
    if pixel:
        d.setdefault("detector_config", {}).update(pixel)
    return d


def _wavelength_from_energy(energy: Any, input_name: str) -> float:
    try:
        energy = float(energy)
    except (TypeError, ValueError):
        raise ValueError(f"input {input_name!r}: energy must be a number in keV, got {energy!r}") from None
    if not energy > 0:
        raise ValueError(f"input {input_name!r}: energy must be > 0 keV, got {energy}")
    return KEV_ANGSTROM / energy * 1e-10


def load_geometry(poni: Any, input_name: str = "poni", detector: Optional[str] = None,
                  wavelength: Optional[float] = None, energy: Optional[float] = None) -> Dict[str, Any]:
    """A JSON-friendly pyFAI geometry dict (PONI v2.1 keys) from a PONI file path, a dict or an integrator.

    `detector`, `wavelength` (m) and `energy` (keV) override the values of the PONI file or dict.
    Errors name `input_name` and say what is wrong (missing file, malformed file, unknown detector...).
    """
    from pyFAI.io.ponifile import PoniFile

    if isinstance(poni, os.PathLike):
        poni = os.fspath(poni)
    if isinstance(poni, str):
        values = _read_poni_file(poni, input_name)
        _check_poni_values(values, poni, input_name)
        try:
            config = PoniFile(poni).as_dict()
        except Exception as e:
            raise ValueError(f"input {input_name!r}: malformed PONI file {poni!r}: {type(e).__name__}: {e}") from None
    elif isinstance(poni, Mapping):
        config = _normalize_dict(poni, input_name)
        if config.get("detector") is not None:
            make_detector(config["detector"], config.get("detector_config"), input_name)
    elif hasattr(poni, "get_config"):
        config = dict(poni.get_config())
    else:
        raise ValueError(f"input {input_name!r} must be a PONI file path or a geometry dict "
                         f"(dist, poni1, poni2, rot1-3, wavelength or energy, detector), got {type(poni).__name__}")
    if detector:
        make_detector(detector, None, "detector")
        config["detector"] = detector
        config.pop("detector_config", None)
    if energy is not None:
        config["wavelength"] = _wavelength_from_energy(energy, "energy")
    if wavelength is not None:
        config["wavelength"] = float(wavelength)
    missing = [k for k in _REQUIRED if config.get(k) is None]
    if config.get("wavelength") is None:
        missing.append("wavelength (or energy in keV)")
    if not config.get("detector") and not (config.get("detector_config") or {}).get("pixel1"):
        missing.append("detector")
    if missing:
        raise ValueError(f"input {input_name!r}: geometry lacks {', '.join(missing)}")
    for key in ("dist", "poni1", "poni2", "rot1", "rot2", "rot3", "wavelength"):
        value = config.get(key)
        if value is None:
            config[key] = 0.0
            continue
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"input {input_name!r}: geometry {key!r} must be a number, got {value!r}") from None
        if not math.isfinite(value):
            raise ValueError(f"input {input_name!r}: geometry {key!r} is {value}")
        config[key] = value
    if config["dist"] <= 0 or config["wavelength"] <= 0:
        raise ValueError(f"input {input_name!r}: dist and wavelength must be > 0 (got dist={config['dist']} m, "
                         f"wavelength={config['wavelength']} m)")
    try:
        config = PoniFile(config).as_dict()
    except Exception as e:
        raise ValueError(f"input {input_name!r}: invalid geometry: {type(e).__name__}: {e}") from None
    return _json_friendly(config)


def _json_friendly(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _json_friendly(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_friendly(v) for v in value]
    if isinstance(value, enum.Enum):  # Orientation
        return _json_friendly(value.value)
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return value.item()
    return value


_CACHE: "OrderedDict[str, Any]" = OrderedDict()
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 8


def get_integrator(geometry: Mapping[str, Any]) -> Any:
    """The AzimuthalIntegrator of a geometry dict, shared per process so its integration engines
    (sparse matrices, the slow part) are built once and reused across frames, chunks and tasks."""
    key = json.dumps(_json_friendly(geometry), sort_keys=True)
    with _CACHE_LOCK:
        ai = _CACHE.get(key)
        if ai is not None:
            _CACHE.move_to_end(key)
            return ai
    import pyFAI

    ai = pyFAI.load(dict(geometry))
    if ai.detector.shape is None:  # an old PONI file (pixel sizes only) or a generic detector
        raise ValueError(f"input 'poni': the geometry does not say the detector's size (detector "
                         f"{geometry.get('detector')!r}, no shape): give input 'detector' (e.g. 'Pilatus1M'), or "
                         "a PONI file with a Detector and Detector_config line (pyFAI-calib2 writes them)")
    ai.ewoks_xrpd_engine_lock = threading.Lock()  # see engine_lock()
    with _CACHE_LOCK:
        ai = _CACHE.setdefault(key, ai)
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return ai


def engine_lock(ai: Any) -> Any:
    """A lock to hold while an integrator may build an integration engine (first frame of a task), so
    that chunk tasks running in parallel threads build it once and then integrate concurrently."""
    lock = getattr(ai, "ewoks_xrpd_engine_lock", None)
    if lock is None:
        with _CACHE_LOCK:
            lock = getattr(ai, "ewoks_xrpd_engine_lock", None)
            if lock is None:
                lock = ai.ewoks_xrpd_engine_lock = threading.Lock()
    return lock


def detector_label(ai: Any) -> str:
    """A short human name of the integrator's detector."""
    det = ai.detector
    return getattr(det, "name", None) or type(det).__name__
