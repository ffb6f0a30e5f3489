"""A plot area for hand-written widgets (pyqtgraph, which orange-widget-base installs)."""

from __future__ import annotations

from typing import Any, Optional

import numpy


def plot_widget(parent: Any, x_label: str, y_label: str) -> Any:
    """A pyqtgraph PlotWidget with labelled axes and a legend, added to `parent`'s layout."""
    import pyqtgraph

    plot = pyqtgraph.PlotWidget(parent=parent, background="w")
    plot.setObjectName("ewoks-plot")
    plot.setLabel("bottom", x_label)
    plot.setLabel("left", y_label)
    plot.showGrid(x=True, y=True, alpha=0.3)
    plot.addLegend()
    parent.layout().addWidget(plot)
    return plot


def curve(plot: Any, x: Any, y: Any, name: str, color: str = "#1f77b4", clear: bool = True) -> Optional[Any]:
    """Draw y(x) (None when the values are not 1D arrays of the same length)."""
    import pyqtgraph

    if clear:
        plot.clear()
    try:
        xs, ys = numpy.asarray(x, dtype=float).ravel(), numpy.asarray(y, dtype=float).ravel()
    except (TypeError, ValueError):
        return None
    if xs.size == 0 or xs.size != ys.size:
        return None
    return plot.plot(xs, ys, pen=pyqtgraph.mkPen(color, width=2), name=name)
