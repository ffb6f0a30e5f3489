"""StreamBackend: wraps an engine's backend for a job with a stream, so that every engine only schedules.

The driver keeps looping while runs are in flight. While the source is live, the StreamSchedule
hands the driver a *pump* run; this wrapper holds it instead of executing it and reports it back
(Driver.report, from the driver thread) as soon as items arrived or the source ended, which hands
the new item runs to the wrapped backend. While only the pump is in flight, `wait` blocks on the
source's arrival event (no polling); otherwise it waits on the wrapped backend for at most
`interval` s, so that an item arriving while others run starts within that time.
"""

from __future__ import annotations

from typing import Optional, Union

from ..engines.driver import Backend, Driver, Finished
from ..execution.outcome import NodeOutcome, NodeRun
from .schedule import StreamSchedule

INTERVAL = 0.01  # s: longest wait on the wrapped backend while items may arrive


class StreamBackend(Backend):
    """The backend of a job with a stream (see the module docstring)."""

    def __init__(self, inner: Backend, schedule: StreamSchedule, interval: float = INTERVAL) -> None:
        self.inner, self.schedule, self.interval = inner, schedule, interval
        self.name = inner.name
        self.in_process = inner.in_process
        self.driver: Optional[Driver] = None
        self.held: Optional[NodeRun] = None
        self.stopped = False

    def bind(self, driver: Driver) -> None:
        self.driver = driver
        self.inner.bind(driver)

    def submit(self, run: NodeRun) -> None:
        if self.schedule.is_pump(run):
            self.held = run
        else:
            self.inner.submit(run)

    def _tick(self) -> None:
        """Report the pump when there is news (or the job stopped: then it is discarded)."""
        run = self.held
        if run is None or self.driver is None:
            return
        if self.stopped:
            self.held = None
            self.driver.report(run, None)
        elif self.schedule.has_news() or self.schedule.finished:
            self.held = None
            first = self.driver.report(run, NodeOutcome())
            if first is not None:  # in flight already (Driver.report): ours to start
                self.submit(first)

    def wait(self, timeout: float) -> Union[Finished, str]:
        self._tick()
        driver = self.driver
        assert driver is not None
        if self.held is not None and len(driver.inflight) <= 1:  # only the source is live
            reader = self.schedule.reader
            if reader is not None:
                reader.news.wait(timeout)
            self._tick()
            return []
        return self.inner.wait(min(timeout, self.interval) if self.held is not None else timeout)

    def stop(self, cancel: bool) -> None:
        self.stopped = True
        self.inner.stop(cancel)

    def started(self, run: NodeRun) -> Optional[bool]:
        if self.schedule.is_pump(run) or run is self.held:
            return False
        return self.inner.started(run)

    def check(self) -> Optional[BaseException]:
        return self.inner.check()

    def close(self, abort: bool) -> None:
        try:
            self.schedule.close()
        finally:
            self.inner.close(abort)
