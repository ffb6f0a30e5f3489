"""JobState: the reference semantics of DESIGN.md as a state machine every engine drives.

An engine's driver (ewoks_core.engines.driver) asks `start()` for the first ready
runs, has them executed however the engine likes (in order, on threads, processes,
a cluster), and reports each result with `complete(run, outcome)`, which returns the
runs that became ready. Only this class decides when a node runs, with which inputs,
and when it is skipped. It implements the driver's `Schedule` protocol.

Rules (see docs/semantics.md):
- a link fires when its source finishes (on_error links: when it failed;
  others: when it succeeded and all conditions hold);
- a node is triggered by a firing link (start nodes once, at the start);
- it runs when every required link has delivered at least once, and no link
  from outside its cycle is still pending (its source may still fire it);
- links inside a cycle are never waited for; when a run is queued the node's
  trigger state resets: data of required and cache_if_optional links is kept,
  data of other optional links is used once; data that fired for this run
  overrides data kept from earlier runs (then link order decides);
- a link that fires while its target runs triggers the target's next run;
- a node whose sources have all finished without triggering it is skipped.
"""

from __future__ import annotations

from collections import deque
from typing import Any, Deque, Dict, List, Optional, Set

from ..errors import MaxIterationsError, TaskFailedError, WorkflowCancelled
from ..graph.compiled import CompiledGraph, Link
from .links import error_outputs, link_data, link_fires
from .outcome import NodeOutcome, NodeRun

DEFAULT_MAX_ITERATIONS = 10_000


class _NodeState:
    """The counters of one node. What is per link (its data, whether it fired or delivered) lives in
    per-job arrays indexed by link (JobState._data, _fired, _delivered): one object per node for the
    cyclic garbage collector to scan during the run, instead of a dict and two sets."""

    __slots__ = ("runs", "busy", "start_pending", "missing_required", "waiting", "fired", "link_inputs", "backlog")

    def __init__(self) -> None:
        self.runs = 0
        self.busy = False
        self.start_pending = False
        self.missing_required = 0
        self.waiting = 0
        self.fired = 0  # incoming links that fired since the node's last run was queued
        self.link_inputs: Optional[dict] = None  # of the last run, kept for nodes with error handlers
        # a link that fires again before a run used its data: each firing gets its own run, in order
        self.backlog: Optional[Dict[int, Deque[tuple]]] = None


