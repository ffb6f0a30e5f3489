"""Output tasks: NeXus file (atomic write) and PNG overview plot."""

from __future__ import annotations

from pathlib import Path

from ewoks_core.task import Task

from ..validation import XasInputError


class SaveNexus(Task, input_names=["spectrum", "output_file"], output_names=["nexus_file"]):
    """Save normalised mu(E), chi(k), |chi(R)| and the processing parameters as NeXus (atomic write)."""

    def run(self) -> None:
        from ..nexus import write_nexus

        self.outputs.nexus_file = str(Path(write_nexus(self.inputs.spectrum, self.inputs.output_file)).resolve())


class PlotExafs(Task, optional_input_names=["spectrum", "nexus_file", "output_file", "dpi"],
                output_names=["png_file", "nexus_file"]):
    """Plot normalised mu(E), k^w chi(k) and |chi(R)| to a PNG (from a spectrum or a saved NeXus file).
    Outputs the PNG's path, and the NeXus file's when one was given (so a workflow ending here
    reports both)."""

    def run(self) -> None:
        from ..plot import plot_exafs

        spectrum, nexus_file, output_file = self.inputs.spectrum, self.inputs.nexus_file, self.inputs.output_file
        if not spectrum:
            if not nexus_file:
                raise XasInputError("inputs 'spectrum' and 'nexus_file': give one of them (nothing to plot)")
            from ..nexus import read_nexus

            spectrum = read_nexus(nexus_file)
        if not output_file:
            if not nexus_file:
                raise XasInputError("input 'output_file': required when plotting a spectrum without 'nexus_file'")
            output_file = str(Path(nexus_file).with_suffix(".png"))
        self.outputs.png_file = str(Path(plot_exafs(spectrum, output_file, dpi=int(self.inputs.dpi or 100))).resolve())
        self.outputs.nexus_file = str(Path(nexus_file).resolve()) if nexus_file else None
