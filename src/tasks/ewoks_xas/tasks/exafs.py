"""EXAFS processing tasks: merge scans, normalise (pre_edge), background (autobk), Fourier transform (xftf).

Their options are typed, checked and documented in :mod:`ewoks_xas.tasks._inputs`.
"""

from __future__ import annotations

from typing import Any, Dict

from ewoks_core.task import Task

from .. import processing
from ._inputs import BackgroundInputs, FourierInputs, MergeInputs, NormalizeInputs


def _options(task: Task) -> Dict[str, Any]:
    """The task's validated options: every input but the spectrum (keyword arguments of its step)."""
    return {k: v for k, v in task.get_named_input_values().items() if k != "spectrum"}


class MergeSpectra(Task, input_model=MergeInputs, output_names=["spectrum", "nscans", "spread"]):
    """Merge repeated scans: interpolate onto a common energy grid, average, report the spread (RMS std)."""

    def run(self) -> None:
        spectrum = processing.merge_spectra(self.inputs.spectra)
        self.outputs.spectrum = spectrum
        self.outputs.nscans = spectrum["nscans"]
        self.outputs.spread = spectrum["spread"]


class Normalize(Task, input_model=NormalizeInputs, output_names=["spectrum", "e0", "edge_step", "norm"]):
    """Pre-edge subtraction and normalisation (larch pre_edge): e0, edge step, normalised mu(E)."""

    def run(self) -> None:
        spectrum = processing.normalize(self.inputs.spectrum, **_options(self))
        self.outputs.spectrum = spectrum
        self.outputs.e0 = spectrum["e0"]
        self.outputs.edge_step = spectrum["edge_step"]
        self.outputs.norm = spectrum["norm"]


class AutoBackground(Task, input_model=BackgroundInputs, output_names=["spectrum", "k", "chi"]):
    """Post-edge background removal (larch autobk: rbkg, kweight, k range): chi(k)."""

    def run(self) -> None:
        spectrum = processing.background(self.inputs.spectrum, **_options(self))
        self.outputs.spectrum = spectrum
        self.outputs.k = spectrum["k"]
        self.outputs.chi = spectrum["chi"]


class FourierTransform(Task, input_model=FourierInputs, output_names=["spectrum", "r", "chir_mag", "peak_r"]):
    """Forward XAFS Fourier transform (larch xftf: kmin/kmax, window, kweight, dk): |chi(R)| and its main peak."""

    def run(self) -> None:
        spectrum = processing.fourier_transform(self.inputs.spectrum, **_options(self))
        self.outputs.spectrum = spectrum
        self.outputs.r = spectrum["r"]
        self.outputs.chir_mag = spectrum["chir_mag"]
        self.outputs.peak_r = processing.peak_position(spectrum["r"], spectrum["chir_mag"])