class JobState:
    """Scheduling state of one workflow execution (not thread-safe: engines serialize calls)."""

    def __init__(self, graph: CompiledGraph, *, max_iterations: int = DEFAULT_MAX_ITERATIONS,
                 keep_outputs: Optional[Set[Any]] = None) -> None:
        self.graph = graph
        self.max_iterations = max_iterations
        self.keep_outputs = keep_outputs
        self.outputs: Dict[Any, Dict[str, Any]] = {}
        self.output_uris: Dict[Any, Optional[dict]] = {}
        self.error: Optional[BaseException] = None
        self.active = 0
        self.executed: List[Any] = []
        self._ready: Deque[NodeRun] = deque()
        nodes = graph.nodes
        self._state: Dict[Any, _NodeState] = {nid: _NodeState() for nid in nodes}
        nlinks = len(graph.links)
        # per link: the data it delivered and not yet used up, whether it fired since its target's last
        # run was queued, whether it delivered at least once (required links); URIs: few jobs have any
        self._data: List[Optional[dict]] = [None] * nlinks
        self._fired = bytearray(nlinks)
        self._delivered = bytearray(nlinks)
        self._uris: Optional[Dict[int, dict]] = None
        nscc = len(graph.scc_members)
        self._scc_busy = [0] * nscc
        self._scc_finished = [False] * nscc
        self._scc_pending_preds = [0] * nscc
        # the links leaving each SCC: a singleton SCC without a self-loop shares its node's list
        self._scc_out: List[List[Link]] = [[] for _ in range(nscc)] if graph.cyclic_sccs else [
            nodes[members[0]].outgoing for members in graph.scc_members]
        for link in graph.links:
            state = self._state[link.target]
            if link.required:
                state.missing_required += 1
            if not link.internal:
                state.waiting += 1
                if graph.cyclic_sccs:
                    self._scc_out[nodes[link.source].scc].append(link)
        for out in self._scc_out:
            for t in {nodes[link.target].scc for link in out}:
                self._scc_pending_preds[t] += 1

    # -- engine interface --------------------------------------------------------------
    def start(self) -> List[NodeRun]:
        """The runs to start with: every start node once."""
        for nid in self.graph.start_nodes:
            self._state[nid].start_pending = True
            self._evaluate(nid)
        self._finish_cascade(range(len(self.graph.scc_members)))
        return self._drain()

    def complete(self, run: NodeRun, outcome: NodeOutcome) -> List[NodeRun]:
        """Record the result of a run; return the runs that became ready."""
        node_id = run.node_id
        node = self.graph.nodes[node_id]
        state = self._state[node_id]
        state.busy = False
        self.active -= 1
        self._scc_busy[node.scc] -= 1
        if self.error is not None:
            return []
        if outcome.error is not None:  # outcome.failed
            handlers = [link for link in node.outgoing if link.on_error]
            if not handlers:
                self.fail(TaskFailedError(node_id, node.task_identifier or node.task_type, outcome.error,
                                          self.graph.id))
                return []
            outputs = error_outputs(node, outcome.error, outcome.error_traceback, state.link_inputs)
            for link in handlers:
                self._deliver(link, link_data(link, outputs), None)
        else:
            outputs = outcome.outputs or {}
            if self.keep_outputs is None or node_id in self.keep_outputs:
                self.outputs[node_id] = outputs
            output_uris = outcome.output_uris
            if output_uris:
                self.output_uris[node_id] = output_uris
            try:
                for link in node.outgoing:
                    if (not (link.on_error or link.conditions)) or link_fires(link, outputs, False):
                        self._deliver(link, link_data(link, outputs), output_uris)
            except Exception as exc:  # a data_mapping naming an output the task did not produce
                self.fail(exc)
                return []
        self._evaluate(node_id)  # links that fired while it ran trigger its next run
        scc = node.scc
        if not (self._scc_busy[scc] or self._scc_pending_preds[scc] or self._scc_finished[scc]):
            self._finish_cascade((scc,))
        if not self._ready:
            return []
        runs = list(self._ready)
        self._ready.clear()
        return runs

    def discard(self, run: NodeRun) -> None:
        """A run the engine will not start (the job was cancelled or failed), or that ended without
        an outcome to record (interrupted)."""
        state = self._state[run.node_id]
        if state.busy:
            state.busy = False
            self.active -= 1
            self._scc_busy[self.graph.nodes[run.node_id].scc] -= 1

    def fail(self, error: BaseException) -> None:
        """Stop the job: no new node starts; running ones may still complete()."""
        if self.error is None:
            self.error = error
        self._ready.clear()

    def cancel(self, reason: str = "cancelled") -> None:
        """Stop the job because of a cancellation."""
        self.fail(WorkflowCancelled(f"workflow {self.graph.id!r} {reason}"))

    @property
    def done(self) -> bool:
        """Nothing is queued or running."""
        return self.active == 0 and not self._ready

    def node_runs(self, node_id: Any) -> int:
        return self._state[node_id].runs

    # -- internals ---------------------------------------------------------------------
    def _deliver(self, link: Link, data: dict, source_uris: Optional[dict]) -> None:
        index = link.index
        target = link.target
        state = self._state[target]
        if self._fired[index]:  # its previous firing is not used yet: queue this one (as ewoks does)
            if state.backlog is None:
                state.backlog = {}
            state.backlog.setdefault(index, deque()).append((data, source_uris))
            return
        self._data[index] = data
        if source_uris:
            self._set_uris(link, source_uris)
        if link.required and not self._delivered[index]:
            self._delivered[index] = 1
            state.missing_required -= 1
        self._fired[index] = 1
        state.fired += 1
        if not link.internal:
            state.waiting -= 1
        # what _evaluate does: the target just had a link fired
        if not (state.busy or self.error is not None) and (
                state.start_pending or not (state.missing_required or state.waiting)):
            state.start_pending = False
            self._queue(target, state)

    def _evaluate(self, node_id: Any) -> None:
        state = self._state[node_id]
        if state.busy or self.error is not None:
            return
        if state.start_pending:
            state.start_pending = False
            self._queue(node_id, state)
        elif state.fired and not state.missing_required and not state.waiting:
            self._queue(node_id, state)

    def _queue(self, node_id: Any, state: _NodeState) -> None:
        node = self.graph.nodes[node_id]
        state.runs += 1
        if state.runs > self.max_iterations:
            self.fail(MaxIterationsError(
                f"ran {self.max_iterations} time(s): a loop that never ends?", node_id=node_id,
                hint="Check the loop's conditions, or raise the engine option max_iterations."))
            return
        inputs = dict(node.default_inputs)
        input_uris: Optional[dict] = None
        data, fired, uris = self._data, self._fired, self._uris
        link_inputs: Optional[dict] = {} if node.has_error_handler else None
        incoming = node.incoming
        # kept data of earlier runs first, then what fired for this run: fresh data wins
        if state.fired != len(incoming):
            for link in incoming:
                index = link.index
                if not fired[index]:
                    values = data[index]
                    if values is not None:
                        inputs.update(values)
                        if link_inputs is not None:
                            link_inputs.update(values)
                        if uris:
                            input_uris = _with_uris(input_uris, uris.get(index))
        scc_finished, nodes = self._scc_finished, self.graph.nodes
        for link in incoming:
            index = link.index
            if not fired[index]:
                continue
            values = data[index]  # taken as above, inlined: every node's run goes through here
            if values is not None:
                inputs.update(values)
                if link_inputs is not None:
                    link_inputs.update(values)
                if uris:
                    input_uris = _with_uris(input_uris, uris.get(index))
            if not (link.required or link.cache):
                data[index] = None
                if uris:
                    uris.pop(index, None)
            fired[index] = 0
            if not link.internal and not scc_finished[nodes[link.source].scc]:
                state.waiting += 1
        state.fired = 0
        state.link_inputs = link_inputs
        if state.backlog:
            self._next_from_backlog(state)
        state.busy = True
        self.active += 1
        self._scc_busy[node.scc] += 1
        self.executed.append(node_id)
        self._ready.append(NodeRun(node_id, inputs, state.runs - 1, input_uris))

    def _set_uris(self, link: Link, source_uris: dict) -> None:
        if self._uris is None:
            self._uris = {}
        self._uris[link.index] = _input_uris(link, source_uris)

    def _next_from_backlog(self, state: _NodeState) -> None:
        """The oldest queued firing of each link becomes the data of the node's next run."""
        backlog = state.backlog
        assert backlog is not None
        for index in list(backlog):
            queue = backlog[index]
            data, source_uris = queue.popleft()
            if not queue:
                del backlog[index]
            link = self.graph.links[index]
            self._data[index] = data
            if source_uris:
                self._set_uris(link, source_uris)
            self._fired[index] = 1
            state.fired += 1
            if not link.internal and not self._scc_finished[self.graph.nodes[link.source].scc]:
                state.waiting -= 1

    def _finish_cascade(self, sccs) -> None:
        """Mark SCCs finished when nothing in them runs and nothing upstream can trigger them."""
        work = list(sccs)  # first in, first out: work[done] is next
        done = 0
        busy, finished, pending = self._scc_busy, self._scc_finished, self._scc_pending_preds
        fired, nodes, states = self._fired, self.graph.nodes, self._state
        while done < len(work):
            s = work[done]
            done += 1
            if finished[s] or busy[s] or pending[s]:
                continue
            finished[s] = True
            out = self._scc_out[s]
            if not out:
                continue
            for link in out:
                if not fired[link.index]:
                    states[link.target].waiting -= 1
            successors = sorted({nodes[link.target].scc for link in out}) if len(out) > 1 else [
                nodes[out[0].target].scc]
            for t in successors:
                pending[t] -= 1
            for link in out:
                self._evaluate(link.target)
            work.extend(successors)

    def _drain(self) -> List[NodeRun]:
        runs = list(self._ready)
        self._ready.clear()
        return runs


def _with_uris(input_uris: Optional[dict], link_uris: Optional[dict]) -> Optional[dict]:
    """The input URIs of a run so far, with those of one more link (later links win)."""
    if not link_uris:
        return input_uris
    return {**(input_uris or {}), **link_uris}


def _input_uris(link: Link, source_uris: dict) -> dict:
    if link.map_all_data:
        return dict(source_uris)
    return {target: source_uris[source] for source, target in link.data_mapping
            if source is not None and source in source_uris}
