"""Options of the dask engine: which dask scheduler runs the nodes, and how many workers.

`scheduler` is one of
- "sync": one node at a time in the calling thread (debugging; same order as the sequential engine),
- "threads" (default): a thread pool in this process,
- "processes": a pool of worker processes started for the run,
- "cluster": a `distributed.LocalCluster` started for the run (`n_workers`, `threads_per_worker`),
- "distributed": the default `distributed.Client` of this process,
- a scheduler address ("tcp://host:port", "tls://...", ...),
- a `distributed.Client`, or a cluster object with a `scheduler_address` (LocalCluster, SLURMCluster, ...).
ewoksdask's spellings are accepted: None -> "sync", "multithreading" -> "threads",
"multiprocessing" -> "processes", and `scheduler_options={"num_workers": ..., "context": ...}`.
"""

from __future__ import annotations

import sys
from typing import Any, Dict, List, Literal, Optional, Tuple

from pydantic import ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from ewoks_core.engines.base import EngineOptions
from ewoks_core.errors import did_you_mean

LOCAL_SCHEDULERS = ("sync", "threads", "processes")
SCHEDULER_NAMES = LOCAL_SCHEDULERS + ("cluster", "distributed")
ALIASES = {
    "synchronous": "sync", "single-threaded": "sync", "sequential": "sync",
    "threading": "threads", "multithreading": "threads", "thread": "threads",
    "multiprocessing": "processes", "process": "processes",
    "localcluster": "cluster", "local_cluster": "cluster",
}
ADDRESS_PREFIXES = ("tcp://", "tls://", "inproc://", "ucx://", "ws://", "wss://")
MpContext = Literal["spawn", "forkserver", "fork"]


class DaskOptions(EngineOptions):
    """Engine options of `engine="dask"` (plus those of every engine: timeout, cancel_event, kill_timeout, ...)."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    scheduler: Any = Field("threads", description="sync, threads, processes, cluster, distributed, a scheduler "
                                                   "address, a distributed.Client or a cluster object.")
    n_workers: Optional[int] = Field(None, ge=1, description="Threads (threads), processes (processes) or worker "
                                                             "processes (cluster); default: number of CPUs.")
    threads_per_worker: Optional[int] = Field(None, ge=1, description="Threads per worker process (cluster).")
    mp_context: Optional[MpContext] = Field(None, description="Start method of worker processes (processes); "
                                                              "default forkserver where available, else spawn.")
    dashboard: bool = Field(False, description="Serve the dask dashboard of a cluster started for the run.")
    connect_timeout: float = Field(30.0, gt=0, description="Seconds to wait for a scheduler address to answer.")
    scheduler_options: Optional[Dict[str, Any]] = Field(
        None, description="ewoksdask compatibility: num_workers, context, or more LocalCluster arguments (cluster).")

    @field_validator("scheduler", mode="before")
    @classmethod
    def _scheduler(cls, value: Any) -> Any:
        try:
            return normalize_scheduler(value)
        except ValueError as e:  # without pydantic's "Value error, " prefix
            raise PydanticCustomError("scheduler", "{message}", {"message": str(e)}) from None

    @field_validator("scheduler_options")
    @classmethod
    def _context(cls, value: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
        if value and "context" in value and value["context"] not in ("spawn", "forkserver", "fork"):
            raise PydanticCustomError("context", "unknown multiprocessing context '{context}': use spawn, "
                                                 "forkserver or fork", {"context": value["context"]})
        return value

    @model_validator(mode="after")
    def _compat(self) -> "DaskOptions":
        opts = dict(self.scheduler_options or {})

        def count(name: str) -> int:
            value = opts[name]
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                try:
                    value = int(value)
                except (TypeError, ValueError):
                    value = None
                if value is None or value < 1:
                    raise PydanticCustomError("scheduler_options", "{message}", {
                        "message": f"scheduler_options.{name} must be a positive integer, got {opts[name]!r}"})
            return value

        if self.scheduler != "cluster":
            unknown = sorted(set(opts) - {"num_workers", "n_workers", "threads_per_worker", "context"})
            if unknown:
                raise PydanticCustomError("scheduler_options", "{message}", {
                    "message": f"scheduler_options {unknown} only apply to scheduler='cluster' (LocalCluster "
                               "arguments); known for every scheduler: num_workers, threads_per_worker, context"})
        if "num_workers" in opts and self.n_workers is None:
            object.__setattr__(self, "n_workers", count("num_workers"))
        if "n_workers" in opts and self.n_workers is None:
            object.__setattr__(self, "n_workers", count("n_workers"))
        if "threads_per_worker" in opts and self.threads_per_worker is None:
            object.__setattr__(self, "threads_per_worker", count("threads_per_worker"))
        if "context" in opts and self.mp_context is None:
            object.__setattr__(self, "mp_context", opts["context"])
        return self

    def locations(self) -> List[Tuple[str, str, Any]]:
        """A scheduler that is not started here (an address, "distributed": the default client), the dashboard
        port a started cluster would open, and LocalCluster arguments (worker_class, local_directory, host...)."""
        found: List[Tuple[str, str, Any]] = []
        if not (isinstance(self.scheduler, str) and self.scheduler in LOCAL_SCHEDULERS + ("cluster",)):
            address = self.scheduler if isinstance(self.scheduler, str) else getattr(
                self.scheduler, "scheduler_address", type(self.scheduler).__name__)
            found.append(("scheduler", "address", address))
        if self.dashboard:
            found.append(("dashboard", "settings", True))
        if self.cluster_kwargs():
            found.append(("scheduler_options", "settings", sorted(self.cluster_kwargs())))
        return found

    def cluster_kwargs(self) -> Dict[str, Any]:
        """Extra LocalCluster arguments given through scheduler_options."""
        skip = {"num_workers", "n_workers", "threads_per_worker", "context"}
        return {k: v for k, v in (self.scheduler_options or {}).items() if k not in skip}


def normalize_scheduler(value: Any) -> Any:
    """Canonical scheduler: one of SCHEDULER_NAMES, an address string, or a client/cluster object."""
    if value is None:
        return "sync"
    if isinstance(value, str):
        text = value.strip()
        lowered = text.lower()
        if lowered in SCHEDULER_NAMES:
            return lowered
        if lowered in ALIASES:
            return ALIASES[lowered]
        if lowered.startswith(ADDRESS_PREFIXES):
            return text
        if ":" in text and text.rsplit(":", 1)[1].isdigit():  # host:port
            return "tcp://" + text
        raise ValueError(f"unknown dask scheduler {value!r}.{did_you_mean(lowered, SCHEDULER_NAMES)} Use one of "
                         f"{', '.join(SCHEDULER_NAMES)} or a scheduler address like tcp://host:8786")
    if is_client(value) or hasattr(value, "scheduler_address"):
        return value
    raise ValueError("scheduler must be a name, an address, a distributed.Client or a cluster, "
                     f"not {type(value).__name__}")


def is_client(value: Any) -> bool:
    """True for a distributed.Client (without importing distributed when it is not loaded)."""
    mod = sys.modules.get("distributed")
    return mod is not None and isinstance(value, mod.Client)


def local_workers(options: DaskOptions) -> int:
    """Pool size of the threads/processes schedulers: n_workers, dask's num_workers config, or the CPU count."""
    if options.n_workers:
        return options.n_workers
    from dask.system import CPU_COUNT

    import dask

    return int(dask.config.get("num_workers", None) or CPU_COUNT)
