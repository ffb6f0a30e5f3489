"""The pypushflow actors of a job: one scheduler actor and one actor per node.

- `NodeActor` (one per node, named after it) submits a run of its node to the
  workflow's pypushflow pool (`pool.apply_async`) and, in the pool's callback,
  triggers the scheduler with the outcome. Its pypushflow trigger scope stays
  open until then, so the workflow's ThreadCounter reaches zero only when
  nothing runs and nothing is left to schedule.
- `SchedulerActor` owns the JobState (ewoks_core.execution: the one definition
  of link semantics) and is the only caller of it: messages from any thread are
  queued and drained by one thread at a time, so the non-thread-safe JobState
  is serialized without holding a lock while tasks are submitted, and a
  callback that runs synchronously (a task that finished before its callback
  was attached) never recurses.
- Thread pools: when an outcome is handled in a pool thread, the first run it
  makes ready is executed right there once the scheduler's queue is drained,
  still inside the trigger scope of the callback's node actor: a chain of nodes
  stays on one pool thread (as in dask's local scheduler), without a pypushflow
  trigger (~17 us) and a hop through the pool's queue (~20 us) per node. The
  other runs are triggered and go to the pool.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections import deque
from typing import Any, Callable, Deque, Dict, Optional, Tuple

from pypushflow.AbstractActor import AbstractActor

from ewoks_core.engines.base import Job
from ewoks_core.errors import node_label
from ewoks_core.execution import NodeOutcome, NodeRun
from ewoks_core.execution.node import report_lost

from .worker import in_pool_thread

logger = logging.getLogger(__name__)

Submission = Callable[[NodeRun], Tuple[Callable[..., Any], tuple]]


class Message(dict):
    """The pypushflow `inData` of our actors: an (empty) dict with a short repr, because pypushflow
    pretty-prints inData on every trigger; the content is in attributes."""

    __slots__ = ("kind", "node_id", "payload")

    def __init__(self, kind: str, node_id: Any = None, payload: Any = None) -> None:
        super().__init__()
        self.kind = kind
        self.node_id = node_id
        self.payload = payload

    def __repr__(self) -> str:
        return f"<{self.kind} {node_label(self.node_id)}>" if self.node_id is not None else f"<{self.kind}>"


class NodeActor(AbstractActor):
    """Runs one node's runs on the pool and reports each outcome to the scheduler."""

    def __init__(self, parent: Any, node_id: Any, submission: Submission, scheduler: "SchedulerActor",
                 thread_counter: Any, on_outcome: Optional[Callable[[NodeOutcome], None]] = None) -> None:
        super().__init__(parent=parent, name=node_label(node_id), thread_counter=thread_counter)
        self.node_id = node_id
        self._submission = submission
        self._scheduler = scheduler
        self._on_outcome = on_outcome

    @property
    def pool(self) -> Any:
        return self.parent.pool

    @property
    def pool_resources(self) -> int:
        return 1

    def _execute(self, inData: dict, _scope_id: Optional[str] = None) -> None:
        run: NodeRun = inData.payload  # type: ignore[attr-defined]
        with self._async_execute_context(_scope_id, self._succeeded, functools.partial(self._failed, run)) \
                as (succeeded, failed):
            if self._scheduler.job.ctx.cancel_event.is_set():  # cancelled since it was scheduled: never start
                succeeded(None)
                return
            try:
                fn, args = self._submission(run)
                self.pool.apply_async(fn, args=args, callback=succeeded, error_callback=failed)
            except Exception as exc:  # the pool is closed or broken, or the arguments do not pickle
                failed(exc)

    def run_inline(self, run: NodeRun) -> None:
        """Execute a run in this thread: a thread of the pool, inside the trigger scope of the node
        actor whose callback is running (it keeps the ThreadCounter above zero until we return)."""
        fn, args = self._submission(run)
        try:
            outcome = fn(*args)
        except Exception as exc:
            self._failed(run, exc)
            return
        self._succeeded(outcome)

    # Callbacks run inside this actor's trigger scope (pypushflow closes it after them), so the
    # scheduler is called directly: the scope covers its work, no second trigger per run is needed.
    def _succeeded(self, outcome: Optional[NodeOutcome]) -> None:
        if outcome is not None and self._on_outcome is not None:
            self._on_outcome(outcome)
        self._scheduler.receive(Message("done", self.node_id, outcome))

    def _failed(self, run: NodeRun, error: BaseException) -> None:
        # The worker function itself failed (run_node never raises for task errors): a killed or
        # broken worker, or data that cannot be sent. The node failed (with its end event, which the
        # worker never wrote); JobState decides what follows.
        job = self._scheduler.job
        if type(error).__name__ == "BrokenProcessPool":
            # a worker died: the pool is unusable. Its other workers may be left blocked on the
            # pool's shared queue lock (held by the dead one) and would hang its shutdown: end them.
            from .processes import force_pool

            force_pool(self.pool)
        outcome = report_lost(job.graph.nodes[self.node_id], run, job.ctx, "ppf pool", error)
        self._scheduler.receive(Message("done", self.node_id, outcome))


