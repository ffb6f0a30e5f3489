"""Generate a demo powder scan so that a workflow can start from nothing."""

from __future__ import annotations

import os

from ewoks_core.task import Task

DEFAULT_OUTPUT_DIR = "xrpd_demo_output"


_REAL_DATA = ("scan_url", "monitor_url", "poni_path", "mask_path")


class GenerateDemoScan(Task, optional_input_names=["output_dir", "name", "nframes", "calibrant", "detector",
                                                    "energy_kev", "distance", "seed", "overwrite", *_REAL_DATA],
                       output_names=["scan_url", "monitor_url", "poni_path", "mask_path", "scan_file",
                                     "output_dir"]):
    """The scan a workflow processes: a real one when scan_url is given, else a generated demo scan.

    Real data: give scan_url ('scan.h5::/1.1/measurement/pilatus') and poni_path, optionally
    monitor_url and mask_path (mask_path may be null: then only the detector's own mask is used);
    they are passed on unchanged and nothing is generated. Results go to output_dir (default: the
    folder of the scan file).

    Demo data (no scan_url): writes a LaB6 powder scan (Pilatus1M HDF5 scan, PONI file, beam-stop
    mask) unless it exists.

    Inputs (all optional): output_dir ("xrpd_demo_output", relative to the working directory),
    name ("demo_scan": files name.h5, name.poni, name_mask.edf), nframes (20), calibrant ("LaB6"),
    detector ("Pilatus1M"), energy_kev (30), distance (0.3 m), seed (0), overwrite (False).
    Existing files are reused unless overwrite is true or nframes differs from the existing scan.
    Outputs: scan_url (frames URL 'file.h5::/1.1/measurement/pilatus'), monitor_url, poni_path,
    mask_path, scan_file, output_dir (absolute paths).
    """

    def run(self) -> None:
        if self.inputs.scan_url:
            self._real_data()
            return
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

    def _real_data(self) -> None:
        from .._urls import split_url

        scan_file, _ = split_url(self.inputs.scan_url, "scan_url")
        if not self.inputs.poni_path:
            raise ValueError("input 'poni_path' is required with 'scan_url': the geometry of the real scan "
                             "(a PONI file from pyFAI-calib2)")
        for name in _REAL_DATA:
            setattr(self.outputs, name, self.inputs[name] if not self.missing_inputs[name] else None)
        self.outputs.scan_file = os.path.abspath(scan_file)
        self.outputs.output_dir = os.path.abspath(self.inputs.output_dir or os.path.dirname(os.path.abspath(scan_file)))
