"""The conformance kit on the orange engine: results, node results and node events of the reference."""

import pytest

from ewoks_core.testing import CASES, check_case


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_conformance(case, tmp_path):
    check_case(case, "orange", tmp_path)
