"""Stream items as Celery tasks: the item backend a job hands to the core (RunContext.item_backend).

Each node run of a stream item is sent as an ITEM_NAME task on the job's queue (item_task.py runs
it). The message is JSON: the node (id and attributes), the run's inputs encoded by the codec (no
pickle), the job's checked event handlers and varinfo, and the parent job id under which the item's
events are written. The stream scheduler keeps the in-flight limit and the item order; this backend
only sends runs and collects their outcomes.

Every item task has a record in the job index under its own id (`<job>:item:<n>`, never listed as
a job): the claim decides who runs it, exactly once. Its worker claims it when it starts; the job
claims it first when
- the job stopped: the item never starts (a late delivery sees the claim and skips);
- the item did not start within two heartbeats (every worker slot busy, e.g. concurrency 1 with the
  job in it): the job runs it in its own process, and every later item of the job too.
A started item whose result is lost (Celery reports its pool process dead, or its heartbeat
stopped) ends as a lost run: the driver completes its events and fails the job naming the node.
A cancel reaches running items through their own cancel flag in the job index.
"""

from __future__ import annotations

import logging
import os
import time
from collections import deque
from typing import Any, Deque, Dict, List, Optional, Tuple

from ewoks_core.engines.driver import Backend, Finished, Lost, Result
from ewoks_core.errors import node_label
from ewoks_core.execution.node import WorkerLostError, node_spec, run_node
from ewoks_core.execution.outcome import NodeOutcome, NodeRun

from . import codec
from .config import ITEM_NAME, CeleryConfig
from .errors import error_from_payload
from .jobstore import FAILURE, FINAL_STATES, PENDING, REVOKED, STARTED, SUCCESS, JobStore

logger = logging.getLogger(__name__)
# s between looks at the results of running items (one result-store read per item): from POLL after a result
# came, doubling up to POLL_MAX while none comes (long items do not cost 200 reads a second each)
POLL, POLL_MAX = 0.005, 0.1
STOPPED = "stopped"  # the claim of an item the job stopped before it started


class _Sent:
    __slots__ = ("run", "result", "sent", "started")

    def __init__(self, run: NodeRun, result: Any) -> None:
        self.run, self.result, self.sent, self.started = run, result, time.monotonic(), False


