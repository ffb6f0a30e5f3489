"""The conformance kit on the reference engine (and its aliases): results, events, and how runs stop."""

import pytest

from ewoks_core.testing import BEHAVIOURS, CASES, check_behaviour, check_case


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_conformance(case, tmp_path):
    check_case(case, "sequential", tmp_path)


@pytest.mark.parametrize("alias", [None, "core"])
def test_engine_aliases(alias, tmp_path):
    check_case(CASES[1], alias, tmp_path)


@pytest.mark.parametrize("behaviour", BEHAVIOURS, ids=lambda b: b.name)
def test_behaviour(behaviour, tmp_path):
    check_behaviour(behaviour, "sequential", tmp_path)
