"""What a job promises about its events: its sinks are checked before the first node runs, and a
job whose requested sinks lost events says so, as `execinfo["on_events_lost"]` asks:

- "raise" (default): the job runs to its end; then the call raises EventsLostError (its `results`
  hold the workflow's results), the CLI exits 1;
- "fail": the job stops at the first batch that cannot be written (nothing new starts, running
  tasks are told to cancel) and fails with EventsLostError;
- "warn": an error in the log, the results are returned (events are best effort).

A sink that cannot write at all (its file, database or server cannot be opened, or the job's
start events cannot be written) refuses the job before any node runs (EventSinkError), unless
the policy is "warn". A job id chosen by the caller that a sink already holds is refused.
"""

from __future__ import annotations

import functools
import logging
from typing import Any, List, NamedTuple, Optional

from ..errors import EventSinkError, EventsLostError, EwoksError, WorkflowCancelled, name_list
from .emitter import EventEmitter, sink_name
from .sinks.base import EventSink

logger = logging.getLogger("ewoks_core.events")

_CHECK_HINT = "Check the destination (free space, permissions, server address) or choose another one."


class SinkFailure(NamedTuple):
    """A sink that did not write every event of the job."""

    sink: EventSink
    error: Optional[BaseException]
    lost: int  # events not written (0: unknown)


def check_sinks(emitter: EventEmitter, job_id_given: bool) -> None:
    """Before anything runs: every sink opens its destination, and a job id chosen by the caller
    (execinfo job_id, --job-id) must be new in each (a second job with it would be merged into the first)."""
    for sink in emitter.sinks:
        try:
            sink.check()
        except EwoksError:
            raise
        except Exception as exc:
            message = f"event handler {sink_name(sink)} cannot write events: {_reason(exc)}"
            if emitter.on_events_lost != "warn":
                raise EventSinkError(message, field="execinfo.handlers", hint=_CHECK_HINT) from exc
            logger.warning("job %s: %s (on_events_lost='warn': the job runs)", emitter.job_id, message)
            continue
        if job_id_given and _has_job(sink, emitter.job_id):
            raise EventSinkError(
                f"job id {emitter.job_id!r} already has events in {sink_name(sink)}: this run would be merged into "
                "that job", field="execinfo.job_id",
                hint="Each run is a job of its own: give this run a new id (for example "
                     f"{emitter.job_id + '-2'!r}; `ewoks events FILE --jobs` lists the ids in use), or write its "
                     "events elsewhere.")


def _has_job(sink: EventSink, job_id: str) -> bool:
    try:
        return bool(sink.has_job(job_id))
    except Exception as exc:
        raise EventSinkError(f"event handler {sink_name(sink)} cannot be read to check job id {job_id!r}: "
                             f"{_reason(exc)}", field="execinfo.handlers", hint=_CHECK_HINT) from exc


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if isinstance(exc, OSError) else f"{type(exc).__name__}: {text}"


