"""Typed inputs of the ewoks_xas tasks (pydantic models for the Task API's `input_model=`).

The one place where each input of a task is typed, checked and documented: the tasks declare these
models, and `ewoks tasks --json`, the Orange widget forms and docs/workflows.md read the descriptions
from them. Text converts (``-p kmax=14`` arrives as "14"); an input left empty (None, "") takes its
default. A bad value is refused when the task is built, by a TaskInputError naming the node and the
input. Checks that need the data (e0 inside the energy range, kmax within the data, a real edge) stay
in ewoks_xas.processing and ewoks_xas.io. No heavy imports (``ewoks tasks ewoks_xas`` stays quick).
"""

from __future__ import annotations

import typing
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import AfterValidator, BaseModel, Field, ValidationInfo, field_validator, model_validator

from ..validation import XasInputError, as_integer, as_number, check_choice, check_k_range, check_rbkg, check_window


def _plain(annotation: Any) -> Any:
    """The annotation without Optional[...]."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    return args[0] if typing.get_origin(annotation) is Union and len(args) == 1 else annotation


def _at_least_one(value: int, info: ValidationInfo) -> int:
    if value < 1:
        raise XasInputError(f"input {info.field_name!r}: must be at least 1, got {value}")
    return value


PositiveInt = Annotated[int, AfterValidator(_at_least_one)]
Window = Annotated[str, AfterValidator(check_window)]
Rbkg = Annotated[float, AfterValidator(check_rbkg)]


class XasInputs(BaseModel):
    """Base of the input models: empty means the default; numbers, integers and text convert, by the
    field's type; a Literal field names its choices (and the nearest one) when the value is not one."""

    @field_validator("*", mode="before")
    @classmethod
    def _convert(cls, value: Any, info: ValidationInfo) -> Any:
        name = info.field_name or ""
        field = cls.model_fields[name]
        if field.is_required():  # data (spectrum, paths, files): checked by the step, naming the file
            return value
        if value is None or (isinstance(value, str) and not value.strip()):
            return field.get_default()
        kind = _plain(field.annotation)
        if kind is float:
            return as_number(value, name)
        if kind is int:
            return as_integer(value, name)
        if kind is str:
            return str(value)
        if typing.get_origin(kind) is Literal:
            return check_choice(value, typing.get_args(kind), name)
        return value


class GenerateInputs(XasInputs):
    """Inputs of GenerateDemoSpectra."""

    output_dir: Any = Field(..., description="folder of the simulated scans (created when missing)")
    nscans: PositiveInt = Field(3, description="number of simulated scans (default 3)")
    seed: int = Field(0, description="seed of the simulated counter noise (default 0)")
    fmt: Literal["ascii", "hdf5"] = Field("ascii", description="'ascii' (one .dat file per scan, default) or "
                                                               "'hdf5' (one file, scans /1.1, /2.1, ...)")
    overwrite: bool = Field(False, description="write the scans again even when they exist (default false)")
    paths: Any = Field(None, description="real scans to process instead (nothing is generated): ASCII column "
                                         "files and/or 'file.h5::/N.1' scan URLs")


class ReadInputs(XasInputs):
    """Inputs of ReadSpectra. Columns are names (exact, else any case) or 0-based indices."""

    paths: Any = Field(..., description="a path or a list; HDF5 scans as 'file.h5::/1.1' (a plain .h5 file "
                                        "means all its scans)")
    energy: str = Field("energy", description="energy column (default 'energy')")
    i0: str = Field("I0", description="incident flux column, transmission and fluorescence (default 'I0')")
    it: str = Field("It", description="transmitted flux column, transmission (default 'It')")
    fluo: str = Field("If", description="fluorescence column, fluorescence (default 'If')")
    mu: str = Field("mu", description="mu(E) column, mode 'mu' (default 'mu')")
    mode: Literal["transmission", "fluorescence", "mu"] = Field(
        "transmission", description="'transmission': mu = ln(I0/It) (default); 'fluorescence': If/I0; "
                                    "'mu': the mu column")
    energy_unit: Literal["auto", "eV", "keV"] = Field(
        "auto", description="'eV', 'keV' or 'auto' (default: keV when every energy is below 200)")


class MergeInputs(XasInputs):
    """Inputs of MergeSpectra."""

    spectra: Any = Field(..., description="the scans: a list of spectrum dicts (ReadSpectra's 'spectra')")


SPECTRUM = "spectrum dict of the previous step"


