"""Where the dask engine's node runs execute: one driver backend per kind of scheduler.

`sync` runs in the calling thread (the sequential engine's order), `threads` and `processes` on
local pools (pools.py), everything else on dask.distributed (`DistributedBackend`): runs are
submitted with `Client.submit` (key `<node>-<uuid>`: the dashboard groups tasks by node), the
futures' done-callbacks (in distributed's event-loop thread) only queue them, and the driver
thread fetches the results that are ready in one `gather`. Workers run
`ewoks_core.execution.remote.run_in_worker`; a stop reaches them as a message (`Client.run`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import queue
import threading
import uuid
from typing import Any, Callable, Dict, List, Optional

from ewoks_core.engines.backends import InlineBackend
from ewoks_core.engines.base import Job
from ewoks_core.engines.driver import Backend, Finished, Lost
from ewoks_core.errors import node_label
from ewoks_core.execution import NodeRun
from ewoks_core.execution.flags import JobFlags, raise_flags_async
from ewoks_core.execution.plan import PlannedNode, run_planned
from ewoks_core.execution.remote import RemoteRuns, run_in_worker
from ewoks_core.execution.startmarks import StartMarks

from .clients import close_all, open_client
from .options import DaskOptions

LOST = (Exception, asyncio.CancelledError)  # what a future raises for a lost run (not KeyboardInterrupt)


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

    def submit(self, run: NodeRun) -> None:
        if self.marks is not None:
            self.marks.assign(run)
        key = f"{node_label(run.node_id)}-{uuid.uuid4().hex}"
        future = self.client.submit(run_in_worker, *self.remote.args(run), key=key, pure=False)
        self.futures[key] = future
        future.add_done_callback(lambda f: self.done.put((run, f)))

    def submit_many(self, plan: List[PlannedNode], runs: List[NodeRun]) -> None:
        """Every planned run in one dask graph (one client call, no round trip per node): each task
        takes its sources' outcomes (execution.plan.run_planned)."""
        keys = {planned.node_id: f"{node_label(planned.node_id)}-{uuid.uuid4().hex}" for planned in plan}
        _, _, config, flags, relay = self.remote.args(runs[0])
        dsk: Dict[str, Any] = {}
        for planned, run in zip(plan, runs, strict=True):
            spec = self.remote.args(run)[0]
            # a partial: dask must not look inside the arguments (tuples and strings that could look like keys)
            dsk[keys[planned.node_id]] = (functools.partial(run_planned, spec, planned, config, flags, relay),
                                          *[keys[source] for source in planned.sources])
        futures = self.client.get(dsk, [keys[planned.node_id] for planned in plan], sync=False)
        for run, future in zip(runs, futures, strict=True):
            self.futures[future.key] = future
            future.add_done_callback(lambda f, run=run: self.done.put((run, f)))

    def wait(self, timeout: float) -> Finished:
        try:
            items = [self.done.get(timeout=timeout)]
        except queue.Empty:
            return []
        while True:
            try:
                items.append(self.done.get_nowait())
            except queue.Empty:
                break
        finished: Finished = []
        for (run, _), result in zip(items, self._results([f for _, f in items]), strict=True):
            self.remote.received(result if not isinstance(result, Lost) else None)
            finished.append((run, result))
        return finished

    def _results(self, futures: List[Any]) -> List[Any]:
        # One gather for every result that is ready (a round trip each, however many results it carries:
        # batching beats fetching each result concurrently on a busy scheduler).
        ready = [f for f in futures if f.status == "finished"]
        values: Dict[str, Any] = {}
        if ready:
            with contextlib.suppress(*LOST):  # a worker holding one of them died meanwhile: one by one
                values = dict(zip([f.key for f in ready], self.client.gather(ready), strict=True))
        results: List[Any] = []
        for future in futures:
            self.futures.pop(future.key, None)
            if future.key in values:
                results.append(values[future.key])
                continue
            try:
                results.append(future.result())
            except LOST as exc:
                results.append(Lost(exc))
        for future in futures:
            future.release()
        return results

    def stop(self, cancel: bool) -> None:
        self.flags.raise_flags(cancel)
        token = self.flags.token

        # In a thread: Client.run waits for the scheduler, which may be the thing that just died.
        def tell_workers() -> None:
            with contextlib.suppress(Exception):
                self.client.run(raise_flags_async, token, cancel, wait=False)

        threading.Thread(target=tell_workers, name="ewoks-dask-stop", daemon=True).start()

    def check(self) -> Optional[BaseException]:
        if self.client.status in ("closed", "closing", "failed"):
            return ConnectionError(f"the dask client lost its scheduler (status {self.client.status!r})")
        return None

    def close(self, abort: bool) -> None:
        if abort and self.futures:
            with contextlib.suppress(Exception):
                self.client.cancel(list(self.futures.values()))
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
