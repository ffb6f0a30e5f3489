"""Conformance kit: example graphs with expected results and node events, how runs stop, and
runners for any engine.

An engine's test suite joins by running every case and every behaviour::

    import pytest
    from ewoks_core.testing import BEHAVIOURS, CASES, check_behaviour, check_case

    @pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
    def test_conformance(case, tmp_path):
        check_case(case, "myengine", tmp_path)

    @pytest.mark.parametrize("behaviour", BEHAVIOURS, ids=lambda b: b.name)
    def test_behaviour(behaviour, tmp_path):
        check_behaviour(behaviour, "myengine", tmp_path, traits={"abandons"})
"""

from .behaviour_runner import check_behaviour
from .behaviours import BEHAVIOURS, BEHAVIOURS_BY_NAME, Behaviour
from .catalogue import CASES, CASES_BY_NAME, Case
from .runner import check_case, run_case

__all__ = ["CASES", "CASES_BY_NAME", "Case", "check_case", "run_case",
           "BEHAVIOURS", "BEHAVIOURS_BY_NAME", "Behaviour", "check_behaviour"]
