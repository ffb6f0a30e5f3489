"""Read frames of an HDF5 scan into memory (for small stacks; IntegrateScan1D streams instead)."""

from __future__ import annotations

from ewoks_core.task import Task


class ReadFrames(Task, input_names=["frames_url"], optional_input_names=["start", "stop", "monitor_url", "poni"],
                 output_names=["frames", "monitor", "frames_url", "start", "stop", "nframes"]):
    """Read frames [start, stop) of an HDF5 scan ('scan.h5::/1.1/measurement/pilatus') into an array.

    Inputs: frames_url, start/stop (default: all frames), monitor_url (optional counter, same URL
    syntax; '::/path' = same file), poni (optional: check the frame shape against its detector).
    Outputs: frames (nframes, rows, columns), monitor (or None), frames_url, start, stop, nframes.
    The whole range is loaded: keep it small or use IntegrateScan1D / IntegrateChunk1D.
    """

    def run(self) -> None:
        from .._frames import FrameStack, read_counter, resolve_range

        shape = detector = None
        if not self.missing_inputs.poni:
            from .._geometry import detector_label, get_integrator, load_geometry

            ai = get_integrator(load_geometry(self.inputs.poni, "poni"))
            shape, detector = ai.detector.shape, f"detector {detector_label(ai)} (from input 'poni')"
        with FrameStack(self.inputs.frames_url, "frames_url", shape, detector or "the detector") as stack:
            start, stop = resolve_range(self.get_input_value("start", None), self.get_input_value("stop", None),
                                        stack.nframes, stack.url)
            monitor = None
            if not self.missing_inputs.monitor_url:
                monitor = read_counter(self.inputs.monitor_url, "monitor_url", stack.nframes,
                                       default_file=stack.filename, h5file=stack.h5file)[start:stop]
            self.outputs.frames = stack.read_range(start, stop)
            self.outputs.frames_url = stack.url
        self.outputs.monitor = monitor
        self.outputs.start, self.outputs.stop, self.outputs.nframes = start, stop, stop - start
