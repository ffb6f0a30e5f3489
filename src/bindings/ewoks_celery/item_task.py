"""The worker side of a stream item (items.py sends them): claim it, check it as a job is checked, run it.

The node is checked against the worker's allow-list and ExecutionPolicy exactly as the nodes of a
job are (runner.py), and so are the event handlers and varinfo the message names. The node runs
with run_node, its events go to the job's (checked) handlers under the parent job id, and the task
returns the encoded outcome; it never raises for a task error. A JobGuard keeps the item's
heartbeat in the job index and turns the item's cancel flag into a stop.
"""

from __future__ import annotations

import os
import threading
from types import SimpleNamespace
from typing import Any, Dict

from celery.exceptions import Ignore

from ewoks_core.allowlist import check_graph, check_origins
from ewoks_core.execution.node import run_node_remote
from ewoks_core.execution.outcome import NodeOutcome, NodeRun
from ewoks_core.graph.compiled import Node
from ewoks_core.graph.specs import NodeSpec
from ewoks_core.policy import install_policy

from . import codec
from .config import CeleryConfig
from .guard import JobGuard
from .items import encode_outcome
from .jobstore import FAILURE, REVOKED, STARTED, SUCCESS, open_jobstore
from .runner import _checked_handlers


def execute_item_task(task: Any, message: Any) -> Dict[str, Any]:
    """Celery task body (bound): run one node run of a stream item; returns the encoded outcome, or
    {"skipped": true} when the job claimed the item first (it stopped, or ran the item itself)."""
    config: CeleryConfig = task.app.ewoks_config
    install_policy(config.policy)
    item_id = task.request.id
    store = open_jobstore(config)
    if store.claim(item_id, f"{task.request.hostname or 'worker'}:{os.getpid()}") != "claimed":
        raise Ignore()
    parent = parent_job(item_id)
    record = store.get(parent) if parent else None
    if record is None or record.state != STARTED:  # delivered after its job ended (lost, cancelled): no events
        store.finish(item_id, REVOKED, f"its job {parent!r} is not running")
        raise Ignore()
    cancel_event = threading.Event()
    node_id: Any = None
    with JobGuard(store, item_id, config.heartbeat_interval, cancel_event):
        try:
            item = codec.decode(message)
            if item.get("parent") != parent:
                raise ValueError(f"item {item_id!r} names job {item.get('parent')!r}: an item writes to its own job")
            node_id = item["node_id"]
            outcome = run_item(item, config, cancel_event)
        except BaseException as exc:  # refused, or cancelled (the guard's SIGTERM) outside the task
            outcome = NodeOutcome.from_exception(exc)
    store.finish(item_id, FAILURE if outcome.failed else SUCCESS)
    return encode_outcome(outcome, node_id)


def parent_job(item_id: str) -> str:
    """The job whose item `item_id` is ("<job>:item:<n>"; "" for any other id)."""
    parent, sep, _ = item_id.rpartition(":item:")
    return parent if sep else ""


def run_item(item: Dict[str, Any], config: CeleryConfig, cancel_event: threading.Event) -> NodeOutcome:
    """Check the item's node, handlers and varinfo with the worker's policy, then run it."""
    spec = NodeSpec.from_dict(item["node"]["id"], item["node"]["attrs"])  # the worker builds it: a JSON message
    node = Node(spec, 0)
    graph = SimpleNamespace(nodes={node.id: node})
    check_graph(graph, config.allowed_tasks, config.allow_scripts)  # type: ignore[arg-type]
    check_origins(graph, config.allowed_tasks)  # type: ignore[arg-type]
    varinfo = item.get("varinfo")
    config.policy.check_graph(graph, varinfo)
    handlers, refused = _checked_handlers(item.get("handlers") or [], config)
    if refused is not None:
        raise refused
    emitter = {"job_id": item["parent"], "engine": item.get("engine"), "workflow_id": item.get("workflow_id"),
               "handlers": handlers}
    ctx_config = {"workflow_id": item.get("workflow_id"), "emitter": emitter, "varinfo": varinfo}
    run = NodeRun(item["node_id"], item["inputs"], item.get("run_index", 0), item.get("input_uris"))
    return run_node_remote(spec, run, ctx_config, cancel_event)
