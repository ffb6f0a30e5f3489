"""Conformance kit: example graphs with expected results and node events, and a runner for any engine.

An engine's test suite joins by running every case::

    import pytest
    from ewoks_core.testing import CASES, check_case

    @pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
    def test_conformance(case, tmp_path):
        check_case(case, "myengine", tmp_path)
"""

from .catalogue import CASES, CASES_BY_NAME, Case
from .runner import check_case, run_case

__all__ = ["CASES", "CASES_BY_NAME", "Case", "check_case", "run_case"]
