"""report_lost: the events of a run lost with its worker are completed, whether or not it started."""

from __future__ import annotations

import pytest

from ewoks_core.events.emitter import EventEmitter
from ewoks_core.events.sinks.memory import MemorySink
from ewoks_core.execution import NodeRun, RunContext
from ewoks_core.execution.node import WorkerLostError, report_lost
from ewoks_core.execution.startmarks import StartMarks, clear_mark, mark_started, run_started
from ewoks_core.graph.compiled import Node
from ewoks_core.graph.specs import NodeSpec


class _Owned(MemorySink):
    """A sink as workers rebuild it from the configuration (not relayed)."""

    _ewoks_owned = True


def _setup(tmp_path):
    owned, local = _Owned(), MemorySink()
    ctx = RunContext("wf", EventEmitter([owned, local], job_id="j"))
    node = Node(NodeSpec.from_dict("n", {"task_type": "class", "task_identifier": "mod.Task"}), 0)
    marks = StartMarks(str(tmp_path))
    return ctx, node, marks, owned, local


def _marks(sink):
    return [(e.type, e.error if e.type == "end" else None) for e in sink.events]


def test_started_run_gets_its_end_and_relayed_sinks_their_start(tmp_path):
    ctx, node, marks, owned, local = _setup(tmp_path)
    run = marks.assign(NodeRun("n", {}))
    mark_started(run)  # the worker wrote the start event to the sinks it rebuilt, then died
    outcome = report_lost(node, run, ctx, "test pool", ConnectionError("gone"))
    assert isinstance(outcome.error, WorkerLostError) and "was lost or failed" in str(outcome.error)
    assert _marks(owned) == [("end", True)]
    assert _marks(local) == [("start", None), ("end", True)]


def test_run_lost_before_it_started_gets_start_and_end(tmp_path):
    ctx, node, marks, owned, local = _setup(tmp_path)
    run = marks.assign(NodeRun("n", {}))
    outcome = report_lost(node, run, ctx, "test pool", ConnectionError("gone"))
    assert "was lost with its test pool before it started" in str(outcome.error)
    assert _marks(owned) == _marks(local) == [("start", None), ("end", True)]


def test_run_without_mark_gets_its_end_only(tmp_path):
    ctx, node, _, owned, local = _setup(tmp_path)
    report_lost(node, NodeRun("n", {}), ctx, "test pool", ConnectionError("gone"))
    assert _marks(owned) == _marks(local) == [("end", True)]


def test_remote_run_without_mark_gets_its_start_in_sinks_of_this_process(tmp_path):
    # e.g. a distributed worker: sink objects here only get a run's events with its outcome
    ctx, node, _, owned, local = _setup(tmp_path)
    report_lost(node, NodeRun("n", {}), ctx, "test cluster", ConnectionError("gone"), remote=True)
    assert _marks(owned) == [("end", True)]
    assert _marks(local) == [("start", None), ("end", True)]


def test_marks_are_cleared_when_the_run_returns(tmp_path):
    marks = StartMarks()
    run = marks.assign(NodeRun("n", {}))
    assert run_started(run) is False
    mark_started(run)
    assert run_started(run) is True
    clear_mark(run)
    assert run_started(run) is False
    marks.close()
    assert run_started(NodeRun("n", {})) is None


@pytest.mark.parametrize("exc", [TypeError("cannot pickle '_thread.lock' object")])
def test_unsendable_outputs_add_no_event(tmp_path, exc):
    ctx, node, marks, owned, local = _setup(tmp_path)
    outcome = report_lost(node, marks.assign(NodeRun("n", {})), ctx, "test pool", exc)
    assert "cannot be sent back" in str(outcome.error)
    assert owned.events == local.events == []
