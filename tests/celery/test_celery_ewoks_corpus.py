"""A representative part of the ewoks compatibility corpus (tests/compat) through a real Celery worker
(embedded broker and result store): the results ewoks gives, per node and in total."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

COMPAT = Path(__file__).resolve().parent.parent / "compat"
sys.path.insert(0, str(COMPAT))

from _compat_support import case_source, check_error, compare, execute_kwargs, expected_cases  # noqa: E402
from corpus import CASES  # noqa: E402

from ewoks_celery import load_config, submit_graph  # noqa: E402

EXPECTED = expected_cases()
SUBSET = [case for case in CASES if case.celery]


@pytest.fixture(scope="module")
def worker(data_dir, start_worker):
    """`ewoks worker --allow ewoks_compat_tasks` in the embedded mode (a private data folder)."""
    here = Path(__file__).resolve().parent
    return start_worker(None, config=load_config(), cli=True, argv=["--allow", "ewoks_compat_tasks"],
                        env={"EWOKS_DATA_DIR": str(data_dir), "PYTHONPATH": f"{here}:{COMPAT}"})


def test_the_subset_covers_every_kind_of_graph():
    kinds = {case.name.split("_")[0] for case in SUBSET}
    assert {"sub", "ppf", "loop", "cycle", "default", "outputs", "int"} <= kinds


@pytest.mark.parametrize("case", SUBSET, ids=lambda c: c.name)
def test_corpus_on_celery(case, worker, tmp_path):
    expected = EXPECTED[case.name]
    kwargs = execute_kwargs(case, tmp_path)
    if "error" in expected:
        check_error(case, expected, lambda: submit_graph(case_source(case), **kwargs).result(timeout=60))
        return
    future = submit_graph(case_source(case), **kwargs)
    result = future.result(timeout=60)
    counts = {}
    for event in future.events(context="node", type="start"):
        counts[event.node_id] = counts.get(event.node_id, 0) + 1
    per_node = submit_graph(case_source(case), **execute_kwargs(case, tmp_path, outputs=[{"all": True}],
                                                                merge_outputs=False)).result(timeout=60)
    compare(case, expected, result, per_node, counts)


def test_the_flattened_document_keeps_aliases_to_several_nodes():
    """What a client sends: sub-graphs flattened, the graph's own aliases (one naming two nodes) kept."""
    from ewoks_celery.payload import flat_document
    from ewoks_core.graph import load_graph
    from ewoks_core.graph.subgraph import flatten

    inner = {"graph": {"id": "inner", "input_nodes": [{"id": "in", "node": "x"}]},
             "nodes": [{"id": "x", "task_identifier": "ewoks_core.testing.tasks.SumTask"}], "links": []}
    doc = {"graph": {"id": "outer", "input_nodes": [{"id": "in", "node": "a"}, {"id": "in", "node": "g",
                                                                                "sub_node": "in"}]},
           "nodes": [{"id": "a", "task_identifier": "ewoks_core.testing.tasks.SumTask"},
                     {"id": "g", "task_type": "graph", "task_identifier": inner}], "links": []}
    flat = flat_document(flatten(load_graph(doc)), "outer")
    assert flat["graph"]["input_nodes"] == [{"id": "in", "node": "a"}, {"id": "in", "node": ("g", "x")}]
    assert flatten(load_graph(flat)).input_aliases == {"in": [("a", {}), (("g", "x"), {})]}
