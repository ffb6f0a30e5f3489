"""Runs decided up front (execution/plan.py): which workflows are planned, and the inputs a planned
run assembles in a worker are those the JobState gives the same run."""

from __future__ import annotations

from typing import Any, Dict

import numpy
import pytest

from ewoks_core.engines.lifecycle import prepare_job
from ewoks_core.engines.sequential import SequentialEngine
from ewoks_core.execution.plan import planned_inputs, static_plan
from ewoks_core.graph import compile_graph, load_graph
from ewoks_core.testing import CASES
from ewoks_core.testing.builders import cond, graph, link, node


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, numpy.ndarray) or isinstance(b, numpy.ndarray):
        return bool(numpy.array_equal(a, b))
    return bool(a == b)


def _plannable(case: Any) -> bool:
    try:  # cases whose sub-graphs are files the runner writes first are left out
        return not case.refused and static_plan(compile_graph(load_graph(case.graph))) is not None
    except Exception:
        return False


PLANNED = [case for case in CASES if _plannable(case)]


def test_some_cases_are_planned_and_conditional_ones_are_not() -> None:
    assert len(PLANNED) >= 5
    conditional = graph("c", [node("a", "SumTask", {"a": 1}), node("b", "SumTask")],
                        [link("a", "b", {"result": "a"}, conditions=cond(result=1))])
    on_error = graph("e", [node("a", "SumTask", {"a": 1}), node("b", "SumTask")],
                     [link("a", "b", None, on_error=True)])
    for doc in (conditional, on_error):
        assert static_plan(compile_graph(load_graph(doc))) is None
    plain = compile_graph(load_graph(graph("p", [node("a", "SumTask", {"a": 1})], [])))
    assert static_plan(plain) is not None
    assert static_plan(plain, varinfo={"root_uri": "/tmp/x"}) is None  # cached results: dynamic


@pytest.mark.parametrize("case", PLANNED, ids=lambda c: c.name)
def test_planned_inputs_are_the_schedules(case: Any) -> None:
    compiled = compile_graph(load_graph(case.graph))
    plan = static_plan(compiled)
    assert plan is not None
    job, _, _ = prepare_job(SequentialEngine(), compiled, check_tasks=False)
    state = job.state
    inputs: Dict[Any, Dict[Any, Any]] = {}
    outputs: Dict[Any, Dict[str, Any]] = {}
    ready = state.start()
    while ready:
        run = ready.pop(0)
        inputs[run.node_id] = run.inputs
        outcome = job.run_local(run)
        outputs[run.node_id] = outcome.outputs or {}
        if outcome.error is not None:
            break  # the job fails here: nodes after it never run, planned or not
        ready += state.complete(run, outcome)
    for planned in plan:
        if planned.node_id not in inputs:
            continue
        if any(source not in outputs for source in planned.sources):
            continue
        mine = planned_inputs(planned, [outputs[source] for source in planned.sources])
        assert _same(mine, inputs[planned.node_id]), planned.node_id
