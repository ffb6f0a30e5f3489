"""The contract between the job driver (driver.py) and a backend, where node runs execute: what a
backend implements (`Backend`), what it hands back (`Finished`: runs with their `Result`, a `Lost`
for a run its worker did not return), and what the driver needs from the scheduling state
(`Schedule`, which ewoks_core.execution.JobState implements). Engines import these from driver.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, List, Optional, Protocol, Tuple, Union

from ..execution.outcome import NodeOutcome, NodeRun
from ..execution.plan import PlannedNode

if TYPE_CHECKING:
    from .driver import Driver

PROCESSED = "processed"  # what `Backend.wait` returns when worker threads reported through Driver.report


class Lost:
    """A backend's result for a run whose worker did not return it (died, unreachable, unpicklable)."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


Result = Union[NodeOutcome, Lost, None]  # None: the run never started (the job stopped), or it ended interrupted
Finished = List[Tuple[NodeRun, Result]]


class Schedule(Protocol):
    """What the driver needs from the scheduling state (ewoks_core.execution.JobState implements it)."""

    error: Optional[BaseException]

    def start(self) -> List[NodeRun]: ...
    def complete(self, run: NodeRun, outcome: NodeOutcome) -> List[NodeRun]: ...
    def discard(self, run: NodeRun) -> None: ...
    def fail(self, error: BaseException) -> None: ...
    def cancel(self, reason: str = "cancelled") -> None: ...

    @property
    def done(self) -> bool: ...


class Backend:
    """Where node runs execute. Subclasses implement submit and wait, and what else they need."""

    name = "backend"  # how lost runs name the place they were lost ("the <name> worker running node ...")
    in_process = False  # runs execute in this process (their events reach every sink directly)
    runs_in_caller = False  # runs execute in the driver's thread, in `wait` (Ctrl-C must interrupt them there)

    def bind(self, driver: "Driver") -> None:
        """Called once before the first submit (backends that report from worker threads keep the driver)."""

    def submit(self, run: NodeRun) -> None:
        """Start `run` (called by the driver, with its lock held: do not call Driver.report from here)."""
        raise NotImplementedError

    submit_many: Optional[Callable[[List[PlannedNode], List[NodeRun]], None]] = None
    """Backends that run a whole graph at once set this: `submit_many(plan, runs)` starts the run of each
    planned node (execution.plan.run_planned) after its sources', and reports `runs[i]` for `plan[i]`."""

    def wait(self, timeout: float) -> Union[Finished, str]:
        """Block until runs finished (at most `timeout` s, except inline backends, which execute one
        run here); return them with their results, or PROCESSED when threads reported them."""
        raise NotImplementedError

    def stop(self, cancel: bool) -> None:
        """No new run may start (queued runs come back as None); with cancel, running tasks are told."""

    def started(self, run: NodeRun) -> Optional[bool]:
        """For a run abandoned after a stop: did it start? (None: unknown, the start marks decide)."""
        return None

    def place(self, run: NodeRun) -> Tuple[str, bool]:
        """Where `run` was sent, for the error of a lost run: (name, whether in another process)."""
        return self.name, not self.in_process

    def check(self) -> Optional[BaseException]:
        """Called when a wait returned nothing: an error when the workers are gone for good."""
        return None

    def close(self, abort: bool) -> None:
        """Release what the backend started (abort: runs were abandoned, terminate what still runs)."""
