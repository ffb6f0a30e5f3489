"""StreamBackend: wraps an engine's backend for a job with a stream, so that every engine only schedules.

The driver keeps looping while runs are in flight. While the source is live, the StreamSchedule
hands the driver a *pump* run; this wrapper holds it instead of executing it and reports it back
(Driver.report, from the driver thread) as soon as items arrived or the source ended, which hands
the new item runs to the wrapped backend. While only the pump is in flight, `wait` blocks on the
source's arrival event (no polling); otherwise it waits on the wrapped backend for at most
`interval` s, so that an item arriving while others run starts within that time.

Item backend (optional, RunContext.item_backend, supplied by a binding): the runs of items go to it
instead of the engine's backend. It returns finished runs from `wait` (collected); this wrapper
reports them to the driver under its lock (Driver.report), so it works with engine backends of
either kind, and the in-flight limit and item order stay in the StreamSchedule.
"""

from __future__ import annotations

from typing import Any, Optional, Set, Tuple, Union

from ..engines.driver import PROCESSED, Backend, Driver, Finished
from ..execution.outcome import NodeOutcome, NodeRun

INTERVAL = 0.01  # s: longest wait on the wrapped backend while items may arrive


class _DriverView:
    """The driver as the wrapped backend sees it: a worker thread that reports a run never gets the pump
    to execute (Driver.report hands the calling thread the first run it made ready)."""

    def __init__(self, driver: Driver, backend: "StreamBackend") -> None:
        self._driver, self._backend = driver, backend

    def report(self, run: NodeRun, result: object) -> Optional[NodeRun]:
        following = self._driver.report(run, result)  # type: ignore[arg-type]
        if following is not None and self._backend.schedule.is_pump(following):
            self._backend.held = following
            return None
        return following

    def __getattr__(self, name: str) -> object:
        return getattr(self._driver, name)


class StreamBackend(Backend):
    """The backend of a job with a stream (see the module docstring)."""

    def __init__(self, inner: Backend, schedule: Any, interval: float = INTERVAL,
                 items: Optional[Backend] = None) -> None:
        """`schedule`: the job's StreamSchedule (not imported here: it imports this module); `items`: where
        item runs go (None: the engine's backend)."""
        self.inner, self.schedule, self.interval, self.items = inner, schedule, interval, items
        self.name = inner.name
        self.in_process = inner.in_process
        self.runs_in_caller = inner.runs_in_caller or (items is not None and items.runs_in_caller)
        self.driver: Optional[Driver] = None
        self.held: Optional[NodeRun] = None
        self.stopped = False
        self.sent: Set[int] = set()  # id() of the runs the item backend has

    def bind(self, driver: Driver) -> None:
        self.driver = driver
        self.inner.bind(_DriverView(driver, self))  # type: ignore[arg-type]
        if self.items is not None:
            self.items.bind(driver)

    def submit(self, run: NodeRun) -> None:
        if self.schedule.is_pump(run):
            self.held = run
        elif self.items is not None and self.schedule.owns(run):
            self.sent.add(id(run))
            self.items.submit(run)
        else:
            self.inner.submit(run)

    def _report(self, finished: Union[Finished, str]) -> None:
        """Item runs that finished, recorded under the driver's lock; the first run each made ready starts
        (an item backend collects its results: it never returns PROCESSED)."""
        driver = self.driver
        assert driver is not None and not isinstance(finished, str)
        view = _DriverView(driver, self)
        for run, result in finished:
            following = view.report(run, result)  # still in `sent`: a lost run names the item backend
            self.sent.discard(id(run))
            if following is not None:
                self.submit(following)

    def _wait_items(self, timeout: float) -> Union[Finished, str]:
        """Wait on the item backend while it has runs; on the engine's backend when it has some too."""
        assert self.items is not None and self.driver is not None
        others = len(self.driver.inflight) - len(self.sent) - (1 if self.held is not None else 0)
        if others <= 0:
            self._report(self.items.wait(timeout if self.held is None else min(timeout, self.interval)))
            return PROCESSED
        self._report(self.items.wait(0))
        return self.inner.wait(min(timeout, self.interval))

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
        if not driver.inflight:  # the tick ended the job: the source was its last node (no reducer)
            return []
        if self.held is not None and len(driver.inflight) <= 1:  # only the source is live
            reader = self.schedule.reader
            if reader is not None:
                reader.news.wait(timeout)
            self._tick()
            return []
        if self.sent:
            return self._wait_items(timeout)
        return self.inner.wait(min(timeout, self.interval) if self.held is not None else timeout)

    def stop(self, cancel: bool) -> None:
        self.stopped = True
        if self.items is not None:
            self.items.stop(cancel)
        self.inner.stop(cancel)

    def started(self, run: NodeRun) -> Optional[bool]:
        if self.schedule.is_pump(run) or run is self.held:
            return False
        if self.items is not None and id(run) in self.sent:
            return self.items.started(run)
        return self.inner.started(run)

    def place(self, run: NodeRun) -> Tuple[str, bool]:
        if self.items is not None and id(run) in self.sent:
            return self.items.place(run)
        return self.inner.place(run)

    def check(self) -> Optional[BaseException]:
        problem = self.items.check() if self.items is not None and self.sent else None
        return problem or self.inner.check()

    def close(self, abort: bool) -> None:
        try:
            self.schedule.close()
        finally:
            try:
                self.inner.close(abort)
            finally:
                if self.items is not None:
                    self.items.close(abort)
