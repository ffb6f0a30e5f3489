"""Online integration: one frame per task (the per-item node of a stream), then the patterns stacked in order.

Used by workflows/xrpd_online.json: a stream source (ewoks_core.stream.hdf5.Hdf5FrameSource or
ewoks_core.stream.zmq.ZmqFrameSource) yields frames while the scan is written, IntegrateFrame1D runs
for each frame on the engine's workers, StackPatterns receives the patterns in frame order and gives
the outputs of IntegrateScan1D, so the same save/plot tasks follow.
"""

from __future__ import annotations

from ewoks_core.task import Task

from ._options import INTEGRATION_OPTIONS, RESULT_1D


class IntegrateFrame1D(Task, input_names=["frame", "poni"],
                       optional_input_names=["index", "monitor", "frames_url", *INTEGRATION_OPTIONS],
                       output_names=["radial", "intensity", "sigma", "radial_unit", "index", "monitor",
                                     "integration_config"]):
    """Azimuthal integration (1D pattern) of one frame, exactly as IntegrateScan1D integrates it.

    Inputs: frame (2D array), poni, index (frame number, for messages), monitor (this frame's monitor
    value: the pattern is divided by monitor/monitor_reference), and the integration options of
    IntegrateScan1D. The integration setup (geometry, mask, engine) is built once per worker process.
    Outputs: radial, intensity (npt,), sigma, radial_unit, index, monitor, integration_config.
    """

    def run(self) -> None:
        from .._online import integrate_one

        result = integrate_one(self.get_named_input_values())
        for name in self.output_names():
            setattr(self.outputs, name, result.get(name))


class StackPatterns(Task, input_names=["radial", "intensity"],
                    optional_input_names=["sigma", "radial_unit", "monitor", "integration_config", "frames_url",
                                          "monitor_url"],
                    output_names=RESULT_1D):
    """The per-frame patterns of a stream (lists, in frame order) as one scan result.

    Inputs: lists intensity, sigma, monitor (one value per frame, from IntegrateFrame1D through the
    stream's reducer links), radial, radial_unit, integration_config (the first frame's, or one per
    frame), frames_url and monitor_url of the scan.
    Outputs: those of IntegrateScan1D (intensity and sigma of shape (nframes, npt)).
    """

    def run(self) -> None:
        from .._online import stack_patterns

        result = stack_patterns(self.get_named_input_values())
        for name in self.output_names():
            setattr(self.outputs, name, result.get(name))
