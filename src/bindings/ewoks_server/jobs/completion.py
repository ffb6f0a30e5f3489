"""Complete the events of a job that ended without them (killed, crashed, cancelled before it ran).

Readers and the monitor rely on every started node, workflow and job having an end event. When a
job process dies (SIGKILL after a cancel, out of memory, a segfault in a task) or a job is refused
by its worker before it starts, the server writes the missing end events (and the job start event
when there was none), with the job's error, into the event store.
"""

from __future__ import annotations

import collections
import logging
from typing import Any, Dict, Optional

from ewoks_core.errors import JobFailedError, WorkflowCancelled
from ewoks_core.events.emitter import EventEmitter
from ewoks_core.events.sinks.sqlite import SqliteSink

logger = logging.getLogger(__name__)


def complete_events(db_path: str, job_id: str, rows: Any, *, workflow_id: Optional[str], engine: Optional[str],
                    outcome: Dict[str, Any]) -> int:
    """Write the end events the job lacks (`rows`: its (id, event) rows); the number written."""
    seen = set()
    open_nodes: Dict[str, int] = collections.Counter()
    tasks: Dict[str, Any] = {}
    for _, event in rows:
        context, kind = event.get("context"), event.get("type")
        if context == "node":
            node = str(event.get("node_id"))
            tasks[node] = event.get("task_id")
            if kind == "start":
                open_nodes[node] += 1
            elif kind == "end":
                open_nodes[node] -= 1
        else:
            seen.add((context, kind))
    if ("job", "end") in seen:
        return 0
    message = (outcome.get("error") or {}).get("message") or "the job ended without its end events"
    error: BaseException = WorkflowCancelled(message) if outcome.get("state") == "cancelled" \
        else JobFailedError(message)
    sink = SqliteSink(db_path)
    emitter = EventEmitter([sink], job_id=job_id, engine=engine, workflow_id=workflow_id)
    written = 0
    if ("job", "start") not in seen:
        emitter.emit("job", "start")
        written += 1
    for node, count in open_nodes.items():
        for _ in range(max(count, 0)):
            emitter.emit("node", "end", node_id=node, task_id=tasks.get(node), error=error, error_traceback="")
            written += 1
    if ("workflow", "start") in seen and ("workflow", "end") not in seen:
        emitter.emit("workflow", "end", error=error, error_traceback="")
        written += 1
    emitter.emit("job", "end", error=error, error_traceback="")
    try:
        sink.close()
    except Exception as exc:  # the store keeps failing: the events stay queued in this process
        logger.error("job %s: cannot write its completing events: %s", job_id, exc)
    return written + 1
