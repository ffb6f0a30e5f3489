"""Task that reads mu(E) spectra from ASCII column files or HDF5 scans."""

from __future__ import annotations

from ewoks_core.task import Task

from ..io import expand_sources, read_spectrum
from ._inputs import ReadInputs


class ReadSpectra(Task, input_model=ReadInputs, output_names=["spectra", "nspectra"]):
    """Read mu(E) from ASCII columns or HDF5 counters (transmission ln(I0/It), fluorescence If/I0, or a mu column).

    ``paths``: a path or list; HDF5 scans as ``file.h5::/1.1`` (a plain .h5 file means all its scans).
    Columns (``energy``, ``i0``, ``it``, ``fluo``, ``mu``) are names or 0-based indices.
    """

    def run(self) -> None:
        options = {k: v for k, v in self.get_named_input_values().items() if k != "paths"}
        sources = expand_sources(self.inputs.paths)
        spectra = []
        for i, source in enumerate(sources):
            spectra.append(read_spectrum(source, **options))
            self.progress = 100.0 * (i + 1) / len(sources)
        self.outputs.spectra = spectra
        self.outputs.nspectra = len(spectra)
