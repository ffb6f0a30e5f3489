"""Every graph of the ewoks compatibility corpus runs unchanged on every engine, with the results ewoks gives.

The expectations (expected_ewoks_results.json) were recorded by running ewoks itself
(record_ewoks_results.py); deliberate differences are listed in _compat_support.DIFFERENCES and in
docs/format.md ("Compatibility with ewoks").
"""

from __future__ import annotations

import pytest
from _compat_support import (
    case_source,
    check_error,
    compare,
    execute_kwargs,
    expected_cases,
    jsonl_execinfo,
    read_jsonl,
    run_counts_from_events,
)
from corpus import CASES, CorpusCase

from ewoks_core import execute_graph

EXPECTED = expected_cases()


def _engines():
    engines = [("sequential", {}), ("ppf", {"pool_type": "thread"}), ("dask", {"scheduler": "threads"})]
    try:
        import orangecanvas.scheme  # noqa: F401
    except ImportError:
        pass
    else:
        engines.append(("orange", {}))
    return engines


def _is_dag_without_conditions(case: CorpusCase) -> bool:
    return EXPECTED[case.name].get("engine") == "sequential"


def run_and_compare(case: CorpusCase, engine: str, options: dict, tmp_path) -> None:
    expected = EXPECTED[case.name]
    source = case_source(case)
    if "error" in expected:
        check_error(case, expected, lambda: execute_graph(source, engine=engine, **execute_kwargs(case, tmp_path),
                                                          **options))
        return
    events = tmp_path / "events.jsonl"
    result = execute_graph(source, engine=engine, **execute_kwargs(case, tmp_path, execinfo=jsonl_execinfo(events)),
                           **options)
    per_node = execute_graph(case_source(case), engine=engine,
                             **execute_kwargs(case, tmp_path / "all", outputs=[{"all": True}], merge_outputs=False),
                             **options)
    compare(case, expected, result, per_node, run_counts_from_events(read_jsonl(events)))


@pytest.mark.filterwarnings("ignore:workflow input .* is not used:UserWarning")
@pytest.mark.parametrize("engine,options", _engines(), ids=lambda v: v if isinstance(v, str) else "")
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_corpus(case, engine, options, tmp_path):
    if engine == "dask" and EXPECTED[case.name].get("engine") != "sequential" and "error" not in EXPECTED[case.name]:
        if not _dask_can_run(case):
            pytest.skip("cycles: dask runs DAGs only")
    run_and_compare(case, engine, options, tmp_path)


def _dask_can_run(case: CorpusCase) -> bool:
    from ewoks_core.graph import compile_graph, load_graph

    graph = compile_graph(load_graph(case_source(case), **case.load_options()), inputs=case.inputs)
    return not graph.is_cyclic


def test_expectations_cover_the_corpus():
    assert sorted(EXPECTED) == sorted(case.name for case in CASES)
    assert len(CASES) >= 40
