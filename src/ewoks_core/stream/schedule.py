"""StreamSchedule: the driver's Schedule for a workflow with a stream (one JobState per item).

The outer graph runs as any workflow (a JobState). When its source node becomes ready, the source
task is started in this process (a SourceReader thread) and the driver is handed a *pump* run
standing for it: the StreamBackend (backend.py) holds the pump and reports it back whenever items
arrived, so the driver keeps running while the source is live without knowing about streams.
Each item admitted gets its own JobState over the item graph, seeded with the item's outputs and
the data of the links from outer nodes; its runs go to the engine's backend like any other run
(the driver tracks runs by identity, so runs of different items never collide). At most
`max_in_flight` items run at once. A finished item's values for the reducer go through a reorder
buffer so that the reducer receives them in item order. When the source ended and every item
finished, the source node completes in the outer JobState with those lists as its outputs.
"""

from __future__ import annotations

import copy
import logging
from typing import Any, Dict, List, Optional, Set

from ..errors import GraphFormatError, node_label
from ..execution import JobState
from ..execution.context import RunContext
from ..execution.links import link_data
from ..execution.outcome import NodeOutcome, NodeRun
from ..graph.compiled import CompiledGraph
from ..task import MISSING
from ..task.discovery import resolve_task_class
from .plan import CONST, REDUCE, StreamPlan
from .progress import StreamStats
from .source import SourceReader, StopFlag, StreamSource

logger = logging.getLogger(__name__)


class _Item:
    __slots__ = ("index", "arrived", "state")

    def __init__(self, index: int, arrived: float, state: JobState) -> None:
        self.index, self.arrived, self.state = index, arrived, state


