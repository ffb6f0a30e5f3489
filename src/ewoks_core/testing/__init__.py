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

from importlib import import_module
from typing import Any

# Loaded on first use: `ewoks_core.testing.tasks` (tasks of example workflows) must not pull in the
# whole kit (networkx, the case catalogue) when a workflow only runs one of its tasks.
_WHERE = {"check_behaviour": "behaviour_runner", "BEHAVIOURS": "behaviours", "BEHAVIOURS_BY_NAME": "behaviours",
          "Behaviour": "behaviours", "CASES": "catalogue", "CASES_BY_NAME": "catalogue", "Case": "catalogue",
          "check_case": "runner", "run_case": "runner"}

__all__ = ["CASES", "CASES_BY_NAME", "Case", "check_case", "run_case",
           "BEHAVIOURS", "BEHAVIOURS_BY_NAME", "Behaviour", "check_behaviour"]


def __getattr__(name: str) -> Any:
    """The kit's names, imported when first asked for."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
