"""Plain-text tables of events and jobs for the terminal (`ewoks events`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Dict, Iterable, Optional, Sequence, Tuple

from ..errors import EwoksError, did_you_mean
from ..texttable import text_table
from .record import EVENT_FIELDS, Event

DEFAULT_COLUMNS = ("time", "job", "context", "node", "type", "progress", "error")
_ELLIPSIS = "..."


def _short_time(value: Any) -> str:
    if not value:
        return ""
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    except ValueError:
        return str(value)


def _progress(event: Event) -> str:
    try:
        return "" if event.progress is None else f"{float(event.progress):.0f}%"
    except (TypeError, ValueError):
        return str(event.progress)


def _error(event: Event) -> str:
    if event.error_message:
        return event.error_message
    return "failed" if event.error else ""


# name -> (header, value getter, maximum width)
_EVENT_COLUMNS: Dict[str, Tuple[str, Callable[[Event], Any], int]] = {
    "time": ("TIME", lambda e: _short_time(e.time), 23),
    "job": ("JOB", lambda e: e.job_id, 12),
    "context": ("CONTEXT", lambda e: e.context, 8),
    "node": ("NODE", lambda e: e.node_id, 32),
    "type": ("TYPE", lambda e: e.type, 8),
    "progress": ("PROGRESS", _progress, 8),
    "error": ("ERROR", _error, 60),
    "task": ("TASK", lambda e: e.task_id, 40),
    "workflow": ("WORKFLOW", lambda e: e.workflow_id, 24),
}


def _cell(value: Any, width: int) -> str:
    text = "" if value is None else " ".join(str(value).split())
    if len(text) > width:
        text = text[: max(width - len(_ELLIPSIS), 1)] + _ELLIPSIS
    return text


def _event_column(name: str) -> Tuple[str, Callable[[Event], Any], int]:
    if name in _EVENT_COLUMNS:
        return _EVENT_COLUMNS[name]
    if name in EVENT_FIELDS:
        return name.upper(), lambda e: getattr(e, name), 40
    names = list(_EVENT_COLUMNS) + [f for f in EVENT_FIELDS if f not in _EVENT_COLUMNS]
    raise EwoksError(f"unknown event column {name!r}." + did_you_mean(name, names),
                     hint=f"Columns: {', '.join(names)}.")


def format_events_table(events: Iterable[Any], columns: Optional[Sequence[str]] = None) -> str:
    """A table with one line per event (Event objects or dicts). Default columns: time, job,
    context, node, type, progress, error; any event field name is also a column."""
    specs = [_event_column(name) for name in (columns or DEFAULT_COLUMNS)]
    rows = []
    for event in events:
        if isinstance(event, dict):
            event = Event.from_dict(event)
        rows.append([_cell(get(event), width) for _, get, width in specs])
    if not rows:
        return "No events."
    return text_table([header for header, _, _ in specs], rows)


def format_event_line(event: Any, columns: Optional[Sequence[str]] = None, header: bool = False) -> str:
    """One event (or, with header=True, the header) padded to fixed column widths, so that
    lines printed one at a time while following a job stay aligned."""
    specs = [_event_column(name) for name in (columns or DEFAULT_COLUMNS)]
    if isinstance(event, dict):
        event = Event.from_dict(event)
    cells = [h for h, _, _ in specs] if header else [_cell(get(event), width) for _, get, width in specs]
    return "  ".join(c.ljust(width) for c, (_, _, width) in zip(cells, specs, strict=True)).rstrip()


def _duration(job: Dict[str, Any]) -> str:
    try:
        start = datetime.fromisoformat(str(job["start_time"]).replace("Z", "+00:00"))
        end = datetime.fromisoformat(str(job["end_time"]).replace("Z", "+00:00"))
    except (KeyError, TypeError, ValueError):
        return ""
    seconds = (end - start).total_seconds()
    if seconds < 60:
        return f"{seconds:.3f}s"
    minutes, seconds = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m{seconds:02d}s" if hours else f"{minutes}m{seconds:02d}s"


def format_jobs_table(jobs: Iterable[Dict[str, Any]]) -> str:
    """A table with one line per job as returned by `list_jobs`."""
    headers = ["JOB", "WORKFLOW", "STATUS", "START", "END", "DURATION", "EVENTS"]
    rows = [[_cell(job.get("job_id"), 36), _cell(job.get("workflow_id"), 32), _cell(job.get("status"), 8),
             _short_time(job.get("start_time")), _short_time(job.get("end_time")), _duration(job),
             _cell(job.get("n_events"), 8)] for job in jobs]
    if not rows:
        return "No jobs."
    return text_table(headers, rows)
