"""Integrate a scan block by block until the averaged pattern is good enough (a self-triggering loop).

One run integrates the next `block_size` frames, adds them to the running sums it received from
its previous run (the self-link carries `sum_intensity`, `sum_variance` and `frames_done`) and
reports whether the averaged pattern reached the target. Link the node to itself with the
condition `{"continue": true}` and to what follows (save, plot) with `{"continue": false}`:
the loop stops as soon as the median relative error of the average is below
`target_relative_error`, or when the scan has no frames left (`converged` tells which).
"""

from __future__ import annotations

from ewoks_core.task import Task

from ._options import task_inputs
from .scan import SCAN_DOCS

_STATE = ["sum_intensity", "sum_variance", "frames_done"]


_INPUTS = task_inputs("IntegrateUntilQualityInputs", 1, ["frames_url", "poni"],
                      ["monitor_url", "start", "block_size", "target_relative_error", "max_frames", *_STATE],
                      docs={**SCAN_DOCS, "block_size": "frames per iteration (2)",
                            "target_relative_error": "median sigma/I of the average over bins with signal (0.01)",
                            "max_frames": "stop after this many frames even if not converged (default: the scan)",
                            "sum_intensity": "loop state (from the node's previous run)",
                            "sum_variance": "loop state", "frames_done": "loop state"})


class IntegrateUntilQuality(Task, input_model=_INPUTS,
                            output_names=["radial", "intensity", "sigma", "radial_unit", "nframes", "start", "stop",
                                          "relative_error", "converged", "continue", "frames_url",
                                          "integration_config", *_STATE]):
    """One iteration of "integrate until the averaged 1D pattern is good enough".

    Inputs: those of IntegrateScan1D (frames_url, poni, monitor_url, integration options; the error
    model must give sigma, "poisson" by default), start (first frame, 0), block_size (frames per
    iteration, 2), target_relative_error (median sigma/I of the average over bins with signal, 0.01),
    max_frames (stop after this many frames even if not converged; default: the whole scan), and the
    loop state sent back by the node's own previous run (sum_intensity, sum_variance, frames_done).
    Outputs: the averaged pattern as a 1-frame result (radial, intensity and sigma of shape (1, npt),
    radial_unit, nframes, start, stop, frames_url, integration_config: ready for SaveNexus/PlotPattern),
    relative_error, converged, continue (another iteration is needed and possible) and the loop state.
    """

    def run(self) -> None:
        from .._quality import integrate_next_block

        result = integrate_next_block(self.get_named_input_values(), progress=lambda p: setattr(self, "progress", p),
                                      cancelled=lambda: self.cancelled)
        if result is None:  # cancelled
            return
        for name in self.output_names():
            setattr(self.outputs, name, result.get(name))
