"""The job index: one record per submitted job, with the worker's heartbeat and the cancel flag.

Celery's result store keeps each job's state and result; this index adds what
Celery does not: listing recent jobs, a liveness proof of the worker running a
job (so that a job whose worker was killed is failed instead of staying
"started" forever), a claim so that a redelivered message never runs a job twice,
and a cancel request that reaches pending and running jobs on every broker.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any, Dict, List, Optional

PENDING, STARTED, SUCCESS, FAILURE, REVOKED = "PENDING", "STARTED", "SUCCESS", "FAILURE", "REVOKED"
FINAL_STATES = frozenset({SUCCESS, FAILURE, REVOKED})


@dataclass
class JobRecord:
    """What the index knows about one job (times are unix seconds)."""

    job_id: str
    workflow_id: str = ""
    queue: str = ""
    engine: str = ""
    state: str = PENDING
    submitted: float = 0.0
    started: Optional[float] = None
    finished: Optional[float] = None
    worker: str = ""
    cancel: bool = False
    message: str = ""

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)


class JobStore:
    """Interface of the job index (SQLite file in embedded mode, Redis in production)."""

    def __init__(self, lost_after: float, expires: float) -> None:
        self.lost_after = lost_after
        self.expires = expires

    def reachable(self) -> bool:
        """One quick attempt to reach the store (no retries): False when it does not answer now."""
        return True

    def add(self, record: JobRecord) -> None:
        """Register a job at submission (state PENDING)."""
        raise NotImplementedError

    def get(self, job_id: str) -> Optional[JobRecord]:
        raise NotImplementedError

    def recent(self, limit: int = 50) -> List[JobRecord]:
        """The most recently submitted jobs, newest first."""
        raise NotImplementedError

    def items(self, job_id: str) -> List[JobRecord]:
        """The records of the stream items of a job ("<job>:item:<n>", claimed by a worker or by the job)."""
        raise NotImplementedError

    def claim(self, job_id: str, worker: str) -> str:
        """Atomically move a PENDING, not cancelled job to STARTED for `worker` (and beat once).

        Returns "claimed", "cancelled" (cancel requested before it started) or the
        current state ("STARTED", "SUCCESS", ...) when another delivery got it first.
        """
        raise NotImplementedError

    def alive(self, job_id: str) -> bool:
        """The worker running the job beat less than lost_after seconds ago."""
        raise NotImplementedError

    def beat(self, job_ids: List[str]) -> None:
        """Record a heartbeat of running jobs."""
        raise NotImplementedError

    def wait_cancel(self, job_ids: List[str], timeout: float, wake: threading.Event) -> List[str]:
        """Wait up to `timeout` (or until `wake`) for a cancel request; the ids of jobs to cancel."""
        raise NotImplementedError

    def finish(self, job_id: str, state: str, message: str = "", only_if_started: bool = False,
               only_if_pending: bool = False) -> bool:
        """Record the final state; with only_if_started (only_if_pending): only when the job is still STARTED
        (PENDING). True when recorded: of two processes finishing a job at once, exactly one gets True."""
        raise NotImplementedError

    def request_cancel(self, job_id: str) -> None:
        """Flag the job as cancelled and wake its heartbeat."""
        raise NotImplementedError

    def close(self) -> None:
        """Release connections of this process."""