class SchedulerActor(AbstractActor):
    """Owns the JobState: turns outcomes into the next runs and triggers their node actors."""

    def __init__(self, parent: Any, job: Job, halt: Callable[[], None], halted: threading.Event,
                 thread_counter: Any, check_stop: Callable[[], bool] = lambda: False) -> None:
        super().__init__(parent=parent, name="scheduler", thread_counter=thread_counter)
        self.job = job
        self.node_actors: Dict[Any, NodeActor] = {}
        self.stop_actor: Any = None
        self._halt = halt
        self._halted = halted
        self._check_stop = check_stop
        self.cancel_reason = "cancelled"
        self._inbox: Deque[Message] = deque()
        self._lock = threading.Lock()
        self._draining = False
        self._local = threading.local()  # per thread: looping, and the run kept for inline execution

    def _execute(self, inData: dict, _scope_id: Optional[str] = None) -> None:
        self.receive(inData)  # type: ignore[arg-type]

    def receive(self, message: Message) -> None:
        """Queue a message; drain the queue unless another thread is draining it.

        Callers must be inside a pypushflow trigger scope (the ThreadCounter must not reach zero
        while a message is queued): the scheduler's own trigger, or a node actor's callback.
        In a thread-pool thread, the run kept for this thread is executed once the queue is
        drained (not while draining: outcomes of other threads would wait for that task); its
        outcome is queued by the nested call, and this loop drains it, so nothing recurses."""
        local = self._local
        with self._lock:
            self._inbox.append(message)
            if self._draining or getattr(local, "looping", False):
                return  # the draining thread, or this thread's loop below, handles it
            self._draining = True
        local.looping = True
        try:
            while True:
                self._drain()
                run = local.__dict__.pop("inline", None)
                if run is None:
                    return
                self.node_actors[run.node_id].run_inline(run)
                with self._lock:
                    if self._draining or not self._inbox:
                        return  # another thread drains (its loop will see our outcome), or nothing to do
                    self._draining = True
        finally:
            local.looping = False
            run = local.__dict__.pop("inline", None)
            if run is not None:  # left by an error: the run must still happen (or the job would wait)
                self.node_actors[run.node_id].trigger(Message("run", run.node_id, run))

    def _drain(self) -> None:
        try:
            while True:
                with self._lock:
                    if not self._inbox:
                        self._draining = False
                        return
                    message = self._inbox.popleft()
                self._handle(message)
        except BaseException:
            with self._lock:
                self._draining = False
            raise

    def _handle(self, message: Message) -> None:
        state = self.job.state
        try:
            if message.kind == "start":
                runs = state.start()
            elif message.kind == "done":
                if state.error is None and self._check_stop():  # before a task's reaction to a cancel
                    state.cancel(self.cancel_reason)
                if message.payload is None:  # halted before it started
                    state.discard(message.node_id)
                    runs = []
                else:
                    runs = state.complete(message.node_id, message.payload)
            elif message.kind == "cancel":
                if not state.done:
                    state.cancel(self.cancel_reason)
                runs = []
            else:
                raise ValueError(f"unknown scheduler message {message!r}")
        except Exception as exc:  # a bug: fail the job rather than hang it
            logger.exception("ppf scheduler failed")
            state.fail(exc)
            runs = []
        if state.error is not None:
            self._halt()
        if runs and self._halted.is_set():
            if state.error is None:  # halted by a cancellation whose message is still queued
                state.cancel(self.cancel_reason)
            for run in runs:
                state.discard(run.node_id)
            runs = []
        local = self._local
        for run in runs:
            if "inline" not in local.__dict__ and getattr(local, "looping", False) and in_pool_thread(self.job):
                local.inline = run
            else:
                self.node_actors[run.node_id].trigger(Message("run", run.node_id, run))
        if state.done and self.stop_actor is not None:
            self.stop_actor.trigger(Message("done"))
