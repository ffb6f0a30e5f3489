"""Plot integration results to PNG."""

from __future__ import annotations

from ewoks_core.task import Task


class PlotPattern(Task, optional_input_names=["nexus_path", "radial", "intensity", "output_file", "output_dir",
                                              "radial_unit", "azimuthal", "frames_url", "start", "title"],
                  output_names=["png_path", "nexus_path"]):
    """Plot 1D patterns (mean, first/last frame, all frames as an image) or the mean cake to a PNG.

    Inputs: nexus_path (a file written by SaveNexus) or the arrays radial, intensity (+ radial_unit,
    azimuthal for cakes, frames_url, start); title; output_file, or output_dir (the file is then
    <scan>_<entry>_integrated.png), by default next to nexus_path. Matplotlib is used with the Agg
    canvas only (no pyplot, no display needed). Outputs: png_path, and nexus_path passed through
    when given (so the end of a workflow reports both files).
    """

    def run(self) -> None:
        import os

        from .._plot import plot_result
        from .._urls import resolve_output

        values = self.get_named_input_values()
        output_dir = self.inputs.output_dir
        if not self.missing_inputs.nexus_path:
            from .._nexus import read_nexus

            values = {**read_nexus(self.inputs.nexus_path, "nexus_path"),
                      **{k: v for k, v in values.items() if k in ("title",)}}
            if not output_dir:
                output_dir = os.path.dirname(os.path.abspath(self.inputs.nexus_path))
        elif self.missing_inputs.radial or self.missing_inputs.intensity:
            raise ValueError("give input 'nexus_path' or the inputs 'radial' and 'intensity'")
        path = resolve_output(self.inputs.output_file, output_dir, values.get("frames_url"), "_integrated.png")
        self.outputs.png_path = plot_result(path, values, self.inputs.title or None)
        if not self.missing_inputs.nexus_path:
            self.outputs.nexus_path = os.path.abspath(self.inputs.nexus_path)
