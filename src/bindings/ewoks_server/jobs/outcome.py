"""A job's outcome as JSON: its results (as `ewoks execute --json` prints them) or its error.

outcome.json in the job folder: {"state": "success"|"failed"|"cancelled", "results": ..., "error":
{"type", "message", "node", "task", "field", "traceback"}}. Non-finite floats (NaN, inf), which
JSON cannot hold, become null.
"""

from __future__ import annotations

import json
import math
import traceback
from pathlib import Path
from typing import Any, Dict, Optional

from ewoks_core.cli.output import full_json
from ewoks_core.errors import EwoksError, RemoteTaskError, TaskFailedError, WorkflowCancelled, node_label
from ewoks_core.persistence.atomic import atomic_write_text

OUTCOME_FILE = "outcome.json"


def json_results(results: Any, merge_outputs: bool = True) -> Any:
    """The results as the CLI prints them with --json (per-node results keyed by node label)."""
    if not merge_outputs and isinstance(results, dict):
        results = {node_label(k): v for k, v in results.items()}
    return finite(full_json(results))


def finite(value: Any) -> Any:
    """`value` with NaN and infinities replaced by None (strict JSON)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finite(v) for v in value]
    return value


def describe_error(error: BaseException) -> Dict[str, Any]:
    """type, message, node, task, field and traceback of a job's error."""
    cause = error.__cause__
    if isinstance(error, TaskFailedError):
        kind = error.original_type
        if isinstance(cause, RemoteTaskError):
            text = cause.traceback_text
        else:
            text = "".join(traceback.format_exception(cause)) if cause is not None else ""
    else:
        kind = getattr(error, "original_type", None) or type(error).__name__
        text = "".join(traceback.format_exception(error))
    info: Dict[str, Any] = {"type": kind, "message": str(error), "node": None, "task": None, "field": None,
                            "traceback": text}
    if isinstance(error, EwoksError):
        info["node"] = None if error.node_id is None else node_label(error.node_id)
        info["field"] = error.field
    if isinstance(error, TaskFailedError):
        info["task"] = error.task_identifier
    return info


def outcome_of(error: Optional[BaseException], results: Any = None, merge_outputs: bool = True) -> Dict[str, Any]:
    """The outcome dict of a job that returned `results` or raised `error`."""
    if error is None:
        return {"state": "success", "results": json_results(results, merge_outputs), "error": None}
    state = "cancelled" if isinstance(error, WorkflowCancelled) else "failed"
    return {"state": state, "results": None, "error": describe_error(error)}


def lost_outcome(message: str, cancelled: bool) -> Dict[str, Any]:
    """The outcome of a job whose process ended without writing one."""
    kind = "WorkflowCancelled" if cancelled else "JobLostError"
    return {"state": "cancelled" if cancelled else "failed", "results": None,
            "error": {"type": kind, "message": message, "node": None, "task": None, "field": None, "traceback": ""}}


def write_outcome(job_dir: Path, outcome: Dict[str, Any]) -> None:
    atomic_write_text(job_dir / OUTCOME_FILE, json.dumps(outcome, allow_nan=False))


def read_outcome(job_dir: Path) -> Optional[Dict[str, Any]]:
    """The outcome written for a job, or None."""
    try:
        return json.loads((job_dir / OUTCOME_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
