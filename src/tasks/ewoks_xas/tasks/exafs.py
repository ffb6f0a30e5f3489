"""EXAFS processing tasks: merge scans, normalise (pre_edge), background (autobk), Fourier transform (xftf)."""

from __future__ import annotations

from ewoks_core.task import Task

from .. import processing
from ._util import options

NORMALIZE_FLOATS = ("e0", "pre1", "pre2", "norm1", "norm2", "expected_e0", "e0_tolerance")
BACKGROUND_FLOATS = ("rbkg", "kweight", "kmin", "kmax", "dk")
BACKGROUND_OPTIONS = (*BACKGROUND_FLOATS, "window", "nknots")
FOURIER_FLOATS = ("kmin", "kmax", "kweight", "dk", "rmax_out")
FOURIER_OPTIONS = (*FOURIER_FLOATS, "window")


class MergeSpectra(Task, input_names=["spectra"], output_names=["spectrum", "nscans", "spread"]):
    """Merge repeated scans: interpolate onto a common energy grid, average, report the spread (RMS std)."""

    def run(self) -> None:
        spectrum = processing.merge_spectra(self.inputs.spectra)
        self.outputs.spectrum = spectrum
        self.outputs.nscans = spectrum["nscans"]
        self.outputs.spread = spectrum["spread"]


class Normalize(Task, input_names=["spectrum"],
                optional_input_names=[*NORMALIZE_FLOATS, "nnorm", "nvict"],
                output_names=["spectrum", "e0", "edge_step", "norm"]):
    """Pre-edge subtraction and normalisation (larch pre_edge): e0, edge step, normalised mu(E)."""

    def run(self) -> None:
        kws = options(self, floats=NORMALIZE_FLOATS, ints=["nnorm", "nvict"])
        spectrum = processing.normalize(self.inputs.spectrum, **kws)
        self.outputs.spectrum = spectrum
        self.outputs.e0 = spectrum["e0"]
        self.outputs.edge_step = spectrum["edge_step"]
        self.outputs.norm = spectrum["norm"]


class AutoBackground(Task, input_names=["spectrum"], optional_input_names=list(BACKGROUND_OPTIONS),
                     output_names=["spectrum", "k", "chi"]):
    """Post-edge background removal (larch autobk: rbkg, kweight, k range): chi(k)."""

    def run(self) -> None:
        spectrum = processing.background(
            self.inputs.spectrum, **options(self, floats=BACKGROUND_FLOATS, ints=["nknots"], strs=["window"]))
        self.outputs.spectrum = spectrum
        self.outputs.k = spectrum["k"]
        self.outputs.chi = spectrum["chi"]


class FourierTransform(Task, input_names=["spectrum"], optional_input_names=list(FOURIER_OPTIONS),
                       output_names=["spectrum", "r", "chir_mag", "peak_r"]):
    """Forward XAFS Fourier transform (larch xftf: kmin/kmax, window, kweight, dk): |chi(R)| and its main peak."""

    def run(self) -> None:
        spectrum = processing.fourier_transform(
            self.inputs.spectrum, **options(self, floats=FOURIER_FLOATS, strs=["window"]))
        self.outputs.spectrum = spectrum
        self.outputs.r = spectrum["r"]
        self.outputs.chir_mag = spectrum["chir_mag"]
        self.outputs.peak_r = processing.peak_position(spectrum["r"], spectrum["chir_mag"])
