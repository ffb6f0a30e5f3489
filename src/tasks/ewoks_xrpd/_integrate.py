"""Integration core shared by the tasks: options validated by their typed model, one integrator, a frame loop."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, Mapping, Optional, Tuple

import numpy as np

from . import DEFAULT_METHOD
from ._frames import load_image
from ._geometry import detector_label, engine_lock, get_integrator, load_geometry
from ._urls import did_you_mean
from .tasks._options import validate_options

_SPLITS = ("no", "bbox", "pseudo", "full")
_ALGOS = ("histogram", "lut", "csr", "csc")
_IMPLS = ("python", "cython", "opencl")


def _missing(value: Any) -> bool:
    from ewoks_core.task import MISSING

    return value is None or value is MISSING


def parse_method(value: Any, dim: int) -> Tuple[Any, Any]:
    """(requested method tuple, pyFAI IntegrationMethod) for 'method' given as a tuple/list or a
    string like 'csc' or 'bbox_csc_cython'; unknown or unavailable methods raise ValueError."""
    try:
        import pyFAI.integrator.load_engines  # noqa: F401  (registers the integration methods)
    except ImportError:  # older pyFAI
        import pyFAI.load_integrators  # noqa: F401
    from pyFAI.method_registry import IntegrationMethod

    if _missing(value):
        value = DEFAULT_METHOD
    if isinstance(value, str):
        parts = tuple(p for p in value.lower().replace("-", "_").replace(",", "_").replace(" ", "_").split("_") if p)
    elif isinstance(value, (list, tuple)):
        parts = tuple(str(p).lower() for p in value)
    else:
        raise ValueError(f"input 'method' must be a string like 'bbox_csc_cython' or a list [split, algorithm, "
                         f"implementation], got {value!r}")
    known = _SPLITS + _ALGOS + _IMPLS
    for part in parts:
        if part not in known:
            raise ValueError(f"input 'method': unknown {part!r} in {value!r}.{did_you_mean(part, known)} Splits: "
                             f"{list(_SPLITS)}, algorithms: {list(_ALGOS)}, implementations: {list(_IMPLS)}")
    try:
        method = IntegrationMethod.select_one_available(parts if len(parts) > 1 else parts[0], dim=dim)
    except Exception as e:
        raise ValueError(f"input 'method': {value!r} is not valid: {e}") from None
    if method is None:
        raise ValueError(f"input 'method': {value!r} is not available here (no OpenCL device?); use e.g. "
                         f"{list(DEFAULT_METHOD)}")
    return parts, method


@dataclass
class IntegrationSetup:
    """Everything needed to integrate frames, validated once; `config` is its JSON record."""

    ai: Any
    geometry: Dict[str, Any]
    dim: int
    npt: int
    npt_azim: int
    unit: str
    method: Any
    error_model: Optional[str]
    polarization_factor: Optional[float]
    correct_solid_angle: bool
    radial_range: Optional[Tuple[float, float]]
    azimuth_range: Optional[Tuple[float, float]]
    mask: Optional[np.ndarray]
    dark: Optional[np.ndarray]
    flat: Optional[np.ndarray]
    monitor_reference: float
    config: Dict[str, Any] = field(default_factory=dict)

    @property
    def detector_shape(self) -> Tuple[int, int]:
        """Shape of the detector images."""
        return tuple(self.ai.detector.shape)

    @property
    def detector_name(self) -> str:
        """Human name of the detector (for messages)."""
        return f"detector {detector_label(self.ai)} (from input 'poni')"


def _describe(value: Any) -> Any:
    if _missing(value):
        return None
    if isinstance(value, (str, os.PathLike)):
        return os.fspath(value)
    return f"array{tuple(np.shape(value))}"


def prepare(inputs: Mapping[str, Any], dim: int) -> IntegrationSetup:
    """Validate the integration inputs of a task (see tasks._options) and build the shared integrator."""
    import pyFAI
    import pyFAI.units

    options = validate_options(inputs, dim)  # typed and checked once (ewoks_xrpd.tasks._options)
    geometry = load_geometry(inputs.get("poni"), "poni")
    ai = get_integrator(geometry)
    shape = tuple(ai.detector.shape)
    npt = options.npt or (1000 if dim == 1 else 500)
    npt_azim = getattr(options, "npt_azim", None) or 360
    unit = options.unit or "q_nm^-1"
    try:
        known = not isinstance(unit, str) or unit in pyFAI.units.RADIAL_UNITS
        unit_obj = pyFAI.units.to_unit(unit) if known else None
    except Exception:
        unit_obj = None
    if unit_obj is None:
        names = list(pyFAI.units.RADIAL_UNITS)
        raise ValueError(f"input 'unit': unknown radial unit {unit!r}.{did_you_mean(str(unit), names)} Common "
                         "units: 'q_nm^-1', 'q_A^-1', '2th_deg', 'd_A', 'r_mm'") from None
    requested, method = parse_method(options.method, dim)
    error_model = None if options.error_model == "none" else options.error_model
    polarization = options.polarization_factor
    user_mask = load_image(options.mask, "mask", shape)
    mask = None
    if user_mask is not None:
        mask = user_mask.astype(bool)
        if ai.detector.mask is not None:
            mask |= ai.detector.mask.astype(bool)  # pyFAI ignores the detector mask when a mask is given
    dark = load_image(options.dark, "dark", shape)
    flat = load_image(options.flat, "flat", shape)
    reference = options.monitor_reference
    setup = IntegrationSetup(
        ai=ai, geometry=geometry, dim=dim, npt=npt, npt_azim=npt_azim, unit=unit_obj.name, method=method,
        error_model=error_model, polarization_factor=polarization,
        correct_solid_angle=options.correct_solid_angle, radial_range=options.radial_range,
        azimuth_range=options.azimuth_range,
        mask=mask, dark=dark, flat=flat, monitor_reference=reference)
    setup.config = {
        "program": "pyFAI", "version": pyFAI.version, "dimension": dim, "geometry": geometry,
        "detector": detector_label(ai), "npt": npt, "npt_azim": npt_azim if dim == 2 else None,
        "unit": unit_obj.name, "method": list(requested), "method_used": [method.split_lower, method.algo_lower,
                                                                           method.impl_lower],
        "error_model": error_model, "polarization_factor": polarization,
        "correct_solid_angle": setup.correct_solid_angle, "radial_range": setup.radial_range,
        "azimuth_range": setup.azimuth_range, "mask": _describe(inputs.get("mask")),
        "dark": _describe(inputs.get("dark")), "flat": _describe(inputs.get("flat")),
        "monitor_reference": reference,
    }
    return setup


def integrate_frame(setup: IntegrationSetup, frame: np.ndarray, normalization: float = 1.0) -> Any:
    """Integrate one frame with pyFAI (integrate1d or integrate2d as set up); returns pyFAI's result."""
    kwargs = dict(unit=setup.unit, method=setup.method, error_model=setup.error_model, mask=setup.mask,
                  dark=setup.dark, flat=setup.flat, polarization_factor=setup.polarization_factor,
                  correctSolidAngle=setup.correct_solid_angle, radial_range=setup.radial_range,
                  azimuth_range=setup.azimuth_range, normalization_factor=normalization)
    if setup.dim == 1:
        return setup.ai.integrate1d(frame, setup.npt, **kwargs)
    return setup.ai.integrate2d(frame, setup.npt, setup.npt_azim, **kwargs)


