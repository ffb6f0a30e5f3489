"""Typed inputs of the integration tasks (pydantic models for the Task API's `input_model=`).

`IntegrationOptions` is the one place where each integration option is typed, checked and
documented: the tasks declare it (through `task_inputs`), `ewoks tasks`, the Orange widgets and the
docs read the descriptions from it, and `ewoks_xrpd._integrate.prepare` validates through it. Checks
that need pyFAI (is the unit known, is the method available here) stay in `prepare`. No heavy imports.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Sequence, Tuple, Type

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator

from ewoks_core.task import MISSING


def _given(value: Any) -> bool:
    return value is not None and value is not MISSING


def _positive_int(value: Any, name: str) -> Optional[int]:
    if not _given(value):
        return None
    if isinstance(value, bool) or not hasattr(value, "__index__") or value < 1:
        raise ValueError(f"input {name!r} must be a positive integer, got {value!r}")
    return int(value)


class IntegrationOptions(BaseModel):
    """The pyFAI integration options shared by the 1D integration tasks (all optional)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    npt: Optional[int] = Field(None, description="radial points (default 1000 in 1D, 500 in 2D)")
    unit: Any = Field(None, description='radial unit, pyFAI name (default "q_nm^-1"; "2th_deg", "q_A^-1", '
                                        '"d_A", "r_mm")')
    mask: Any = Field(None, description="extra mask (non-zero = masked): path (EDF/CBF/TIFF/.npy/HDF5 URL) or array;"
                                        " combined with the detector's own mask (module gaps)")
    dark: Any = Field(None, description="dark image: path or array (a 3D HDF5 dataset is averaged)")
    flat: Any = Field(None, description="flat-field image: path or array")
    polarization_factor: Optional[float] = Field(None, description="-1..1 (0.99 for a horizontally polarized "
                                                                   "synchrotron beam); default: none")
    error_model: str = Field("poisson", description='"poisson" (default), "azimuthal", "hybrid" or "none"')
    method: Any = Field(None, description='pyFAI method, e.g. ["bbox", "csc", "cython"] (default) or '
                                          '"bbox_csr_cython"')
    radial_range: Optional[Tuple[float, float]] = Field(None, description="[min, max] in `unit`")
    azimuth_range: Optional[Tuple[float, float]] = Field(None, description="[min, max] in degrees")
    correct_solid_angle: bool = Field(True, description="solid-angle correction (default True)")
    monitor_reference: float = Field(1.0, description="intensities are divided by monitor / monitor_reference "
                                                      "(default 1)")

    @field_validator("npt", mode="before")
    @classmethod
    def _npt(cls, value: Any) -> Optional[int]:
        return _positive_int(value, "npt")

    @field_validator("unit", "mask", "dark", "flat", "method", mode="before")
    @classmethod
    def _optional(cls, value: Any) -> Any:
        return value if _given(value) else None

    @field_validator("polarization_factor", mode="before")
    @classmethod
    def _polarization(cls, value: Any) -> Optional[float]:
        if not _given(value):
            return None
        try:
            factor = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"input 'polarization_factor' must be a number in [-1, 1], got {value!r}") from None
        if not -1.0 <= factor <= 1.0:
            raise ValueError(f"input 'polarization_factor' must be in [-1, 1] (0.99 for a horizontally polarized "
                             f"synchrotron beam), got {factor}")
        return factor

    @field_validator("error_model", mode="before")
    @classmethod
    def _error_model(cls, value: Any) -> str:
        if not _given(value):
            return "poisson"
        if isinstance(value, str) and value.lower() in ("", "none", "no"):
            return "none"  # a string, so that validating again gives the same (None would mean the default)
        if value not in ERROR_MODELS:
            from ewoks_core.errors import did_you_mean

            raise ValueError(f"input 'error_model' must be one of {list(ERROR_MODELS[:-1])} or 'none', got {value!r}."
                             f"{did_you_mean(str(value), ERROR_MODELS)}")
        return value

    @field_validator("radial_range", "azimuth_range", mode="before")
    @classmethod
    def _range(cls, value: Any, info: Any) -> Optional[Tuple[float, float]]:
        if not _given(value):
            return None
        try:
            low, high = (float(v) for v in value)
        except (TypeError, ValueError):
            raise ValueError(f"input {info.field_name!r} must be a pair [min, max], got {value!r}") from None
        if not low < high:
            raise ValueError(f"input {info.field_name!r}: min must be < max, got {value!r}")
        return low, high

    @field_validator("correct_solid_angle", mode="before")
    @classmethod
    def _solid_angle(cls, value: Any) -> bool:
        return True if not _given(value) else bool(value)

    @field_validator("monitor_reference", mode="before")
    @classmethod
    def _reference(cls, value: Any) -> float:
        if not _given(value):
            return 1.0
        try:
            reference = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"input 'monitor_reference' must be a number > 0, got {value!r}") from None
        if not reference > 0:
            raise ValueError(f"input 'monitor_reference' must be > 0, got {reference}")
        return reference


class IntegrationOptions2D(IntegrationOptions):
    """The integration options of the 2D (cake) tasks."""

    npt_azim: Optional[int] = Field(None, description="azimuthal bins of the cake (default 360)")

    @field_validator("npt_azim", mode="before")
    @classmethod
    def _npt_azim(cls, value: Any) -> Optional[int]:
        return _positive_int(value, "npt_azim")


ERROR_MODELS = ("poisson", "azimuthal", "hybrid", "none")
INTEGRATION_OPTIONS = tuple(IntegrationOptions.model_fields)
INTEGRATION_OPTIONS_2D = tuple(IntegrationOptions2D.model_fields)

RESULT_1D = ("radial", "intensity", "sigma", "radial_unit", "nframes", "start", "stop", "monitor", "frames_url",
             "integration_config")
RESULT_2D = RESULT_1D + ("azimuthal", "azimuthal_unit")


def options_model(dim: int) -> Type[IntegrationOptions]:
    """The options model of a 1D or 2D integration."""
    return IntegrationOptions2D if dim == 2 else IntegrationOptions


def task_inputs(name: str, dim: int, required: Sequence[str], optional: Sequence[str] = (),
                docs: Optional[Dict[str, str]] = None) -> Type[IntegrationOptions]:
    """The input model of an integration task: the integration options plus the task's own inputs
    (untyped here: they are URLs, paths or arrays that the task checks with messages naming the file)."""
    docs = docs or {}
    fields: Dict[str, Any] = {key: (Any, Field(..., description=docs.get(key, ""))) for key in required}
    fields.update({key: (Any, Field(None, description=docs.get(key, ""))) for key in optional})
    return create_model(name, __base__=options_model(dim), **fields)


def validate_options(inputs: Mapping[str, Any], dim: int) -> IntegrationOptions:
    """The integration options among `inputs`, checked (ValueError naming the input, as the tasks say it)."""
    from pydantic import ValidationError

    model = options_model(dim)
    try:
        return model.model_validate({key: inputs[key] for key in model.model_fields if key in inputs})
    except ValidationError as e:
        err = e.errors()[0]
        cause = (err.get("ctx") or {}).get("error")
        raise ValueError(str(cause) if cause is not None else f"input {err['loc'][0]!r}: {err['msg']}") from None


def options_doc(dim: int = 1) -> str:
    """One line per integration option, from the model's descriptions."""
    return "\n".join(f"    {key}: {field.description}" for key, field in options_model(dim).model_fields.items())
