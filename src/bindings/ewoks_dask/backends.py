"""Worker pools driven by the scheduling loop: a process pool, or a dask.distributed client.

Both execute nodes through `ewoks_dask.worker`, i.e. `run_node_remote`: values
cross the process boundary pickled (numpy arrays included), never as JSON.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import uuid
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

from ewoks_core.engines.base import Job
from ewoks_core.errors import EngineError, node_label
from ewoks_core.events.relay import local_sinks, relay, worker_config
from ewoks_core.execution import NodeOutcome, NodeRun, node_spec
from ewoks_core.execution.mpstart import default_start_method, mp_context
from ewoks_core.execution.startmarks import StartMarks

from .loop import LOST, Backend, Done
from .options import DaskOptions, is_client, local_workers
from .worker import init_process, run_in_process, run_on_worker, stop_job_async

logger = logging.getLogger(__name__)

CLOSE_TIMEOUT = 10  # seconds to close a client/cluster we started (the scheduler may be gone)


class _Relay:
    """What workers need to relay node events to sinks of the calling process (see ewoks_core.events.relay)."""

    def __init__(self, job: Job) -> None:
        self.sinks = local_sinks(job.ctx.emitter)
        config = job.ctx.to_config()
        self.config = worker_config(config) if self.sinks else config

    def received(self, outcome: NodeOutcome) -> None:
        if self.sinks:
            relay(outcome, self.sinks)


class _NodeSpecs:
    """node_spec() of each node, computed once per job."""

    def __init__(self, job: Job) -> None:
        self.nodes = job.graph.nodes
        self.specs: Dict[Any, dict] = {}

    def __getitem__(self, node_id: Any) -> dict:
        spec = self.specs.get(node_id)
        if spec is None:
            spec = self.specs[node_id] = node_spec(self.nodes[node_id])
        return spec


class ProcessBackend(Backend):
    """A ProcessPoolExecutor started for one job (`scheduler="processes"`)."""

    name = "process-pool"

    def __init__(self, job: Job, n_workers: int, context: str) -> None:
        from ewoks_core.execution.orphans import require_process_support

        require_process_support("dask scheduler 'processes'", "scheduler", "scheduler='threads'")
        ctx = mp_context(context, preload=["ewoks_dask.worker"])
        self.stop_flag, self.cancel_flag = ctx.Event(), ctx.Event()
        self.pool = ProcessPoolExecutor(n_workers, mp_context=ctx, initializer=init_process,
                                        initargs=(self.stop_flag, self.cancel_flag))
        self.specs = _NodeSpecs(job)
        self.relay = _Relay(job)
        # complete events for runs lost with a worker (a broken pool fails the queued runs too)
        self.marks = StartMarks() if job.ctx.emitter.enabled else None

    def submit(self, run: NodeRun, done: Done) -> None:
        if self.marks is not None:
            self.marks.assign(run)
        future = self.pool.submit(run_in_process, self.specs[run.node_id], run, self.relay.config,
                                  bool(self.relay.sinks))
        future.add_done_callback(lambda f: done((run, f)))

    def received(self, outcome: NodeOutcome) -> None:
        self.relay.received(outcome)

    def stop(self, cancel: bool) -> None:
        self.stop_flag.set()
        if cancel:
            self.cancel_flag.set()

    def close(self, abort: bool) -> None:
        if abort:
            terminate = getattr(self.pool, "terminate_workers", None)  # Python >= 3.14
            if terminate is not None:
                terminate()
            else:
                for process in list((getattr(self.pool, "_processes", None) or {}).values()):
                    with contextlib.suppress(Exception):
                        process.terminate()
        self.pool.shutdown(wait=True, cancel_futures=True)
        if self.marks is not None:
            self.marks.close()


class DistributedBackend(Backend):
    """Nodes submitted with `distributed.Client.submit` (a cluster, an address or a given client)."""

    name = "dask distributed"

    def __init__(self, job: Job, client: Any, closers: List[Callable[[], Any]]) -> None:
        self.client = client
        self.closers = closers
        self.token = uuid.uuid4().hex  # names this run's flags on the workers (job ids may be reused)
        self.specs = _NodeSpecs(job)
        self.relay = _Relay(job)
        self.futures: Dict[Any, Any] = {}  # key -> future, until its result is taken

    def submit(self, run: NodeRun, done: Done) -> None:
        key = f"{node_label(run.node_id)}-{uuid.uuid4().hex}"  # the dashboard groups tasks by node
        future = self.client.submit(run_on_worker, self.specs[run.node_id], run, self.relay.config, self.token,
                                    bool(self.relay.sinks), key=key, pure=False)
        self.futures[key] = future
        future.add_done_callback(lambda f: done((run, f)))

    def received(self, outcome: NodeOutcome) -> None:
        self.relay.received(outcome)

    def results(self, handles: List[Any]) -> List[Tuple[Any, Optional[BaseException]]]:
        # One gather for every result that is ready (a round trip each, however many results it carries:
        # batching beats fetching each result concurrently on a busy scheduler).
        finished = [f for f in handles if f.status == "finished"]
        values: Dict[Any, Any] = {}
        if finished:
            try:
                values = dict(zip([f.key for f in finished], self.client.gather(finished), strict=True))
            except LOST:  # a worker holding one of them died meanwhile: fetch one by one
                values = {}
        out: List[Tuple[Any, Optional[BaseException]]] = []
        for future in handles:
            self.futures.pop(future.key, None)
            if future.key in values:
                out.append((values[future.key], None))
                continue
            try:
                out.append((future.result(), None))
            except LOST as exc:
                out.append((None, exc))
        for future in handles:
            future.release()
        return out

    def stop(self, cancel: bool) -> None:
        # In a thread: Client.run waits for the scheduler, which may be the thing that just died.
        def tell_workers() -> None:
            with contextlib.suppress(Exception):
                self.client.run(stop_job_async, self.token, cancel, wait=False)

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
        for closer in reversed(self.closers):
            with contextlib.suppress(Exception):
                closer()


def open_backend(job: Job, options: DaskOptions) -> Backend:
    """The backend for options.scheduler (everything but sync and threads)."""
    scheduler = options.scheduler
    if scheduler == "processes":
        return ProcessBackend(job, local_workers(options), options.mp_context or default_start_method())
    try:
        import distributed
    except ImportError as e:
        raise EngineError(f"dask scheduler {scheduler!r} needs dask.distributed ({e})",
                          hint="pip install 'ewoks_core[dask]'") from None
    closers: List[Callable[[], Any]] = []
    try:
        client = _client(distributed, scheduler, options, closers)
        return DistributedBackend(job, client, closers)
    except BaseException:
        for closer in reversed(closers):
            with contextlib.suppress(Exception):
                closer()
        raise


def _client(distributed: Any, scheduler: Any, options: DaskOptions, closers: List[Callable[[], Any]]) -> Any:
    if is_client(scheduler):
        return scheduler
    if scheduler == "distributed":
        try:
            return distributed.default_client()
        except ValueError:
            raise EngineError("dask scheduler 'distributed' means the default distributed.Client of this "
                              "process, and there is none", field="scheduler",
                              hint="Create a distributed.Client first, or pass scheduler='tcp://host:port', "
                                   "scheduler='cluster' or the client itself.") from None
    if scheduler == "cluster":
        cluster = start_local_cluster(options)
        closers.append(lambda: cluster.close(timeout=CLOSE_TIMEOUT))
        scheduler = cluster
    try:
        client = distributed.Client(scheduler, timeout=options.connect_timeout, set_as_default=False)
    except (OSError, TimeoutError) as e:
        raise EngineError(f"cannot connect to the dask scheduler {scheduler!r}: {e}", field="scheduler",
                          hint="Is a scheduler running there? Start one with `ewoks cluster start` or "
                               "`dask scheduler` + `dask worker ADDRESS`.") from None
    closers.append(lambda: client.close(timeout=CLOSE_TIMEOUT))
    return client


def start_local_cluster(options: DaskOptions) -> Any:
    """A LocalCluster of worker processes for one run (closed by the caller)."""
    from distributed import LocalCluster

    from ewoks_core.execution.orphans import require_process_support

    from .workerenv import worker_environ

    require_process_support("dask scheduler 'cluster'", "scheduler",
                            "scheduler='threads' or the address of a running cluster (ewoks cluster start)")
    kwargs: Dict[str, Any] = {"processes": True, "silence_logs": logging.ERROR, "dashboard_address": ":0"}
    if not options.dashboard:  # the scheduler's HTTP server (health, metrics) still listens: on a free port
        kwargs.update(dashboard_address=None, scheduler_kwargs={"dashboard_address": ":0"})
    if options.n_workers:
        kwargs["n_workers"] = options.n_workers
    if options.threads_per_worker:
        kwargs["threads_per_worker"] = options.threads_per_worker
    kwargs.update(options.cluster_kwargs())
    try:
        from distributed.deploy.spec import SpecCluster

        instances: Iterable[Any] = SpecCluster._instances  # a live WeakSet of every cluster
        known = set(instances)  # to find a half-started cluster after an interrupt
    except (ImportError, AttributeError):  # pragma: no cover - other distributed versions
        instances, known = (), set()
    try:
        with worker_environ():
            cluster = LocalCluster(**kwargs)
    except BaseException as exc:  # Ctrl-C while it starts: its worker processes must not stay behind
        for half_started in set(instances) - known:
            with contextlib.suppress(BaseException):
                half_started.close(timeout=CLOSE_TIMEOUT)
        if isinstance(exc, Exception):  # bad LocalCluster arguments fail deep inside distributed
            cause = exc.__cause__ or exc
            extra = sorted(options.cluster_kwargs())
            raise EngineError(f"cannot start a dask LocalCluster: {type(cause).__name__}: {cause}",
                              field="scheduler_options" if extra else "scheduler",
                              hint=f"Check the LocalCluster arguments given in scheduler_options {extra}." if extra
                              else "Check n_workers/threads_per_worker and the machine's resources.") from exc
        raise
    if options.dashboard:
        logger.warning("dask dashboard of this run: %s", cluster.dashboard_link)
    return cluster
