"""The engine of canvas runs: the sequential engine, reusing the outcomes of nodes the user did not change.

A run in the canvas executes the whole workflow with ewoks_core's execution (JobState, run_node, events).
Nodes that were not changed since the last run, and whose upstream nodes were not either, give the
outcomes they gave then (in the same order for nodes in loops) instead of running again: changing an
input re-runs that node and what depends on it, as Orange users expect.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Callable, Dict, List, Optional

from ewoks_core.engines.base import Job
from ewoks_core.engines.sequential import SequentialEngine
from ewoks_core.execution import NodeOutcome, NodeRun

Outcomes = Dict[Any, List[NodeOutcome]]


class ReplayJob(Job):
    """A job whose node runs come from `replay` (per node, in run order) while it has them."""

    def __init__(self, job: Job, replay: Outcomes, report: Callable[[Any, NodeOutcome, bool], None]) -> None:
        super().__init__(job.graph, job.state, job.ctx)
        self.replay = replay
        self.report = report
        self.outcomes: Outcomes = defaultdict(list)

    def run_local(self, run: NodeRun) -> NodeOutcome:
        done = self.outcomes[run.node_id]
        previous = self.replay.get(run.node_id)
        replayed = previous is not None and len(done) < len(previous)
        outcome = previous[len(done)] if replayed else super().run_local(run)  # type: ignore[index]
        done.append(outcome)
        self.report(run.node_id, outcome, replayed)
        return outcome


class CanvasEngine(SequentialEngine):
    """The sequential engine under the name of canvas runs (events say engine 'orange-canvas')."""

    name = "orange-canvas"
    description = "runs started in the Orange canvas (sequential, in a worker thread)"


def reusable_outcomes(previous: Outcomes, node_ids: List[Any], links: List[tuple], changed: set) -> Outcomes:
    """The outcomes of the last run that a new run may reuse: nodes neither changed nor downstream of a
    changed node, and whose every run succeeded."""
    successors: Dict[Any, List[Any]] = defaultdict(list)
    for source, target in links:
        successors[source].append(target)
    stale = set()
    stack = [n for n in node_ids if n in changed or n not in previous]
    while stack:
        node = stack.pop()
        if node in stale:
            continue
        stale.add(node)
        stack.extend(successors[node])
    return {n: list(previous[n]) for n in node_ids
            if n not in stale and previous.get(n) and not any(o.failed for o in previous[n])}


def first_error(outcomes: Outcomes) -> Optional[BaseException]:
    """The first error among outcomes (for messages)."""
    for runs in outcomes.values():
        for outcome in runs:
            if outcome.failed:
                return outcome.error
    return None
