"""EwoksFuture: the handle of a submitted job (any process can make one from the job id)."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any, Iterator, List, Optional, Tuple

from celery.exceptions import TimeoutError as CeleryTimeoutError

from celery import states
from ewoks_core.errors import RemoteTaskError, WorkflowCancelled

from . import codec
from .errors import RemoteJobError, error_from_payload
from .jobstore import STARTED
from .lost import fail_lost_job, lost_error

if TYPE_CHECKING:
    from ewoks_core.events import Event

    from .client import JobClient

logger = logging.getLogger(__name__)
_Outcome = Tuple[Any, Optional[BaseException]]


class EwoksFuture:
    """A job running (or queued) on Celery workers.

    `result(timeout)` returns the workflow results or raises what the job raised
    (TaskFailedError with node id, message and the worker's traceback text,
    WorkflowCancelled, JobLostError when its worker died, ...); `done()`,
    `cancel()`, `state`, `events()` and `follow()` never block for long.
    """

    def __init__(self, job_id: str, client: "JobClient") -> None:
        self.job_id = job_id
        self._client = client
        self._outcome: Optional[_Outcome] = None
        self._revoked_at: Optional[float] = None

    def __repr__(self) -> str:
        return f"<EwoksFuture {self.job_id} {self.state}>"

    # --- state
    @property
    def state(self) -> str:
        """PENDING, STARTED, SUCCESS, FAILURE or REVOKED (cancelled)."""
        outcome = self._poll()
        if outcome is None:  # the claim in the job index says STARTED
            record = self._client.store.get(self.job_id)
            return record.state if record is not None and record.state == STARTED else states.PENDING
        error = outcome[1]
        if error is None:
            return states.SUCCESS
        return states.REVOKED if isinstance(error, WorkflowCancelled) else states.FAILURE

    def done(self) -> bool:
        """The job ended (success, failure, cancelled or lost)."""
        return self._poll() is not None

    def running(self) -> bool:
        return self.state == states.STARTED

    def cancelled(self) -> bool:
        return self.done() and isinstance(self._outcome[1], WorkflowCancelled)  # type: ignore[index]

    # --- waiting
    def result(self, timeout: Optional[float] = None) -> Any:
        """The workflow results; raises the job's error, or TimeoutError after `timeout` seconds."""
        value, error = self._wait(timeout)
        if error is not None:
            raise error
        return value

    def exception(self, timeout: Optional[float] = None) -> Optional[BaseException]:
        """The job's error (None on success); TimeoutError after `timeout` seconds."""
        return self._wait(timeout)[1]

    def cancel(self) -> bool:
        """Ask for the job to stop (queued: never starts; running: stopped). False when it already ended."""
        if self.done():
            return False
        return self._client.cancel(self.job_id)

    # --- events
    def events(self, **filters: Any) -> List["Event"]:
        """The job's events so far (filters of ewoks_core.events.readers.read_events)."""
        from ewoks_core.events.readers import read_events

        return list(read_events(self._client.config.events_source, job_id=self.job_id, **filters))

    def follow(self, timeout: Optional[float] = None) -> Iterator["Event"]:
        """The job's events, past then live, until its job end event (or `timeout`)."""
        from ewoks_core.events.readers import follow_events

        return follow_events(self._client.config.events_source, job_id=self.job_id, timeout=timeout,
                             poll_interval=min(0.2, self._client.config.heartbeat_interval))

    # --- internals
    def _async(self) -> Any:
        return self._client.app.AsyncResult(self.job_id)

    @staticmethod
    def _release(result: Any) -> None:
        """Forget an AsyncResult now: its __del__ would otherwise talk to the backend, possibly at
        interpreter exit (when a traceback kept it alive), and print an ignored ImportError."""
        try:
            result.backend.remove_pending_result(result)
        except Exception:
            pass
        try:
            result.backend = None
        except Exception:
            pass

    def _poll(self, result: Any = None) -> Optional[_Outcome]:
        if self._outcome is None:
            result = result if result is not None and self._revoked_at is None else self._async()
            if result.state in states.READY_STATES:
                if not self._stopping(result.state):
                    self._outcome = self._decode(result)
            elif self._check_lost():
                self._outcome = self._decode(self._async())
        return self._outcome

    def _stopping(self, state: str) -> bool:
        """Revoked while running: the job is still ending (its end events); wait for that, up to lost_after."""
        if state != states.REVOKED:
            return False
        if self._revoked_at is None:
            self._revoked_at = time.monotonic()
        elif time.monotonic() - self._revoked_at > self._client.config.lost_after:
            return False
        record = self._client.store.get(self.job_id)
        return record is not None and record.state == STARTED and self._client.store.alive(self.job_id)

    def _wait(self, timeout: Optional[float]) -> _Outcome:
        config = self._client.config
        deadline = None if timeout is None else time.monotonic() + timeout
        outcome = self._outcome
        while outcome is None:
            remaining = None if deadline is None else deadline - time.monotonic()
            chunk = config.heartbeat_interval if remaining is None else \
                max(0.0, min(remaining, config.heartbeat_interval))
            result = self._async()
            try:
                if self._revoked_at is None:
                    result.get(timeout=chunk, interval=config.polling_interval, propagate=False,
                               disable_sync_subtasks=False)
                else:  # revoked, still ending: Celery's state is final already, the job index is read
                    time.sleep(min(chunk, 0.05))
            except CeleryTimeoutError:
                pass
            except Exception as e:  # the result store is unreachable (restarting?): retry until the deadline
                logger.warning("job %s: cannot read its state yet: %s", self.job_id, e)
                time.sleep(min(0.5, chunk) if chunk else 0)
            try:
                outcome = self._poll(result)
                if outcome is None and remaining is not None and remaining <= chunk:
                    raise TimeoutError(f"job {self.job_id} did not finish within {timeout:g} s (state {self.state})")
            finally:
                self._release(result)
        return outcome

    def _check_lost(self) -> bool:
        """Fail the job when its worker stopped beating; True when it did."""
        store = self._client.store
        record = store.get(self.job_id)
        if record is None or record.state != STARTED or store.alive(self.job_id):
            return False
        reason = f"no heartbeat from its worker {record.worker or '?'} for {self._client.config.lost_after:g} s"
        return fail_lost_job(self._client.app, store, self._client.config, self.job_id, reason) is not None

    def _decode(self, result: Any) -> _Outcome:
        state = result.state
        if state == states.SUCCESS:
            return codec.decode((result.result or {}).get("results")), None
        if state == states.REVOKED:
            return None, WorkflowCancelled(f"job {self.job_id} was cancelled")
        exc = result.result
        if isinstance(exc, RemoteJobError):
            return None, error_from_payload(exc.payload or (exc.args[1] if len(exc.args) > 1 else {}), self.job_id)
        if type(exc).__name__ == "WorkerLostError":  # Celery: the pool process running the job died
            client = self._client
            return None, (fail_lost_job(client.app, client.store, client.config, self.job_id, str(exc))
                          or self._failed_elsewhere() or lost_error(self.job_id, str(exc)))
        return None, RemoteTaskError(type(exc).__name__, str(exc), result.traceback or "")

    def _failed_elsewhere(self) -> Optional[BaseException]:
        """The error of a lost job another process is failing (the worker's main process, another client):
        it completes the job's events (after stopping its stream items) and only then records the job's
        error, so wait for that record, at most as long as it may take; None if it never comes."""
        config = self._client.config
        deadline = time.monotonic() + config.lost_after + 3 * config.heartbeat_interval
        while time.monotonic() < deadline:
            result = self._async()
            try:
                exc = result.result if result.state == states.FAILURE else None
            finally:
                self._release(result)
            if isinstance(exc, RemoteJobError):
                return error_from_payload(exc.payload or (exc.args[1] if len(exc.args) > 1 else {}), self.job_id)
            time.sleep(max(0.02, min(0.2, config.polling_interval)))
        return None

