"""Integrate frames that are already in memory (e.g. from ReadFrames)."""

from __future__ import annotations

from ewoks_core.task import Task

from ._options import RESULT_1D, RESULT_2D, task_inputs

_FRAMES = (["frames", "poni"], ["monitor", "frames_url", "start"])
_DOCS = {"frames": "a 2D image or a 3D stack (nframes, rows, cols)", "poni": "PONI file path or geometry dict",
         "monitor": "one value per frame (optional)", "frames_url": "only recorded", "start": "only recorded"}


class _FramesTask(Task):
    _DIM = 1

    def run(self) -> None:
        from .._scan import integrate_array

        result = integrate_array(self.get_named_input_values(), self._DIM,
                                 progress=lambda p: setattr(self, "progress", p), cancelled=lambda: self.cancelled)
        if result is None:  # cancelled
            return
        for name in self.output_names():
            setattr(self.outputs, name, result.get(name))


class IntegrateFrames1D(_FramesTask, input_model=task_inputs("IntegrateFrames1DInputs", 1, *_FRAMES, docs=_DOCS),
                        output_names=RESULT_1D):
    """Azimuthal integration (1D) of frames in memory: a 2D image or a 3D stack (nframes, rows, cols).

    Inputs: frames, poni (PONI path or geometry dict), monitor (optional, one value per frame),
    frames_url/start (optional, only recorded), integration options as IntegrateScan1D.
    Outputs: as IntegrateScan1D.
    """


class IntegrateFrames2D(_FramesTask, input_model=task_inputs("IntegrateFrames2DInputs", 2, *_FRAMES, docs=_DOCS),
                        output_names=RESULT_2D):
    """2D (cake) integration of frames in memory. Inputs and outputs as IntegrateFrames1D/IntegrateScan2D."""

    _DIM = 2