class StreamSchedule:
    """Implements the driver's Schedule protocol for a graph with a stream (see the module docstring)."""

    def __init__(self, graph: CompiledGraph, plan: StreamPlan, ctx: RunContext, *, max_iterations: int,
                 keep_outputs: Optional[Set[Any]] = None) -> None:
        self.graph, self.plan, self.ctx = graph, plan, ctx
        self.outer = JobState(plan.outer, max_iterations=max_iterations, keep_outputs=keep_outputs)
        self.max_iterations = max_iterations
        self.keep_items = {node for node, _, _ in plan.reduced.values()}
        self.owner: Dict[int, _Item] = {}  # id(run) -> its item
        self.active: Dict[int, _Item] = {}  # index -> item being processed
        self.pending: Dict[int, Dict[str, Any]] = {}  # reorder buffer: index -> values for the reducer
        self.next_index = 0
        self.reduced: Dict[str, List[Any]] = {key: [] for key in plan.reduced}
        self.consts: Dict[Any, Dict[Any, Any]] = {}
        self.source_run: Optional[NodeRun] = None
        self.source_task: Optional[StreamSource] = None
        self.reader: Optional[SourceReader] = None
        self.pump: Optional[NodeRun] = None
        self.finished = False
        node = graph.nodes[plan.source]
        self.source_task_id = node.task_identifier or node.task_type
        self.stats = StreamStats(ctx.emitter, plan.source, self.source_task_id)

    # -- what the results and the driver read --------------------------------------------
    @property
    def error(self) -> Optional[BaseException]:
        return self.outer.error

    @property
    def outputs(self) -> Dict[Any, Dict[str, Any]]:
        return self.outer.outputs

    @property
    def output_uris(self) -> Dict[Any, Optional[dict]]:
        return self.outer.output_uris

    @property
    def executed(self) -> List[Any]:
        return self.outer.executed

    @property
    def done(self) -> bool:
        return self.outer.done and not self.active and self.pump is None

    def node_runs(self, node_id: Any) -> int:
        return self.outer.node_runs(node_id)

    def wrap_backend(self, backend: Any) -> Any:
        """The backend the driver uses for this job: the engine's, wrapped so that new items wake the driver;
        item runs go to the context's item backend when a binding supplied one (RunContext.item_backend)."""
        from .backend import StreamBackend

        factory = self.ctx.item_backend
        return StreamBackend(backend, self, items=factory(self.plan.items, self.ctx) if factory is not None else None)

    def owns(self, run: NodeRun) -> bool:
        """The run belongs to an item (not to the outer graph)."""
        return id(run) in self.owner

    def is_pump(self, run: NodeRun) -> bool:
        """The run standing for the live source (held by the StreamBackend, never executed)."""
        return run is self.pump

    def has_news(self) -> bool:
        """Items arrived or the source ended since the pump was last reported."""
        reader = self.reader
        if reader is None:
            return False
        if reader.news.is_set():
            return True
        with reader.cond:  # items taken or the source ended while the pump was held
            waiting, ended = bool(reader.buffer), reader.ended
        return (ended and not waiting and not self.active) or (waiting and len(self.active) < self.plan.max_in_flight)

    # -- the Schedule protocol ------------------------------------------------------------
    def start(self) -> List[NodeRun]:
        return self._route(self.outer.start())

    def complete(self, run: NodeRun, outcome: NodeOutcome) -> List[NodeRun]:
        if run is self.pump:
            self.pump = None
            return self._advance()
        item = self.owner.pop(id(run), None)
        if item is None:
            return self._route(self.outer.complete(run, outcome))
        ready = item.state.complete(run, outcome)
        if self.outer.error is not None:
            return []
        if item.state.error is not None:
            self.fail(item.state.error)
            return []
        runs = self._own(item, ready)
        if item.state.done:
            runs += self._item_done(item)
        return runs

    def discard(self, run: NodeRun) -> None:
        if run is self.pump:
            self.pump = None
            return
        item = self.owner.pop(id(run), None)
        if item is not None:
            item.state.discard(run)
        else:
            self.outer.discard(run)

    def fail(self, error: BaseException) -> None:
        self.outer.fail(error)
        self._stop_source(error)

    def cancel(self, reason: str = "cancelled") -> None:
        self.outer.cancel(reason)
        self._stop_source(self.outer.error)

    # -- the source -----------------------------------------------------------------------
    def _route(self, runs: List[NodeRun]) -> List[NodeRun]:
        """Runs of the outer JobState; the source node's run opens the stream instead of running."""
        out = []
        for run in runs:
            if run.node_id == self.plan.source and self.source_run is None:
                out += self._open(run)
            else:
                out.append(run)
        return out

    def _open(self, run: NodeRun) -> List[NodeRun]:
        self.source_run = run
        inputs: Dict[Any, Any] = {}
        for key, value in run.inputs.items():
            if isinstance(key, str) and key.startswith(CONST):
                node, target = self.plan.consts[key]
                values = self.consts.setdefault(node, {})
                if target is None:
                    values.update(value)
                else:
                    values[target] = value
            else:
                inputs[key] = value
        node = self.graph.nodes[self.plan.source]
        self.ctx.emitter.emit("node", "start", node_id=node.id, task_id=self.source_task_id, input_uris=run.input_uris)
        flag = StopFlag(self.ctx.cancel_event)
        try:
            cls = resolve_task_class(node.task_type, node.task_identifier, node.id, node.spec.document)
            if not (isinstance(cls, type) and issubclass(cls, StreamSource)):
                raise GraphFormatError(f"the stream source's task {self.source_task_id!r} is not a StreamSource "
                                       "(ewoks_core.stream.StreamSource: a task with an items() generator)",
                                       node_id=node.id, field="task_identifier")
            task = cls(inputs, node_id=node.id, node_attrs=node.spec.document, cancel_event=flag)
            self.source_task = task
            self.reader = SourceReader(task.items(), self.plan.max_in_flight, flag, node_label(node.id))
        except Exception as exc:  # missing inputs, not a source: the source node fails
            return self._finish_source(exc)
        self.stats.started()
        self.pump = NodeRun(node.id, {}, 0)
        return [self.pump]

    def _advance(self) -> List[NodeRun]:
        """The pump came back: admit what arrived; a new pump while the source is live."""
        reader = self.reader
        if reader is None or self.finished or self.outer.error is not None:
            return []
        reader.news.clear()
        runs = self._admit()
        if reader.exhausted and not self.active:
            return runs + self._finish_source(reader.error)
        if not self.finished and self.outer.error is None:
            self.pump = NodeRun(self.plan.source, {}, 0)
            runs.append(self.pump)
        return runs

    def _finish_source(self, error: Optional[BaseException] = None) -> List[NodeRun]:
        """The source node ends: with the reduced lists as outputs, or failed."""
        if self.finished:
            return []
        self.finished = True
        run = self.source_run
        assert run is not None
        if error is None and self.reader is not None:
            error = self.reader.error
        node = self.graph.nodes[self.plan.source]
        if error is not None:
            outcome = NodeOutcome.from_exception(error)
        else:
            outputs = dict(self.source_task.summary(self.next_index)) if self.source_task is not None else {}
            for key, values in self.reduced.items():
                outputs[key] = values if self.plan.reduced[key][2] == "list" else (values[0] if values else None)
            outcome = NodeOutcome(outputs=outputs)
        self.ctx.emitter.emit("node", "end", node_id=node.id, task_id=self.source_task_id, error=outcome.error,
                              error_traceback=outcome.error_traceback, input_uris=run.input_uris)
        ready = self.outer.complete(run, outcome)
        kept = self.outer.outputs.get(node.id)
        if kept:  # the reduced lists were delivered by the links: the node's result is the source's summary
            self.outer.outputs[node.id] = {k: v for k, v in kept.items() if not k.startswith(REDUCE)}
        return self._route(ready)

    def _stop_source(self, error: Optional[BaseException]) -> None:
        """The job stopped: the source stops reading; its node ends (failed) if it was live."""
        if self.reader is not None:
            self.reader.stop()
        if self.source_run is not None and not self.finished:
            self.finished = True
            node = self.graph.nodes[self.plan.source]
            self.ctx.emitter.emit("node", "end", node_id=node.id, task_id=self.source_task_id,
                                  error=error or RuntimeError("the stream stopped"),
                                  input_uris=self.source_run.input_uris)
            self.outer.discard(self.source_run)

    def close(self, join: float = 5.0) -> None:
        """Stop the reader thread (the end of the job)."""
        if self.reader is not None:
            self.reader.stop(join=join)

    # -- items ------------------------------------------------------------------------------
    def _admit(self) -> List[NodeRun]:
        """Start the items that arrived, while fewer than max_in_flight are processed."""
        runs: List[NodeRun] = []
        reader = self.reader
        while reader is not None and len(self.active) < self.plan.max_in_flight and self.outer.error is None:
            taken = reader.take()
            if taken is None:
                break
            index, arrived, outputs = taken
            try:
                state = JobState(self._item_graph(outputs), max_iterations=self.max_iterations,
                                 keep_outputs=self.keep_items)
            except Exception as exc:  # the source yields an item without an output a link maps
                self.fail(exc)
                return []
            item = _Item(index, arrived, state)
            self.active[index] = item
            self.stats.arrived(reader.produced)
            ready = self._own(item, state.start())
            runs += ready
            if state.done:
                runs += self._item_done(item)
        return runs

    def _item_graph(self, outputs: Dict[str, Any]) -> CompiledGraph:
        """The item graph with this item's data as default inputs of the nodes it reaches."""
        seeds: Dict[Any, Dict[Any, Any]] = {node: dict(values) for node, values in self.consts.items()}
        for link in self.plan.item_links:
            seeds.setdefault(link.target, {}).update(link_data(link, outputs))
        items = self.plan.items
        graph = copy.copy(items)
        graph.nodes = dict(items.nodes)
        for node_id, values in seeds.items():
            node = copy.copy(items.nodes[node_id])
            node.default_inputs = {**node.default_inputs, **values}
            graph.nodes[node_id] = node
        return graph

    def _own(self, item: _Item, runs: List[NodeRun]) -> List[NodeRun]:
        for run in runs:
            self.owner[id(run)] = item
        return runs

    def _item_done(self, item: _Item) -> List[NodeRun]:
        """An item's runs all ended: its values join the reorder buffer; the next items start."""
        del self.active[item.index]
        produced = item.state.outputs
        values = {}
        for key, (node, name, _) in self.plan.reduced.items():
            outputs = produced.get(node)
            value = outputs if name is None else (outputs or {}).get(name)
            values[key] = None if value is MISSING else value
        self.pending[item.index] = values
        reduced, plan = self.reduced, self.plan.reduced
        while self.next_index in self.pending:
            for key, value in self.pending.pop(self.next_index).items():
                mode = plan[key][2]
                if mode == "list" or not reduced[key]:
                    reduced[key].append(value)
                elif mode == "last":
                    reduced[key][0] = value
            self.next_index += 1
        reader = self.reader
        self.stats.done(item.index, item.arrived, reader.produced if reader is not None else 0)
        runs = self._admit()
        if reader is not None and reader.exhausted and not self.active and self.pump is None:
            runs += self._finish_source()
        return runs
