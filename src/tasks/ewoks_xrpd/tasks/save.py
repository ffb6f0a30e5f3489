"""Save integration results: NeXus (HDF5) and ASCII .xy files."""

from __future__ import annotations

from ewoks_core.task import Task

_RESULT_INPUTS = ["sigma", "radial_unit", "azimuthal", "azimuthal_unit", "monitor", "frames_url", "start", "stop",
                  "nframes", "integration_config"]


class SaveNexus(Task, input_names=["radial", "intensity"],
                optional_input_names=["output_file", "output_dir", *_RESULT_INPUTS], output_names=["nexus_path"]):
    """Write an integration result (1D patterns or 2D cakes) to a NeXus HDF5 file, atomically.

    Inputs: radial, intensity (from an integration task), sigma, radial_unit, azimuthal(_unit) for
    cakes, monitor, frames_url, start, integration_config; output_file, or output_dir (the file is then
    <scan>_<entry>_integrated.h5, e.g. demo_scan_1.1_integrated.h5). The file has one NXprocess with the
    configuration used and an NXdata (signal intensity, errors, axes with units) readable by silx/h5py.
    Output: nexus_path. On error no file is written (temporary file + rename); a file that ewoks_xrpd
    did not write (a raw scan) is never replaced.
    """

    def run(self) -> None:
        from .._nexus import write_nexus
        from .._urls import resolve_output

        path = resolve_output(self.inputs.output_file, self.inputs.output_dir, self.inputs.frames_url,
                              "_integrated.h5")
        self.outputs.nexus_path = write_nexus(path, self.get_named_input_values())


class SaveAscii(Task, input_names=["radial", "intensity"],
                optional_input_names=["output_folder", "output_dir", *_RESULT_INPUTS],
                output_names=["xy_paths", "xy_folder"]):
    """Write one .xy file per frame (columns radial, intensity, sigma; '#' header) into a folder.

    Inputs: radial, intensity (nframes, npt), sigma, radial_unit, monitor, frames_url, start;
    output_folder, or output_dir (the folder is then <scan>_<entry>_xy). The folder may hold other
    files: they are kept; .xy files ewoks_xrpd wrote there for the same scan are replaced as a set,
    and a file it did not write is never replaced (the task fails first, writing nothing).
    Outputs: xy_paths (list), xy_folder.
    """

    def run(self) -> None:
        import os

        from .._export import write_xy
        from .._urls import output_basename, resolve_output

        folder = resolve_output(self.inputs.output_folder, self.inputs.output_dir, self.inputs.frames_url, "_xy")
        stem = output_basename(self.inputs.frames_url, "frame")
        input_name = "output_folder" if self.inputs.output_folder else "output_dir"
        self.outputs.xy_paths = write_xy(folder, self.get_named_input_values(), stem, input_name)
        self.outputs.xy_folder = os.path.abspath(folder)
