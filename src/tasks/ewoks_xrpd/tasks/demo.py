"""Generate a demo powder scan so that a workflow can start from nothing."""

from __future__ import annotations

import os

from ewoks_core.task import Task

DEFAULT_OUTPUT_DIR = "xrpd_demo_output"


class GenerateDemoScan(Task, optional_input_names=["output_dir", "name", "nframes", "calibrant", "detector",
                                                    "energy_kev", "distance", "seed", "overwrite"],
                       output_names=["scan_url", "monitor_url", "poni_path", "mask_path", "scan_file",
                                     "output_dir"]):
    """Write a demo LaB6 powder scan (Pilatus1M HDF5 scan, PONI file, beam-stop mask) unless it exists.

    Inputs (all optional): output_dir ("xrpd_demo_output", relative to the working directory),
    name ("demo_scan": files name.h5, name.poni, name_mask.edf), nframes (20), calibrant ("LaB6"),
    detector ("Pilatus1M"), energy_kev (30), distance (0.3 m), seed (0), overwrite (False).
    Existing files are reused unless overwrite is true or nframes differs from the existing scan.
    Outputs: scan_url (frames URL 'file.h5::/1.1/measurement/pilatus'), monitor_url, poni_path,
    mask_path, scan_file, output_dir (absolute paths).
    """

    def run(self) -> None:
        from .. import demo_data

        output_dir = os.path.abspath(self.inputs.output_dir or DEFAULT_OUTPUT_DIR)
        paths = demo_data.demo_paths(output_dir, self.inputs.name or "demo_scan")
        nframes = self.inputs.nframes or None
        if self.inputs.overwrite or not demo_data.exists(paths) or \
                (nframes is not None and demo_data.count_frames(paths["scan_file"]) != nframes):
            options = {name: self.inputs[name] for name in ("calibrant", "detector", "energy_kev", "distance",
                                                            "seed") if name in self.inputs}
            paths = demo_data.generate_scan(paths["scan_file"], nframes=nframes or 20, **options)
        for name, value in paths.items():
            setattr(self.outputs, name, value)
        self.outputs.output_dir = output_dir