class ItemTasks(Backend):
    """The item backend of one job on a Celery worker (see the module docstring)."""

    name = "Celery item"
    runs_in_caller = True  # the items no worker took in time run here, in `wait`

    def __init__(self, app: Any, config: CeleryConfig, store: JobStore, queue: str, nodes: Dict[Any, Any],
                 ctx: Any, handlers: List[dict]) -> None:
        self.app, self.config, self.store, self.queue, self.nodes, self.ctx = app, config, store, queue, nodes, ctx
        self.message = {"parent": ctx.job_id, "workflow_id": ctx.workflow_id, "engine": ctx.emitter.engine,
                        "handlers": handlers, "varinfo": ctx.varinfo}
        self.me = f"job {ctx.job_id}:{os.getpid()}"
        self.count = 0
        self.sent: Dict[str, _Sent] = {}  # item task id -> what was sent
        self.local: Deque[NodeRun] = deque()  # runs this process runs (no free worker)
        self.local_only = False
        self.halted = self.cancelling = False
        self.start_within = 2 * config.heartbeat_interval
        self.next_alive_check = 0.0

    def submit(self, run: NodeRun) -> None:
        if self.local_only and not self.halted:
            self.local.append(run)
            return
        task_id = f"{self.ctx.job_id}:item:{self.count}"
        self.count += 1
        spec = node_spec(self.nodes[run.node_id])
        message = dict(self.message, node={"id": spec.id, "attrs": dict(spec.document)}, node_id=run.node_id,
                       inputs=run.inputs, run_index=run.run_index, input_uris=run.input_uris)
        encoded = codec.encode(message, what=f"the item message of node {node_label(run.node_id)!r}")
        result = self.app.send_task(ITEM_NAME, args=[encoded], task_id=task_id, queue=self.queue)
        self.sent[task_id] = _Sent(run, result)

    def wait(self, timeout: float) -> Finished:
        end = time.monotonic() + timeout
        pause = POLL
        while True:
            finished = self._poll()
            if self.local and not self.halted:
                run = self.local.popleft()
                finished.append((run, run_node(self.nodes[run.node_id], run, self.ctx)))
            elif self.local:  # stopped: runs of this process that never started
                finished += [(run, None) for run in self.local]
                self.local.clear()
            remaining = end - time.monotonic()
            if finished or remaining <= 0:
                return finished
            time.sleep(min(pause, remaining))
            pause = min(2 * pause, POLL_MAX)

    def _poll(self) -> Finished:
        finished: Finished = []
        now = time.monotonic()
        check_alive = now >= self.next_alive_check
        if check_alive:
            self.next_alive_check = now + self.config.heartbeat_interval
        for task_id, sent in list(self.sent.items()):
            result = self._result(task_id, sent, now, check_alive)
            if result is not _RUNNING:
                del self.sent[task_id]
                finished.append((sent.run, result))
        return finished

    def _result(self, task_id: str, sent: _Sent, now: float, check_alive: bool) -> Any:
        """The run's result, or _RUNNING."""
        state = sent.result.state
        if state in ("SUCCESS", "FAILURE", "REVOKED"):
            return self._collect(task_id, sent, state)
        if not sent.started and (self.halted or now - sent.sent > self.start_within):
            claim = self.store.claim(task_id, STOPPED if self.halted else self.me)
            if claim == "claimed":
                if self.halted:
                    self.store.finish(task_id, REVOKED, "the job stopped before the item started")
                    return None
                self.local_only = True  # no worker slot came free: this job runs its items itself
                logger.info("job %s: item %s did not start within %.1f s on queue %r: run by the job",
                            self.ctx.job_id, task_id, self.start_within, self.queue)
                return self._run_here(task_id, sent.run)
            sent.started = True  # a worker has it
            if self.cancelling:  # it started after the cancel was sent to the running items
                self.store.request_cancel(task_id)
        elif sent.started and check_alive and not self.store.alive(task_id):
            record = self.store.get(task_id)
            if record is not None and record.state == STARTED:
                return Lost(WorkerLostError(f"the worker running item task {task_id} stopped beating"))
        return _RUNNING

    def _run_here(self, task_id: str, run: NodeRun) -> NodeOutcome:
        outcome = run_node(self.nodes[run.node_id], run, self.ctx)
        self.store.finish(task_id, FAILURE if outcome.failed else SUCCESS)
        return outcome

    def _collect(self, task_id: str, sent: _Sent, state: str) -> Result:
        result = sent.result
        reply = result.result
        try:
            result.forget()  # item results are read once, by this job
            result.backend.remove_pending_result(result)
        except Exception:  # kept until they expire
            pass
        if state == "REVOKED":
            return None
        if state == "FAILURE" or not isinstance(reply, dict):
            error = reply if isinstance(reply, BaseException) else RuntimeError(f"item task {task_id}: {reply!r}")
            return Lost(error)
        if reply.get("skipped"):
            return None
        return decode_outcome(reply, self.ctx.job_id)

    def place(self, run: NodeRun) -> Tuple[str, bool]:
        # the item's worker wrote its start event to the job's own stores (the sinks here): not remote
        return self.name, False

    def stop(self, cancel: bool) -> None:
        self.halted = True
        if cancel:
            self.cancelling = True
            for task_id in self.sent:
                record = self.store.get(task_id)
                if record is not None and record.state not in FINAL_STATES and record.state != PENDING:
                    self.store.request_cancel(task_id)

    def started(self, run: NodeRun) -> Optional[bool]:
        for task_id, sent in self.sent.items():
            if sent.run is run:
                record = self.store.get(task_id)
                return record is not None and record.state != PENDING and record.worker != STOPPED
        return None

    def close(self, abort: bool) -> None:
        for task_id in self.sent:  # abandoned: never started later, stopped if running
            try:
                if self.store.claim(task_id, STOPPED) != "claimed":
                    self.store.request_cancel(task_id)
            except Exception as e:
                logger.warning("job %s: could not stop item task %s: %s", self.ctx.job_id, task_id, e)
        self.sent.clear()


_RUNNING = object()


def encode_outcome(outcome: NodeOutcome, node_id: Any) -> Dict[str, Any]:
    """The JSON reply of an item task (outputs that cannot be encoded fail the node, naming them)."""
    from .errors import error_payload

    try:
        outputs = codec.encode(outcome.outputs, what=f"the outputs of node {node_label(node_id)!r}")
        uris = codec.encode(outcome.output_uris)
    except Exception as exc:
        outcome, outputs, uris = NodeOutcome.from_exception(exc), None, None
    error = outcome.error
    return {"outputs": outputs, "output_uris": uris, "task_uri": outcome.task_uri, "cached": outcome.cached,
            "error": error_payload(error) if error is not None else None, "traceback": outcome.error_traceback}


def decode_outcome(reply: Dict[str, Any], job_id: str) -> NodeOutcome:
    """Inverse of encode_outcome (in the job's process)."""
    payload = reply.get("error")
    error = error_from_payload(payload, job_id) if payload else None
    return NodeOutcome(outputs=codec.decode(reply.get("outputs")), error=error,
                       error_traceback=reply.get("traceback"), task_uri=reply.get("task_uri"),
                       output_uris=codec.decode(reply.get("output_uris")), cached=bool(reply.get("cached")))
