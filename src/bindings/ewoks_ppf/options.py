"""Typed options of the ppf engine (parsed once at the API boundary)."""

from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import ConfigDict, Field, field_validator

from ewoks_core.engines.base import EngineOptions

PoolType = Literal["thread", "process", "ndprocess", "multiprocessing", "ndmultiprocessing", "billiard"]
PROCESS_POOLS = frozenset({"process", "ndprocess", "multiprocessing", "ndmultiprocessing", "billiard"})


class PpfOptions(EngineOptions):
    """Options of the ppf engine; every one has a default that suits a loop of tiny tasks."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    pool_type: PoolType = Field(
        "thread", description="pypushflow worker pool: 'thread' (default, cheapest), 'process' "
        "(concurrent.futures processes), 'ndprocess' (non-daemonic: tasks may start processes), "
        "'multiprocessing', 'ndmultiprocessing', 'billiard'.")
    max_workers: Optional[int] = Field(
        None, ge=1, description="Pool size (default: the pool's own default, e.g. CPU count for processes).")
    context: Optional[Literal["fork", "spawn", "forkserver"]] = Field(
        None, description="multiprocessing start method of process pools (default: the platform's).")
    cancel_event: Optional[Any] = Field(
        None, description="An object with is_set() (e.g. threading.Event): setting it cancels the job.")
    kill_timeout: Optional[float] = Field(
        10.0, gt=0, description="After a stop, terminate worker processes still running tasks after this "
        "many seconds (None: wait for the tasks to return). A second Ctrl-C or SIGTERM terminates at once.")
    stop_on_signals: bool = Field(
        True, description="Stop cleanly on SIGTERM (only when executed in the main thread).")

    @field_validator("pool_type")
    @classmethod
    def _pool_available(cls, value: str) -> str:
        from pypushflow.concurrent.factory import get_pool

        try:
            get_pool(value)
        except ImportError as e:
            raise ValueError(f"pypushflow pool {value!r} is not available here: {e}") from None
        return value

    @field_validator("cancel_event")
    @classmethod
    def _has_is_set(cls, value: Any) -> Any:
        if value is not None and not callable(getattr(value, "is_set", None)):
            raise ValueError("must have an is_set() method, e.g. a threading.Event")
        return value

    @property
    def uses_processes(self) -> bool:
        return self.pool_type in PROCESS_POOLS
