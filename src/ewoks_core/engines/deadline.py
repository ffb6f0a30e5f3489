"""A job's `timeout` (applied by the driver, driver.py): one timer sets the job's cancel event when it
expires, so a running task sees `self.cancelled` and nothing new starts."""

from __future__ import annotations

import threading
from typing import Any, Optional


def timeout_reason(timeout: Optional[float]) -> str:
    """The message a job stopped by its timeout (or by a cancel) fails with."""
    return f"timed out after {timeout:g} s" if timeout else "cancelled"


class CancelAfter:
    """`with CancelAfter(options.timeout, job.ctx.cancel_event) as deadline:` (no timeout: does nothing)."""

    def __init__(self, timeout: Optional[float], cancel_event: Any) -> None:
        self.timeout = timeout
        self.expired = False
        self._cancel_event = cancel_event
        self._timer: Optional[threading.Timer] = None

    def _expire(self) -> None:
        self.expired = True
        self._cancel_event.set()

    def __enter__(self) -> "CancelAfter":
        if self.timeout:
            self._timer = threading.Timer(self.timeout, self._expire)
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._timer is not None:
            self._timer.cancel()

    @property
    def reason(self) -> str:
        """Why the job stops: its timeout expired, or it was cancelled."""
        return timeout_reason(self.timeout) if self.expired else "cancelled"
