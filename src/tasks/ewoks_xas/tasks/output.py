"""Output tasks: NeXus file (atomic write) and PNG overview plot."""

from __future__ import annotations

from pathlib import Path

from ewoks_core.task import Task

from ._inputs import PlotInputs, SaveInputs


class SaveNexus(Task, input_model=SaveInputs, output_names=["nexus_file"]):
    """Save normalised mu(E), chi(k), |chi(R)| and the processing parameters as NeXus (atomic write)."""

    def run(self) -> None:
        from ..nexus import write_nexus

        self.outputs.nexus_file = str(Path(write_nexus(self.inputs.spectrum, self.inputs.output_file)).resolve())


class PlotExafs(Task, input_model=PlotInputs, output_names=["png_file", "nexus_file"]):
    """Plot normalised mu(E), k^w chi(k) and |chi(R)| to a PNG (from a spectrum or a saved NeXus file).
    Outputs the PNG's path, and the NeXus file's when one was given (so a workflow ending here
    reports both)."""

    def run(self) -> None:
        from ..plot import plot_exafs

        spectrum, nexus_file, output_file = self.inputs.spectrum, self.inputs.nexus_file, self.inputs.output_file
        if spectrum is None:  # PlotInputs: then nexus_file is given
            from ..nexus import read_nexus

            spectrum = read_nexus(nexus_file)
        if not output_file:  # PlotInputs: then nexus_file is given
            output_file = str(Path(nexus_file).with_suffix(".png"))
        self.outputs.png_file = str(Path(plot_exafs(spectrum, output_file, dpi=self.inputs.dpi)).resolve())
        self.outputs.nexus_file = str(Path(nexus_file).resolve()) if nexus_file else None
