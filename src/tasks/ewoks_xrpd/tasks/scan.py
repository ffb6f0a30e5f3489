"""Read and integrate a scan frame by frame (streaming: memory does not grow with the scan size)."""

from __future__ import annotations

from ewoks_core.task import Task

from ._options import RESULT_1D, RESULT_2D, task_inputs

SCAN_DOCS = {"frames_url": "the frames: 'scan.h5::/1.1/measurement/pilatus'",
             "poni": "PONI file path or geometry dict",
             "monitor_url": "monitor counter: 'scan.h5::/1.1/measurement/mon' or '::/1.1/measurement/mon' (same "
                            "file); intensities are divided by monitor/monitor_reference",
             "start": "first frame (default 0)", "stop": "end of the frame range (default: all frames)"}
_SCAN = (["frames_url", "poni"], ["monitor_url", "start", "stop"])


class _ScanTask(Task):
    _DIM = 1
    _CHUNKED = False

    def run(self) -> None:
        from .._scan import integrate_scan

        result = integrate_scan(self.get_named_input_values(), self._DIM, chunked=self._CHUNKED,
                                progress=lambda p: setattr(self, "progress", p),
                                cancelled=lambda: self.cancelled)
        if result is None:  # cancelled
            return
        for name in self.output_names():
            setattr(self.outputs, name, result.get(name))


class IntegrateScan1D(_ScanTask, input_model=task_inputs("IntegrateScan1DInputs", 1, *_SCAN, docs=SCAN_DOCS),
                      output_names=RESULT_1D):
    """Azimuthal integration (1D pattern) of every frame of an HDF5 scan, read one frame at a time.

    Inputs: frames_url ('scan.h5::/1.1/measurement/pilatus'), poni (PONI file path or geometry dict),
    monitor_url (optional, 'scan.h5::/1.1/measurement/mon' or '::/1.1/measurement/mon' for the same
    file: intensities are divided by monitor/monitor_reference), start/stop (frame range, default all),
    and the integration options (typed and documented in ewoks_xrpd.tasks._options.IntegrationOptions).
    Outputs: radial (npt,), intensity and sigma (nframes, npt), radial_unit, nframes, start, stop,
    monitor, frames_url, integration_config (JSON-friendly record of everything used).
    """


class IntegrateScan2D(_ScanTask, input_model=task_inputs("IntegrateScan2DInputs", 2, *_SCAN, docs=SCAN_DOCS),
                      output_names=RESULT_2D):
    """2D (cake) integration of every frame of an HDF5 scan, read one frame at a time.

    Same inputs as IntegrateScan1D plus npt_azim (360); npt defaults to 500 radial points. Outputs as
    IntegrateScan1D with intensity and sigma of shape (nframes, npt_azim, npt), plus azimuthal (npt_azim,)
    and azimuthal_unit. The cakes are kept in memory (nframes*npt_azim*npt*4 bytes): split long scans
    with IntegrateChunk2D.
    """

    _DIM = 2
