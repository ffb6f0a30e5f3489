"""Hand-written widget of the XRPD scan integration: the integrated pattern, plotted."""

from __future__ import annotations

from typing import Any, Dict

import numpy

from ewoks_xrpd.tasks.scan import IntegrateScan1D

from .base import EwoksTaskWidget
from .plots import curve, plot_widget


class OWIntegrateScan1D(EwoksTaskWidget, task=IntegrateScan1D):
    """Azimuthal integration of a scan (pyFAI), with a plot of the pattern (mean of the frames)."""

    name = "Integrate scan 1D"
    icon = "icons/plot.svg"
    want_main_area = True

    def __init__(self) -> None:
        super().__init__()
        self.plot = plot_widget(self.mainArea, "radial", "intensity")
        self.pattern = None

    def ewoks_show_outputs(self, outputs: Dict[str, Any]) -> None:
        super().ewoks_show_outputs(outputs)
        intensity = numpy.asarray(outputs.get("intensity"), dtype=float)
        if intensity.ndim == 2:  # one pattern per frame: show their mean
            intensity = intensity.mean(axis=0)
        unit = outputs.get("radial_unit") or "radial"
        self.plot.setLabel("bottom", str(unit))
        nframes = outputs.get("nframes")
        self.pattern = curve(self.plot, outputs.get("radial"), intensity,
                             f"mean of {nframes} frames" if nframes else "pattern")