def integrate_frames(setup: IntegrationSetup, frames: Iterable[Tuple[int, np.ndarray]], nframes: int,
                     monitor: Optional[np.ndarray] = None, progress: Optional[Callable[[float], None]] = None,
                     cancelled: Optional[Callable[[], bool]] = None) -> Optional[Dict[str, Any]]:
    """Integrate `nframes` frames given as (index, frame) pairs, one at a time (bounded memory).

    `monitor[k]` (k-th frame of the iteration) divided by `setup.monitor_reference` is pyFAI's
    normalization factor. Returns a dict (radial, [azimuthal], intensity, sigma, units) or None when
    `cancelled()` became true.
    """
    intensity = sigma = radial = azimuthal = None
    result = None
    last_percent = -1
    for k, (_index, frame) in enumerate(frames):
        if cancelled is not None and cancelled():
            return None
        norm = 1.0 if monitor is None else float(monitor[k]) / setup.monitor_reference
        if intensity is None:  # the first frame may build the integration engine: once per integrator
            with engine_lock(setup.ai):
                result = integrate_frame(setup, frame, norm)
        else:
            result = integrate_frame(setup, frame, norm)
        if intensity is None:
            intensity = np.empty((nframes,) + result.intensity.shape, dtype=result.intensity.dtype)
            if result.sigma is not None:
                sigma = np.empty_like(intensity)
            radial = np.asarray(result.radial)
            if setup.dim == 2:
                azimuthal = np.asarray(result.azimuthal)
        intensity[k] = result.intensity
        if sigma is not None:
            sigma[k] = result.sigma
        if progress is not None:
            percent = int(100 * (k + 1) / nframes)
            if percent != last_percent:
                last_percent = percent
                progress(percent)
    if result is None:
        raise ValueError("no frame to integrate")
    out = {"radial": radial, "intensity": intensity, "sigma": sigma, "radial_unit": setup.unit}
    if setup.dim == 2:
        out["azimuthal"] = azimuthal
        out["azimuthal_unit"] = str(result.azimuthal_unit)
    return out
