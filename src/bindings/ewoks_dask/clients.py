"""Clients of dask.distributed for the dask engine: a scheduler address, a given client, the
default client, or a LocalCluster started for the run (closed with it)."""

from __future__ import annotations

import contextlib
import logging
from typing import Any, Callable, Dict, Iterable, List, Tuple

from ewoks_core.errors import EngineError

from .options import DaskOptions, is_client

logger = logging.getLogger(__name__)

CLOSE_TIMEOUT = 10  # seconds to close a client/cluster we started (the scheduler may be gone)


def open_client(scheduler: Any, options: DaskOptions) -> Tuple[Any, List[Callable[[], Any]]]:
    """A distributed.Client for options.scheduler, and what closes what was started for the run."""
    try:
        import distributed
    except ImportError as e:
        raise EngineError(f"dask scheduler {scheduler!r} needs dask.distributed ({e})",
                          hint="pip install 'ewoks_core[dask]'") from None
    closers: List[Callable[[], Any]] = []
    try:
        return _client(distributed, scheduler, options, closers), closers
    except BaseException:
        close_all(closers)
        raise


def close_all(closers: List[Callable[[], Any]]) -> None:
    """Close what was started, last first (errors ignored: the scheduler may be gone)."""
    for closer in reversed(closers):
        with contextlib.suppress(Exception):
            closer()


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
