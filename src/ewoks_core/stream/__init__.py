"""Streaming (workflow extension 'stream' 1.0): a source node yields items, a per-item sub-workflow runs
on the engine's workers as items arrive, a reducer receives the per-item results in item order, and
at most `max_in_flight` items are processed at once. See docs/streaming.md.

- plan.py: the stream section of a workflow and the split of its graph;
- source.py: the source protocol (StreamSource, IterableSource) and the bounded reader thread;
- schedule.py: the driver's Schedule for such a job; backend.py: the backend wrapper that wakes
  the driver when items arrive; progress.py: per-item progress events;
- sources (hdf5.py, zmq.py): a growing HDF5 dataset, a ZeroMQ PULL socket.
"""

from __future__ import annotations

from typing import Any, Optional, Set, Union

from ..execution import JobState
from ..execution.context import RunContext
from ..graph.compiled import CompiledGraph
from .source import IterableSource, StreamSource, StreamStalled

__all__ = ["StreamSource", "IterableSource", "StreamStalled", "new_schedule", "has_stream"]


def has_stream(graph: CompiledGraph) -> bool:
    """The workflow declares a stream (graph.stream)."""
    attrs = graph.graph_attrs
    return isinstance(attrs, dict) and attrs.get("stream") is not None


def new_schedule(graph: CompiledGraph, ctx: RunContext, *, max_iterations: int,
                 keep_outputs: Optional[Set[Any]] = None) -> Union[JobState, Any]:
    """The scheduling state of a job: a JobState, or a StreamSchedule when the graph has a stream
    (its stream section is checked here, before anything runs)."""
    if not has_stream(graph):
        return JobState(graph, max_iterations=max_iterations, keep_outputs=keep_outputs)
    from .plan import build_plan
    from .schedule import StreamSchedule

    return StreamSchedule(graph, build_plan(graph), ctx, max_iterations=max_iterations, keep_outputs=keep_outputs)