class EventDelivery:
    """The event guarantees of one job run (see the module docstring); used by engines.lifecycle."""

    def __init__(self, emitter: EventEmitter, cancel_event: Any) -> None:
        self.emitter = emitter
        self.policy = emitter.on_events_lost
        self.cancel_event = cancel_event
        self.stopped_by: Optional[SinkFailure] = None  # "fail": the first write that failed while the job ran
        self._refused: List[EventSink] = []

    def start(self) -> Optional[EventSinkError]:
        """Write the job's start events now (worker processes write their node events straight to the same
        destinations). The error refusing the job when a sink cannot write them, else None."""
        if not self.emitter.enabled:
            return None
        failures = _flush_each(self.emitter.sinks)
        if failures and self.policy == "warn":
            logger.warning("job %s: events cannot be written yet (on_events_lost='warn': the job runs): %s",
                           self.emitter.job_id, _describe(failures))
            failures = []
        if failures:
            self._refused = [failure.sink for failure in failures]
            for sink in self._refused:
                _discard(sink)
            first = failures[0]
            return EventSinkError(f"event handler {sink_name(first.sink)} cannot write events: "
                                  f"{_reason(first.error) if first.error else 'events dropped'}",
                                  field="execinfo.handlers", hint=_CHECK_HINT)
        if self.policy == "fail":
            for sink in self.emitter.sinks:
                if hasattr(sink, "on_write_error"):
                    sink.on_write_error = functools.partial(self._write_failed, sink)
        return None

    def _write_failed(self, sink: EventSink, exc: BaseException) -> None:
        if self.stopped_by is None:
            self.stopped_by = SinkFailure(sink, exc, 0)
        self.cancel_event.set()

    def job_error(self, error: Optional[BaseException]) -> Optional[BaseException]:
        """With "fail", a job stopped (or completed) after a failed write fails with EventsLostError."""
        failure = self.stopped_by
        if failure is None or not (error is None or isinstance(error, WorkflowCancelled)):
            return error
        return EventsLostError(f"job {self.emitter.job_id}: events could not be written to "
                               f"{sink_name(failure.sink)}: {_reason(failure.error or RuntimeError())}; the job "
                               "was stopped (on_events_lost='fail')", hint=_CHECK_HINT)

    def finish(self) -> List[SinkFailure]:
        """Flush every sink and close those built from handler entries; the sinks that did not write every event."""
        sinks = self.emitter.sinks
        for sink in sinks:
            if hasattr(sink, "on_write_error"):
                sink.on_write_error = None
        for sink in self._refused:  # the job was refused: its events are not written later either
            _discard(sink)
        failures = [f for f in _flush_each(sinks) if f.sink not in self._refused]
        for failure in failures:  # reported now: not written later, partially, by a retry
            _discard(failure.sink)
        for sink in sinks:
            if getattr(sink, "_ewoks_owned", False):
                try:
                    sink.close()
                except Exception:  # already reported by the flush above
                    pass
        return failures

    def check_complete(self, failures: List[SinkFailure], results: Any) -> None:
        """After a job that completed: raise EventsLostError when events were lost (policy "warn": log it)."""
        if not failures:
            return
        message = f"job {self.emitter.job_id}: {_describe(failures)}"
        if self.policy == "warn":
            logger.error("%s (on_events_lost='warn')", message)
            return
        raise EventsLostError(message, results=results,
                              hint="The workflow completed and returned its results (`results` of this error), but its "
                                   "event record is incomplete. " + _CHECK_HINT)

    def report_lost(self, failures: List[SinkFailure], error: BaseException) -> None:
        """Log lost events of a job that failed anyway (its own error is raised)."""
        if failures and not isinstance(error, (EventsLostError, EventSinkError)):
            logger.error("job %s: %s", self.emitter.job_id, _describe(failures))


def _flush_each(sinks: List[EventSink]) -> List[SinkFailure]:
    failures = []
    for sink in sinks:
        error: Optional[BaseException] = None
        try:
            sink.flush()
        except Exception as exc:
            error = exc
        dropped = sink.dropped() if hasattr(sink, "dropped") else 0
        if error is not None or dropped:
            pending = sink.pending() if error is not None and hasattr(sink, "pending") else 0
            failures.append(SinkFailure(sink, error, pending + dropped))
    return failures


def _discard(sink: EventSink) -> None:
    if hasattr(sink, "discard_pending"):
        sink.discard_pending()


def _describe(failures: List[SinkFailure]) -> str:
    def one(failure: SinkFailure) -> str:
        count = f"{failure.lost} event(s)" if failure.lost else "events"
        reason = f": {_reason(failure.error)}" if failure.error is not None else " (dropped while it failed)"
        return f"{count} could not be written to event handler {sink_name(failure.sink)}{reason}"

    return name_list(failures, render=one, limit=3)
