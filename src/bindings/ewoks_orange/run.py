"""One job on an Orange scheme: the JobState decides, Orange's signal manager delivers.

`OrangeRun(job, options).execute()` drives the job with the shared driver on an inline backend
whose order Orange decides: after a node runs, its outputs are sent on its Orange output
channel; the runs the JobState made ready wait for Orange to deliver the signals of their node
(in the order of Orange's update front: nodes whose upstream nodes have nothing pending). A
ready run of a node that no signal reaches (nothing links it to the node that just ran) starts
at once, and if Orange has nothing to deliver while runs wait, they start in the JobState's
order: the job never waits on Orange.
"""

from __future__ import annotations

import logging
from collections import defaultdict, deque
from typing import Any, Deque, Dict, Set

from ewoks_core.engines.base import Job, RunOptions
from ewoks_core.engines.driver import Backend, Finished, drive
from ewoks_core.execution import NodeOutcome, NodeRun

from .scheme import OUTPUT_CHANNEL, workflow_scheme
from .signals import JobSignalManager

logger = logging.getLogger(__name__)


class OrangeRun(Backend):
    """Executes one job: run, send outputs, let Orange deliver, repeat (an inline driver backend)."""

    name = "orange"
    in_process = True
    runs_in_caller = True

    def __init__(self, job: Job, options: RunOptions) -> None:
        self.job, self.options = job, options
        self.workflow = workflow_scheme(job.graph)
        self.manager = JobSignalManager(self.workflow.scheme, self._delivered)
        self.ready: Deque[NodeRun] = deque()  # runs to execute, in order
        self.waiting: Dict[Any, Deque[NodeRun]] = defaultdict(deque)  # node id -> runs waiting for signals
        self.linked: Set[Any] = set()  # nodes linked from the node that ran last
        self.halted = False
        self.interrupted: Deque[NodeRun] = deque()  # by Ctrl-C: it has its end event (run_node)

    def execute(self) -> None:
        """Drive the job to its end (the caller's lifecycle reports results and errors)."""
        try:
            drive(self.job, self.options, self)
        finally:
            self._close()

    def submit(self, run: NodeRun) -> None:
        if run.node_id in self.linked:
            self.waiting[run.node_id].append(run)
        else:
            self.ready.append(run)

    def wait(self, timeout: float) -> Finished:
        if self.halted:  # nothing new starts
            queued = list(self.interrupted) + list(self.ready) + [r for rs in self.waiting.values() for r in rs]
            self.interrupted.clear()
            self.ready.clear()
            self.waiting.clear()
            return [(run, None) for run in queued]
        while not self.ready:
            if self.manager.process_next():  # Orange delivers to one node (see _delivered)
                continue
            if not self.waiting:
                raise RuntimeError("orange: the driver waits for a run that is not queued")
            logger.debug("orange: %d run(s) not reached by a signal, starting them", len(self.waiting))
            for runs in self.waiting.values():  # nothing left for Orange to deliver: never wait on it
                self.ready.extend(runs)
            self.waiting.clear()
        run = self.ready.popleft()
        try:
            return [(run, self._run(run))]
        except BaseException:  # KeyboardInterrupt: the driver stops the job
            self.interrupted.append(run)
            raise

    def stop(self, cancel: bool) -> None:
        self.halted = True

    def _run(self, run: NodeRun) -> NodeOutcome:
        orange_node = self.workflow.nodes[run.node_id]
        orange_node.set_state_flags(orange_node.Running, True)
        try:
            outcome = self.job.run_local(run)
        finally:
            orange_node.set_state_flags(orange_node.Running, False)
        self.linked = {self.workflow.ids[link.sink_node] for link in
                       self.workflow.scheme.find_links(source_node=orange_node)}
        channel = orange_node.output_channel(OUTPUT_CHANNEL)
        value = outcome.outputs if not outcome.failed else {"error": f"{type(outcome.error).__name__}: {outcome.error}"}
        self.manager.send(orange_node, channel, value)
        return outcome

    def _delivered(self, orange_node: Any) -> None:
        runs = self.waiting.pop(self.workflow.ids[orange_node], None)
        if runs:
            self.ready.extend(runs)

    def _close(self) -> None:
        """Orange keeps the last value sent on each channel: the manager drops them with its workflow.
        (Not Scheme.clear(): it loops forever on a scheme whose every node is in a cycle.)"""
        self.manager.set_workflow(None)
