"""RunContext: what run_node needs besides the node itself, and its JSON form for worker processes."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional

from ..events.emitter import EventEmitter, emitter_from_config
from ..policy import ExecutionPolicy, current_policy, install_policy


@dataclass
class RunContext:
    """Per-job execution context shared by every node run of the job."""

    workflow_id: str
    emitter: EventEmitter
    varinfo: Optional[dict] = None
    cancel_event: Any = field(default_factory=threading.Event)
    # a binding's factory (item graph, context) -> Backend that runs the node runs of stream items
    # elsewhere (e.g. Celery: as tasks on the job's queue); None: the engine's backend runs them
    item_backend: Any = None
    _stores: Dict[str, Any] = field(default_factory=dict)

    @property
    def job_id(self) -> str:
        return self.emitter.job_id

    def store_for(self, node_varinfo: Optional[Mapping[str, Any]]) -> Any:
        """The result store for a node (job varinfo updated by the node's own varinfo), or None."""
        varinfo = self.varinfo
        if node_varinfo:
            varinfo = {**(varinfo or {}), **node_varinfo}
        if not varinfo or not varinfo.get("root_uri"):
            return None
        key = json.dumps(varinfo, sort_keys=True, default=str)
        store = self._stores.get(key)
        if store is None:
            from ..persistence import open_store

            store = self._stores[key] = open_store(varinfo)
        return store

    def to_config(self) -> dict:
        """JSON config from which a worker process rebuilds this context (see context_from_config)."""
        config = {"workflow_id": self.workflow_id, "emitter": self.emitter.worker_config(), "varinfo": self.varinfo}
        policy = current_policy()
        if policy.restricted:  # worker processes of a confined job are confined too
            config["policy"] = policy.to_config()
        return config


_WORKER_CONTEXTS: Dict[str, RunContext] = {}
_LOCK = threading.Lock()


def context_from_config(config: dict, cancel_event: Any = None) -> RunContext:
    """Rebuild (once per process and job) a RunContext from `RunContext.to_config()`."""
    # The whole config is the key: a long-lived worker may see the same job id again with
    # other handlers (a resubmitted job) and must then write to the new sinks, not the old ones.
    key = json.dumps(config, sort_keys=True, default=str)
    if config.get("policy"):
        install_policy(ExecutionPolicy.from_config(config["policy"]))
    with _LOCK:
        ctx = _WORKER_CONTEXTS.get(key)
        if ctx is None:
            ctx = RunContext(config["workflow_id"], emitter_from_config(config["emitter"]), config.get("varinfo"))
            if len(_WORKER_CONTEXTS) > 64:
                for old in list(_WORKER_CONTEXTS.values())[:32]:
                    old.emitter.flush()
                _WORKER_CONTEXTS.clear()
            _WORKER_CONTEXTS[key] = ctx
    if cancel_event is not None:
        ctx.cancel_event = cancel_event
    return ctx
