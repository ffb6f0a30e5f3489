"""The process of one job of the local pool: run request.json with execute_graph, write outcome.json.

The server wrote request.json with everything decided: the job id, the event handler (the server's
event store), the result root (the job folder) and the workflows folder for sub-workflows. The
process works in the job folder (files that tasks write with relative paths land there), in its own
session (a Ctrl-C of the server's terminal does not reach it; the server can end its whole process
group). SIGTERM cancels the job: the running task is interrupted (WorkflowCancelled), the job still
emits its end events and writes its outcome.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Any, Dict, Optional

from ewoks_core.errors import WorkflowCancelled

REQUEST_FILE = "request.json"


class _CancelOnSigterm:
    """SIGTERM raises WorkflowCancelled once in the main thread (a second SIGTERM is ignored)."""

    def __init__(self) -> None:
        self.raised = False

    def __call__(self, signum: int, frame: Optional[FrameType]) -> None:
        if self.raised:
            return
        self.raised = True
        raise WorkflowCancelled("job cancelled")


def run(job_dir: str) -> None:
    """Entry point of the job process (multiprocessing target)."""
    try:
        os.setsid()
    except OSError:  # already a session leader
        pass
    signal.signal(signal.SIGTERM, _CancelOnSigterm())
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # only the server stops its jobs
    folder = Path(job_dir)
    os.chdir(folder)
    from .outcome import outcome_of, write_outcome

    request: Dict[str, Any] = {}
    try:
        request = json.loads((folder / REQUEST_FILE).read_text(encoding="utf-8"))
        results = execute(request)
        outcome = outcome_of(None, results, request.get("merge_outputs", True))
    except BaseException as exc:  # the job's error, whatever it is, goes to its outcome
        outcome = outcome_of(exc)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # the outcome is written whatever comes now
    write_outcome(folder, outcome)
    sys.stdout.flush()


def execute(request: Dict[str, Any]) -> Any:
    """execute_graph with the arguments the server stored for the job."""
    from ewoks_core.api import execute_request

    from .arguments import parse_arguments

    return execute_request(request["graph"], parse_arguments(request))
