"""IntegrateUntilQuality: the loop state, the stop criterion and the averaged pattern."""

from __future__ import annotations

import numpy as np
import pytest
from _xrpd_support import NFRAMES

from ewoks_core import execute_graph
from ewoks_core.testing.builders import graph, link, node

STEP = "ewoks_xrpd.tasks.quality.IntegrateUntilQuality"
STATE = {"sum_intensity": "sum_intensity", "sum_variance": "sum_variance", "frames_done": "frames_done"}


def loop_graph(inputs: dict) -> dict:
    return graph("quality", [node("step", STEP, inputs, force_start_node=True)],
                 [link("step", "step", STATE, conditions=[{"source_output": "continue", "value": True}])])


def test_average_equals_the_mean_of_the_frames(integration_inputs):
    from ewoks_xrpd.tasks.scan import IntegrateScan1D

    every = IntegrateScan1D(inputs=integration_inputs).execute()
    # an unreachable target: the loop runs until the scan has no frames left
    result = execute_graph(loop_graph({**integration_inputs, "block_size": 4, "target_relative_error": 1e-9}),
                           outputs=[{"all": True}])
    assert result["frames_done"] == NFRAMES and result["converged"] is False and result["continue"] is False
    np.testing.assert_allclose(result["intensity"][0], every["intensity"].mean(axis=0), rtol=1e-6)
    expected_sigma = np.sqrt((every["sigma"].astype(np.float64) ** 2).sum(axis=0)) / NFRAMES
    np.testing.assert_allclose(result["sigma"][0], expected_sigma, rtol=1e-5)
    assert result["start"] == 0 and result["stop"] == NFRAMES


def test_stops_as_soon_as_the_target_is_reached(integration_inputs):
    one = execute_graph(loop_graph({**integration_inputs, "block_size": 1, "target_relative_error": 1e-9,
                                    "max_frames": 1}), outputs=[{"all": True}])
    target = one["relative_error"] / np.sqrt(2.5)  # needs 3 frames (error ~ 1/sqrt(n))
    result = execute_graph(loop_graph({**integration_inputs, "block_size": 1, "target_relative_error": target}),
                           outputs=[{"all": True}])
    assert result["converged"] is True and result["frames_done"] == 3
    assert result["relative_error"] <= target


def test_no_sigma_is_a_clear_error(integration_inputs):
    with pytest.raises(Exception, match="error_model"):
        execute_graph(loop_graph({**integration_inputs, "error_model": "none"}))