class NormalizeInputs(XasInputs):
    """Inputs of Normalize (larch pre_edge)."""

    spectrum: Any = Field(..., description=f"mu(E): {SPECTRUM} (MergeSpectra)")
    e0: Optional[float] = Field(None, description="edge energy in eV (default: found by larch, max of dmu/dE)")
    pre1: Optional[float] = Field(None, description="start of the pre-edge fit range, eV from e0 (default: larch's)")
    pre2: Optional[float] = Field(None, description="end of the pre-edge fit range, eV from e0 (default: larch's)")
    norm1: Optional[float] = Field(None, description="start of the post-edge fit range, eV from e0 (default: larch's)")
    norm2: Optional[float] = Field(None, description="end of the post-edge fit range, eV from e0 (default: larch's)")
    nnorm: Optional[int] = Field(None, description="degree of the post-edge polynomial (default: larch's)")
    nvict: int = Field(0, description="pre-edge fit of mu*E^nvict (default 0)")
    expected_e0: Optional[float] = Field(None, description="refuse a spectrum whose edge is farther than "
                                                           "e0_tolerance from this energy in eV (wrong element)")
    e0_tolerance: float = Field(20.0, description="allowed distance to expected_e0 in eV (default 20)")


class BackgroundInputs(XasInputs):
    """Inputs of AutoBackground (larch autobk)."""

    spectrum: Any = Field(..., description=f"normalised mu(E): {SPECTRUM} (Normalize; run here when missing)")
    rbkg: Rbkg = Field(1.0, description="R below which the background is removed, in (0, 5) Angstrom "
                                        "(default 1)")
    kweight: float = Field(2.0, description="k weight of the spline fit (default 2)")
    kmin: float = Field(0.0, description="start of the spline's k range in 1/Angstrom (default 0)")
    kmax: Optional[float] = Field(None, description="end of the spline's k range in 1/Angstrom (default: end of "
                                                    "the data)")
    dk: float = Field(0.1, description="window taper width (default 0.1)")
    window: Window = Field("hanning", description="FT window: hanning (default), kaiser, parzen, welch, "
                                                  "gaussian or sine")
    nknots: Optional[int] = Field(None, description="spline knots (default: from rbkg and the k range)")


class FourierInputs(XasInputs):
    """Inputs of FourierTransform (larch xftf)."""

    spectrum: Any = Field(..., description=f"chi(k): {SPECTRUM} (AutoBackground)")
    kmin: float = Field(3.0, description="start of the k range in 1/Angstrom (default 3)")
    kmax: float = Field(14.0, validate_default=True,  # checked against kmin also when not given
                        description="end of the k range in 1/Angstrom, at most 1 beyond the data (default 14)")
    kweight: float = Field(2.0, description="k weight of chi(k) (default 2)")
    dk: float = Field(1.0, description="window taper width (default 1)")
    window: Window = Field("hanning", description="FT window: hanning (default), kaiser, parzen, welch, "
                                                  "gaussian or sine")
    rmax_out: float = Field(10.0, description="largest R of the chi(R) output in Angstrom (default 10)")

    @field_validator("kmax")
    @classmethod
    def _k_range(cls, kmax: float, info: ValidationInfo) -> float:
        if "kmin" in info.data:  # else kmin was refused already
            check_k_range(info.data["kmin"], kmax)
        return kmax


class SaveInputs(XasInputs):
    """Inputs of SaveNexus."""

    spectrum: Any = Field(..., description=f"{SPECTRUM} (FourierTransform)")
    output_file: Any = Field(..., description="the NeXus file (.nxs/.h5), written atomically; an existing file "
                                              "is replaced only when ewoks_xas wrote it")


class PlotInputs(XasInputs):
    """Inputs of PlotExafs: a spectrum, or a saved NeXus file."""

    spectrum: Any = Field(None, description=f"{SPECTRUM} (FourierTransform)")
    nexus_file: Any = Field(None, description="a NeXus file written by SaveNexus (read when there is no "
                                              "spectrum)")
    output_file: Any = Field(None, description="the PNG (default: nexus_file with .png)")
    dpi: PositiveInt = Field(100, description="resolution of the PNG (default 100)")

    @model_validator(mode="after")
    def _something_to_plot(self) -> "PlotInputs":
        if self.spectrum is None and not self.nexus_file:
            raise XasInputError("inputs 'spectrum' and 'nexus_file': give one of them (nothing to plot)")
        if not self.output_file and not self.nexus_file:
            raise XasInputError("input 'output_file': required when plotting a spectrum without 'nexus_file'")
        return self
