"""Hand-written widget of the EXAFS Fourier transform: |chi(R)|, plotted with its main peak."""

from __future__ import annotations

from typing import Any, Dict

from ewoks_xas.tasks.exafs import FourierTransform

from .base import EwoksTaskWidget
from .plots import curve, plot_widget


class OWFourierTransform(EwoksTaskWidget, task=FourierTransform):
    """Forward XAFS Fourier transform (xraylarch xftf), with a plot of |chi(R)|."""

    name = "Fourier transform chi(R)"
    icon = "icons/plot.svg"
    want_main_area = True

    def __init__(self) -> None:
        super().__init__()
        self.plot = plot_widget(self.mainArea, "R (Å)", "|chi(R)| (Å^-3)")
        self.chir = None

    def ewoks_show_outputs(self, outputs: Dict[str, Any]) -> None:
        super().ewoks_show_outputs(outputs)
        self.chir = curve(self.plot, outputs.get("r"), outputs.get("chir_mag"), "|chi(R)|", color="#2ca02c")
        peak = outputs.get("peak_r")
        if self.chir is not None and peak is not None:
            import pyqtgraph
            from AnyQt.QtCore import Qt

            pen = pyqtgraph.mkPen("#d62728", width=1, style=Qt.PenStyle.DashLine)
            self.plot.addItem(pyqtgraph.InfiniteLine(float(peak), angle=90, pen=pen))
            self.plot.setTitle(f"main peak at R = {float(peak):.2f} Å")
