"""The conformance kit on both pool types: results, node results and node events of the reference, and
runs that stop as on every engine (timeouts, cancel, Ctrl-C, SIGTERM, killed workers)."""

import pytest
from _ppf_support import POOLS

from ewoks_core.testing import BEHAVIOURS, CASES, CASES_BY_NAME, check_behaviour, check_case


@pytest.mark.parametrize("pool_type", POOLS)
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_conformance(case, pool_type, tmp_path, no_orphans):
    check_case(case, "ppf", tmp_path, pool_type=pool_type)


TRAITS = {"thread": {"abandons"}, "process": {"worker_processes", "abandons"}}  # see ewoks_core.testing.behaviours


@pytest.mark.parametrize("pool_type", POOLS)
@pytest.mark.parametrize("behaviour", BEHAVIOURS, ids=lambda b: b.name)
def test_behaviour(behaviour, pool_type, tmp_path):
    check_behaviour(behaviour, "ppf", tmp_path, traits=TRAITS[pool_type], pool_type=pool_type, max_workers=2)


@pytest.mark.parametrize("pool_type", ["ndprocess", "multiprocessing", "ndmultiprocessing", "billiard"])
@pytest.mark.parametrize("name", ["self_trigger_merge", "on_error_branch", "failing_task"])
def test_other_pypushflow_pools(name, pool_type, tmp_path, no_orphans):
    if pool_type == "billiard":
        pytest.importorskip("billiard")
    check_case(CASES_BY_NAME[name], "ppf", tmp_path, pool_type=pool_type, max_workers=2)


@pytest.mark.slow
@pytest.mark.parametrize("pool_type", ["process", "multiprocessing"])
def test_spawned_workers(pool_type, tmp_path, no_orphans):
    check_case(CASES_BY_NAME["two_exits_one_loop"], "ppf", tmp_path, pool_type=pool_type, context="spawn",
               max_workers=1)
