"""Typed options of the ppf engine (parsed once at the API boundary)."""

from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import ConfigDict, Field, field_validator

from ewoks_core.engines.base import EngineOptions

PoolType = Literal["thread", "process", "ndprocess", "multiprocessing", "ndmultiprocessing", "billiard"]
PROCESS_POOLS = frozenset({"process", "ndprocess", "multiprocessing", "ndmultiprocessing", "billiard"})


class PpfOptions(EngineOptions):
    """Options of the ppf engine (plus those of every engine: timeout, cancel_event, kill_timeout, ...);
    every one has a default that suits a loop of tiny tasks."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    pool_type: PoolType = Field(
        "thread", description="pypushflow worker pool: 'thread' (default, cheapest), 'process' "
        "(concurrent.futures processes), 'ndprocess' (non-daemonic: tasks may start processes), "
        "'multiprocessing', 'ndmultiprocessing', 'billiard'.")
    max_workers: Optional[int] = Field(
        None, ge=1, description="Pool size (default: the pool's own default, e.g. CPU count for processes).")
    context: Optional[Literal["fork", "spawn", "forkserver"]] = Field(
        None, description="multiprocessing start method of process pools (default: a forkserver with "
        "ewoks preloaded; 'spawn' where there is none; billiard: its own default).")

    @field_validator("pool_type")
    @classmethod
    def _pool_available(cls, value: str) -> str:
        from pypushflow.concurrent.factory import get_pool

        try:
            get_pool(value)
        except ImportError as e:
            raise ValueError(f"pypushflow pool {value!r} is not available here: {e}") from None
        return value

    @property
    def uses_processes(self) -> bool:
        return self.pool_type in PROCESS_POOLS

    def pool_context(self) -> Any:
        """What pypushflow's pool takes as `context` (None: the pool's own default).

        Not a plain fork by default: forking the caller, full of threads (the driver's timer, the
        event flusher), can copy a lock held by another thread, and a replacement worker forked
        after a crash was seen blocked forever on the pool queue's lock. Workers are forked from a
        small single-threaded server that has ewoks imported (~0.1 s per job; spawn ~0.5 s)."""
        if not self.uses_processes or self.pool_type == "billiard":
            return self.context
        from ewoks_core.execution.mpstart import default_start_method, mp_context

        name = self.context or default_start_method()
        ctx = mp_context(name)
        # the non-daemonic pools map a start-method name to their own context class
        return name if self.pool_type.startswith("nd") else ctx
