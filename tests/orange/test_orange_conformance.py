"""The conformance kit on the orange engine: results, node results and node events of the reference,
and runs that stop as on every engine."""

import pytest

from ewoks_core.testing import BEHAVIOURS, CASES, check_behaviour, check_case


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_conformance(case, tmp_path):
    check_case(case, "orange", tmp_path)


@pytest.mark.parametrize("behaviour", BEHAVIOURS, ids=lambda b: b.name)
def test_behaviour(behaviour, tmp_path):
    check_behaviour(behaviour, "orange", tmp_path)
