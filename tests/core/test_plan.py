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


def _plan(doc: dict, **kwargs: Any) -> Any:
    plan = static_plan(compile_graph(load_graph(doc)), **kwargs)
    return None if plan is None else {planned.node_id: planned.urgent for planned in plan}


def test_some_cases_are_planned() -> None:
    assert len(PLANNED) >= 5
    plain = graph("p", [node("a", "SumTask", {"a": 1})], [])
    assert _plan(plain) == {"a": False}
    assert _plan(plain, varinfo={"root_uri": "/tmp/x"}) is None  # cached results: dynamic


def test_the_plan_ends_before_conditions_and_error_handler_targets() -> None:
    """a -> b -> (condition) c -> d: a and b are planned, b is urgent (c waits for its outcome)."""
    nodes = [node("a", "SumTask", {"a": 1}), node("b", "SumTask"), node("c", "SumTask"), node("d", "SumTask")]
    conditional = graph("c", nodes, [link("a", "b", {"result": "a"}),
                                     link("b", "c", {"result": "a"}, conditions=cond(result=1)),
                                     link("c", "d", {"result": "a"})])
    assert _plan(conditional) == {"a": False, "b": True}
    on_error = graph("e", nodes[:3], [link("a", "b", {"result": "a"}), link("b", "c", None, on_error=True)])
    assert _plan(on_error) == {"a": False, "b": True}


def test_plain_links_of_a_node_with_an_error_handler() -> None:
    """b's plain link to c is required (c never runs when b failed into its handler): c is planned; a
    link that is not required lets d run without b's data when b failed: decided while the job runs."""
    nodes = [node("a", "SumTask", {"a": 1}), node("b", "SumTask"), node("h", "SumTask"), node("c", "SumTask"),
             node("d", "SumTask", {"b": 1})]
    links = [link("a", "b", {"result": "a"}), link("b", "h", None, on_error=True),
             link("b", "c", {"result": "a"}), link("b", "d", {"result": "a"}, required=False)]
    assert _plan(graph("h", nodes, links)) == {"a": False, "b": True, "c": False}


def test_cycles_and_what_follows_them_are_not_planned() -> None:
    nodes = [node("a", "SumTask", {"a": 1}), node("b", "SumTask"), node("c", "SumTask"), node("d", "SumTask")]
    links = [link("a", "b", {"result": "a"}), link("b", "c", {"result": "a"}),
             link("c", "b", {"result": "a"}, conditions=cond(result=1)), link("c", "d", {"result": "a"})]
    assert _plan(graph("l", nodes, links)) == {"a": True}


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
