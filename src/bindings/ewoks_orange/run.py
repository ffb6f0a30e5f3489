"""One job on an Orange scheme: the JobState decides, Orange's signal manager delivers.

After a node runs, its outputs are sent on its Orange output channel; the runs the
JobState made ready wait for Orange to deliver the signals of their node (in the order
of Orange's update front: nodes whose upstream nodes have nothing pending). A ready run
of a node that no signal reaches (nothing links it to the node that just ran) starts
at once, and if Orange has nothing to deliver while runs wait, they start in the
JobState's order: the job never waits on Orange.
"""

from __future__ import annotations

import logging
from collections import defaultdict, deque
from typing import Any, Deque, Dict

from ewoks_core.engines.base import EngineOptions, Job
from ewoks_core.engines.deadline import CancelAfter
from ewoks_core.execution import NodeOutcome, NodeRun

from .scheme import OUTPUT_CHANNEL, workflow_scheme
from .signals import JobSignalManager

logger = logging.getLogger(__name__)


class OrangeRun:
    """Executes one job: run, send outputs, let Orange deliver, repeat."""

    def __init__(self, job: Job, options: EngineOptions) -> None:
        self.job = job
        self.deadline = CancelAfter(options.timeout, job.ctx.cancel_event)
        self.workflow = workflow_scheme(job.graph)
        self.manager = JobSignalManager(self.workflow.scheme, self._delivered)
        self.ready: Deque[NodeRun] = deque()  # runs to execute, in order
        self.waiting: Dict[Any, Deque[NodeRun]] = defaultdict(deque)  # node id -> runs waiting for signals

    def execute(self) -> None:
        """Drive the job to its end (the caller's lifecycle reports results and errors)."""
        state, cancel = self.job.state, self.job.ctx.cancel_event
        try:
            with self.deadline:
                self.ready.extend(state.start())
                while True:
                    if state.error is not None or cancel.is_set():
                        if cancel.is_set() and state.error is None:
                            state.cancel(self.deadline.reason)
                        self._discard_all()
                        break
                    if self.ready:
                        self._run(self.ready.popleft())
                    elif self.manager.process_next():  # Orange delivers to one node (see _delivered)
                        continue
                    elif self.waiting:  # nothing left for Orange to deliver: never wait on it
                        logger.debug("orange: %d run(s) not reached by a signal, starting them", len(self.waiting))
                        for runs in self.waiting.values():
                            self.ready.extend(runs)
                        self.waiting.clear()
                    else:
                        break
        finally:
            self._close()

    def _run(self, run: NodeRun) -> None:
        orange_node = self.workflow.nodes[run.node_id]
        orange_node.set_state_flags(orange_node.Running, True)
        try:
            outcome = self.job.run_local(run)
        finally:
            orange_node.set_state_flags(orange_node.Running, False)
        state, cancel = self.job.state, self.job.ctx.cancel_event
        if outcome.failed and cancel.is_set() and state.error is None:
            state.cancel(self.deadline.reason)  # the task stopped because it was told to: report why
        linked = {self.workflow.ids[link.sink_node] for link in
                  self.workflow.scheme.find_links(source_node=orange_node)}
        for ready in state.complete(run.node_id, outcome):
            if ready.node_id in linked:
                self.waiting[ready.node_id].append(ready)
            else:
                self.ready.append(ready)
        self._send(orange_node, outcome)

    def _send(self, orange_node: Any, outcome: NodeOutcome) -> None:
        channel = orange_node.output_channel(OUTPUT_CHANNEL)
        value = outcome.outputs if not outcome.failed else {"error": f"{type(outcome.error).__name__}: {outcome.error}"}
        self.manager.send(orange_node, channel, value)

    def _delivered(self, orange_node: Any) -> None:
        runs = self.waiting.pop(self.workflow.ids[orange_node], None)
        if runs:
            self.ready.extend(runs)

    def _discard_all(self) -> None:
        state = self.job.state
        for run in list(self.ready) + [r for runs in self.waiting.values() for r in runs]:
            state.discard(run.node_id)
        self.ready.clear()
        self.waiting.clear()

    def _close(self) -> None:
        """Orange keeps the last value sent on each channel: the manager drops them with its workflow.
        (Not Scheme.clear(): it loops forever on a scheme whose every node is in a cycle.)"""
        self.manager.set_workflow(None)
