"""Which runs a worker process started, so that a run lost with its worker gets complete events.

A worker process writes a node's start event before the task runs; if the worker then
dies, the engine writes the end event. But a run can also be lost before any worker
picked it up (a broken process pool fails every queued run), and sinks that only exist
in the calling process receive the start event with the outcome, which is lost too. The
engine cannot tell these cases apart from the outcome, so a worker marks a run as started
with an empty file (`NodeRun.start_mark`, a path in a per-job folder the engine chose)
once its start event is written, and removes it when the run returns. Only set when
events are on and the worker shares the caller's file system (local process pools).
"""

from __future__ import annotations

import itertools
import os
import shutil
from typing import Optional

from .outcome import NodeRun


class StartMarks:
    """Engine side: names the mark of each run, in its own folder (or a new temporary one)."""

    def __init__(self, directory: Optional[str] = None) -> None:
        self._owned = directory is None
        import tempfile  # engines with worker processes only: not at every start

        self.directory = tempfile.mkdtemp(prefix="ewoks-runs-") if directory is None else directory
        self._count = itertools.count()

    def assign(self, run: NodeRun) -> NodeRun:
        """Give `run` a mark path (the worker creates the file when the run starts)."""
        run.start_mark = os.path.join(self.directory, f"run-{next(self._count)}")
        return run

    def close(self) -> None:
        """Remove the folder when this object created it (after the workers ended)."""
        if self._owned:
            shutil.rmtree(self.directory, ignore_errors=True)


def run_started(run: NodeRun) -> Optional[bool]:
    """Engine side, for a lost run: did a worker start it? None when the run had no mark."""
    mark = run.start_mark
    return None if mark is None else os.path.exists(mark)


def mark_started(run: NodeRun) -> None:
    """Worker side: the start event of `run` is written."""
    if run.start_mark is not None:
        try:
            with open(run.start_mark, "wb"):
                pass
        except OSError:
            pass


def clear_mark(run: NodeRun) -> None:
    """Worker side: the run returns (its outcome carries its events)."""
    if run.start_mark is not None:
        try:
            os.unlink(run.start_mark)
        except OSError:
            pass
