"""Where the dask engine's node runs execute: one driver backend per kind of scheduler.

`sync` runs in the calling thread (the sequential engine's order), `threads` and `processes` on
local pools (pools.py), everything else on dask.distributed (`DistributedBackend`): runs are
submitted with `Client.submit` (key `<node>-<uuid>`: the dashboard groups tasks by node), the
futures' done-callbacks (in distributed's event-loop thread) only queue them, and the driver
thread fetches the results that are ready in one `gather`. Workers run
`ewoks_core.execution.remote.run_in_worker`; a stop reaches them as a message (`Client.run`).

A plan (the runs decided up front, ewoks_core.execution.plan) goes to the scheduler as one graph
(planned.py). Most of its results are only needed for the events of local sinks, the job's results
and noticing a failure: they are taken from the workers' outboxes (planned.py) in batches, and at
once when the last run finished, the job stops, or a run is waited for: one that failed or was lost
(dask tells the client a result's type when its task finishes: planned.PlannedFailure), one
submitted dynamically (after a condition, by an error handler), or a planned one whose outcome
decides such a run. Each batch is a round trip through the scheduler to every worker, which
competes with the tasks: on 2 busy workers and 2 cores it cost ~10 ms of CPU in all (~1.4 ms on
idle workers), 5 % of the CPU of a fan-out of 50 ms tasks at one batch every 0.2 s. So batches come
every BATCH_INTERVAL s only while local sinks wait for the runs' events (relayed with the
outcomes), else every QUIET_INTERVAL s (the outcomes move in several messages rather than one at
the end).
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
import time
import uuid
from typing import Any, Callable, Dict, List, Optional, Set

from ewoks_core.engines.backends import InlineBackend
from ewoks_core.engines.base import Job
from ewoks_core.engines.driver import Backend, Finished, Lost
from ewoks_core.errors import node_label
from ewoks_core.execution import NodeRun
from ewoks_core.execution.flags import JobFlags, raise_flags_async
from ewoks_core.execution.plan import PlannedNode
from ewoks_core.execution.remote import RemoteRuns, run_in_worker
from ewoks_core.execution.startmarks import StartMarks

from .clients import close_all, open_client
from .options import DaskOptions
from .planned import PlannedFailure, plan_graph, take_outcomes, unwrap

LOST = (Exception, asyncio.CancelledError)  # what a future raises for a lost run (not KeyboardInterrupt)
BATCH_INTERVAL = 0.2  # s: least time between two fetches of planned runs' results, for local sinks' events
QUIET_INTERVAL = 2.0  # s: the same without local sinks (see the module docstring)


def open_backend(job: Job, options: DaskOptions) -> Backend:
    """The backend of options.scheduler."""
    scheduler = options.scheduler
    if scheduler == "sync":
        return InlineBackend(job)
    if scheduler in ("threads", "processes"):
        from .pools import ProcessPoolBackend, thread_backend

        return thread_backend(job, options) if scheduler == "threads" else ProcessPoolBackend(job, options)
    client, closers = open_client(scheduler, options)
    return DistributedBackend(job, client, closers)


class DistributedBackend(Backend):
    """Node runs on the workers of a distributed.Client."""

    name = "dask distributed"

    def __init__(self, job: Job, client: Any, closers: List[Callable[[], Any]]) -> None:
        self.client, self.closers = client, closers
        self.flags = JobFlags(job.ctx.cancel_event, message=True)  # a token per run: job ids may be reused
        self.remote = RemoteRuns(job.graph, job.ctx, self.flags.worker())
        self.done: "queue.SimpleQueue[Any]" = queue.SimpleQueue()
        self.futures: Dict[str, Any] = {}  # key -> future, until its result is taken
        # start marks (execution.startmarks) when the workers see this machine's files: a run that dask
        # runs again after its worker died ends the lost attempt's events (a remote worker cannot write them)
        self.marks = StartMarks() if job.ctx.emitter.enabled and local_workers(client) else None
        self.held: List[Any] = []  # (run, future) of finished planned runs, until the next batch
        self.planned = 0  # planned runs whose results were not fetched yet
        self.next_fetch = 0.0  # time.monotonic() before which planned results are held
        self.interval = BATCH_INTERVAL if self.remote.sinks else QUIET_INTERVAL
        self.seen = 0  # held runs checked for a failure (`_urgent`)
        self.alarm = False  # a held run failed or was lost: the batch goes now
        self.halted = False
        self.outbox: Optional[Dict[str, Any]] = None  # planned runs: outcomes taken from the workers, by key
        # runs of a plan (id(run)), and those whose outcome a run outside the plan waits for (fetched at once)
        self.plan_runs: Set[int] = set()
        self.urgent: Set[int] = set()

    def submit(self, run: NodeRun) -> None:
        if self.marks is not None:
            self.marks.assign(run)
        key = f"{node_label(run.node_id)}-{uuid.uuid4().hex}"
        future = self.client.submit(run_in_worker, *self.remote.args(run), key=key, pure=False)
        self.futures[key] = future
        future.add_done_callback(lambda f: self.done.put((run, f)))

    def submit_many(self, plan: List[PlannedNode], runs: List[NodeRun]) -> None:
        """Every planned run in one dask graph (one client call, no round trip per node): each task
        takes its sources' outcomes (planned.py)."""
        assert self.flags.token is not None
        dsk, keys = plan_graph(plan, runs, self.remote, self.flags.token)
        futures = self.client.get(dsk, keys, sync=False)
        self.planned, self.outbox = len(runs), {}
        if not self.remote.sinks:  # nobody waits for the events: the first batch waits too
            self.next_fetch = time.monotonic() + self.interval
        self.plan_runs = {id(run) for run in runs}
        self.urgent = {id(run) for planned, run in zip(plan, runs, strict=True) if planned.urgent}
        for run, future in zip(runs, futures, strict=True):
            self.futures[future.key] = future
            future.add_done_callback(lambda f, run=run: self.done.put((run, f)))

    def wait(self, timeout: float) -> Finished:
        items = self._finished(timeout)
        if not items:
            return []
        finished: Finished = []
        for (run, _), result in zip(items, self._results([f for _, f in items]), strict=True):
            self.remote.received(result if not isinstance(result, Lost) else None)
            finished.append((run, result))
        return finished

    def _finished(self, timeout: float) -> List[Any]:
        """(run, future) of the runs that finished, within `timeout` s; those of a plan in batches."""
        done, held = self.done, self.held
        if not held:
            try:
                held.append(done.get(timeout=timeout))
            except queue.Empty:
                return []
        _drain(done, held)
        if self.planned and not self.halted:  # a plan runs: its results are held until the next fetch
            end = min(self.next_fetch, time.monotonic() + timeout)
            while len(held) < self.planned and not self._urgent(held):
                left = end - time.monotonic()
                if left <= 0:
                    break
                with contextlib.suppress(queue.Empty):
                    held.append(done.get(timeout=left))
                    _drain(done, held)
            if len(held) < self.planned and time.monotonic() < self.next_fetch and not self._urgent(held):
                return []
            self.planned = max(0, self.planned - sum(id(run) in self.plan_runs for run, _ in held))
        self.held, self.seen, self.alarm = [], 0, False
        return held

    def _urgent(self, held: List[Any]) -> bool:
        """A held run is waited for now: it failed (its result is a PlannedFailure) or its task did not
        end with a result (the job stops, or an error handler takes the error), it was submitted
        dynamically, or a run outside the plan takes its outcome."""
        if not self.alarm:
            plan_runs, urgent = self.plan_runs, self.urgent
            self.alarm = any(id(run) in urgent or id(run) not in plan_runs or f.status != "finished"
                             or f.type is PlannedFailure for run, f in held[self.seen:])
            self.seen = len(held)
        return self.alarm

    def _results(self, futures: List[Any]) -> List[Any]:
        # One gather for every result that is ready (a round trip each, however many results it carries:
        # batching beats fetching each result concurrently on a busy scheduler); planned runs' results
        # come from the workers' outboxes, and only those missing there are gathered.
        ready = [f for f in futures if f.status == "finished"]
        values: Dict[str, Any] = {}
        if ready:
            start = time.monotonic()
            if self.outbox is not None:
                values = self._from_outboxes([f.key for f in ready])
                ready = [f for f in ready if f.key not in values]
            if ready:
                with contextlib.suppress(*LOST):  # a worker holding one of them died meanwhile: one by one
                    values.update(zip([f.key for f in ready], map(unwrap, self.client.gather(ready)), strict=True))
            now = time.monotonic()  # large results: fetching takes at most about half of the time
            self.next_fetch = now + max(self.interval, now - start)
        results: List[Any] = []
        for future in futures:
            self.futures.pop(future.key, None)
            if future.key in values:
                results.append(values[future.key])
                continue
            try:
                results.append(unwrap(future.result()))
            except LOST as exc:
                results.append(Lost(exc))
        for future in futures:
            future.release()
        return results

    def _from_outboxes(self, keys: List[str]) -> Dict[str, Any]:
        """The outcomes of `keys` that the workers' outboxes hold (one message to every worker)."""
        outbox = self.outbox
        assert outbox is not None
        if any(key not in outbox for key in keys):
            with contextlib.suppress(*LOST):
                for reply in self.client.run(take_outcomes, self.flags.token, on_error="return").values():
                    if isinstance(reply, list):  # else: that worker's error (the runs it held are gathered)
                        outbox.update(reply)
        return {key: outbox.pop(key) for key in keys if key in outbox}

    def stop(self, cancel: bool) -> None:
        self.halted = True  # held results go to the driver at once from now on
        self.flags.raise_flags(cancel)
        self._tell_workers(raise_flags_async, self.flags.token, cancel)

    def _tell_workers(self, function: Callable[..., Any], *args: Any) -> None:
        """Run the coroutine function on every worker without waiting for it."""
        # In a thread: Client.run waits for the scheduler, which may be the thing that just died.
        def tell() -> None:
            with contextlib.suppress(Exception):
                self.client.run(function, *args, wait=False)

        threading.Thread(target=tell, name="ewoks-dask-tell", daemon=True).start()

    def check(self) -> Optional[BaseException]:
        if self.client.status in ("closed", "closing", "failed"):
            return ConnectionError(f"the dask client lost its scheduler (status {self.client.status!r})")
        return None

    def close(self, abort: bool) -> None:
        if abort and self.futures:
            with contextlib.suppress(Exception):
                self.client.cancel(list(self.futures.values()))
            if self.outbox is not None:  # outcomes of runs abandoned or never fetched: not kept on the workers
                self._tell_workers(take_outcomes, self.flags.token)
        self.futures.clear()
        close_all(self.closers)
        if self.marks is not None:
            self.marks.close()


def local_workers(client: Any) -> bool:
    """Every worker of the client's cluster runs on this machine (it shares this machine's files)."""
    import socket
    from urllib.parse import urlparse

    try:
        workers = client.scheduler_info().get("workers", {})
        here = {"127.0.0.1", "::1", "localhost", socket.gethostname()}
        with contextlib.suppress(OSError):
            here.add(socket.gethostbyname(socket.gethostname()))
    except Exception:  # a scheduler that does not answer: say no
        return False
    hosts = {urlparse(address).hostname for address in workers}
    return bool(hosts) and hosts <= here


def _drain(source: "queue.SimpleQueue[Any]", into: List[Any]) -> None:
    """Move what is queued in `source` to `into` without waiting."""
    while True:
        try:
            into.append(source.get_nowait())
        except queue.Empty:
            return
