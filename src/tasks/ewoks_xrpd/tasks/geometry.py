"""Load and validate a detector geometry."""

from __future__ import annotations

from ewoks_core.task import Task


class LoadGeometry(Task, input_names=["poni"], optional_input_names=["detector", "energy", "wavelength"],
                   output_names=["geometry", "detector", "detector_shape", "wavelength"]):
    """Load a PONI file (or a geometry dict + detector name) into a validated pyFAI geometry.

    Inputs: poni (PONI file path, or dict with dist, poni1, poni2, rot1-3 [m, rad], wavelength [m]
    or energy [keV], detector), detector (name, overrides), energy (keV) or wavelength (m) overrides.
    Outputs: geometry (JSON-friendly dict, give it to the integration tasks' input 'poni'), detector
    (name), detector_shape ([rows, columns]), wavelength (m). The integrator is built and cached in
    this process, so integration tasks running here reuse it.
    """

    def run(self) -> None:
        from .._geometry import get_integrator, load_geometry

        geometry = load_geometry(self.inputs.poni, "poni", detector=self.inputs.detector or None,
                                 wavelength=self.inputs.wavelength or None, energy=self.inputs.energy or None)
        ai = get_integrator(geometry)
        self.outputs.geometry = geometry
        self.outputs.detector = geometry.get("detector")
        self.outputs.detector_shape = [int(n) for n in ai.detector.shape]
        self.outputs.wavelength = geometry["wavelength"]
