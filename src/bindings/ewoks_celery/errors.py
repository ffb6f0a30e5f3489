"""Errors of remote execution, and how a worker-side exception travels back to the client as JSON.

The worker raises `RemoteJobError(summary, payload)`; Celery stores it as JSON
(type name, module and args). The client turns the payload back into the error
the job would have raised locally: TaskFailedError (node id, task identifier,
original type, message and traceback text), another EwoksError, WorkflowCancelled,
or RemoteTaskError for anything else.
"""

from __future__ import annotations

import traceback
from typing import Any, Dict, Optional

from ewoks_core import errors as core_errors
from ewoks_core.errors import (  # noqa: F401 (TaskNotAllowedError: this package's name for it)
    EwoksError,
    JobFailedError,
    RemoteTaskError,
    TaskFailedError,
    TaskNotAllowedError,
    WorkflowCancelled,
)
from ewoks_core.redact import mask_secrets

from . import codec


class JobLostError(JobFailedError):
    """The worker running a job died (killed, out of memory, machine lost)."""


class JobNotFoundError(EwoksError):
    """No job with this id is known to the result store."""


class RemoteJobError(Exception):
    """Carries a worker-side error to the client: args are (summary text, JSON payload)."""

    def __init__(self, summary: str, payload: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(summary, payload or {})
        self.payload = payload or {}

    def __str__(self) -> str:
        return str(self.args[0])


def _traceback_text(exc: Optional[BaseException]) -> str:
    if exc is None:
        return ""
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


def error_payload(exc: BaseException, cancelled: bool = False) -> Dict[str, Any]:
    """JSON description of a worker-side error (see module docstring)."""
    payload: Dict[str, Any] = {"type": type(exc).__name__, "module": type(exc).__module__, "message": str(exc)}
    if cancelled or isinstance(exc, WorkflowCancelled):
        payload.update(kind="cancelled")
    elif isinstance(exc, TaskFailedError):
        cause = exc.__cause__
        payload.update(kind="task", node_id=codec.encode(exc.node_id), task_identifier=exc.task_identifier,
                       workflow_id=codec.encode(exc.workflow_id), original_type=exc.original_type,
                       original_message=exc.original_message,
                       traceback=getattr(cause, "traceback_text", None) or _traceback_text(cause))
        return payload
    elif isinstance(exc, EwoksError):
        payload.update(kind="ewoks", error_message=exc.message, source=exc.source,
                       node_id=codec.encode(exc.node_id), field=exc.field, hint=exc.hint)
    else:
        payload.update(kind="other")
    payload["traceback"] = _traceback_text(exc)
    return payload


def remote_job_error(exc: BaseException, cancelled: bool = False) -> RemoteJobError:
    """The exception a worker raises for Celery to store (passwords in URLs masked: it is shown to clients)."""
    payload = {k: mask_secrets(v) if isinstance(v, str) else v for k, v in error_payload(exc, cancelled).items()}
    return RemoteJobError(f"{payload['type']}: {payload['message']}", payload)


def _ewoks_class(name: str) -> type:
    from ewoks_core import policy

    from . import errors as own

    for module in (core_errors, own, codec, policy):
        cls = getattr(module, name, None)
        if isinstance(cls, type) and issubclass(cls, EwoksError):
            return cls
    return EwoksError


def error_from_payload(payload: Dict[str, Any], job_id: str) -> BaseException:
    """Rebuild on the client the error a job raised on its worker."""
    kind = payload.get("kind")
    message = payload.get("message", "")
    tb = payload.get("traceback") or ""
    if kind == "cancelled":
        err: BaseException = WorkflowCancelled(f"job {job_id} was cancelled")
    elif kind == "task":
        err = task_failed(codec.decode(payload.get("node_id")), payload.get("task_identifier") or "",
                          payload.get("original_type") or "Exception", payload.get("original_message") or "", tb,
                          codec.decode(payload.get("workflow_id")))
    elif kind == "ewoks":
        cls = _ewoks_class(payload.get("type", ""))
        err = EwoksError.__new__(cls)  # its own __init__ may take other arguments
        EwoksError.__init__(err, payload.get("error_message") or message, source=payload.get("source"),
                            node_id=codec.decode(payload.get("node_id")), field=payload.get("field"),
                            hint=payload.get("hint"))
    else:
        err = RemoteTaskError(payload.get("type", "Exception"), message, tb)
    err.remote_traceback = tb  # type: ignore[attr-defined]
    return err


def task_failed(node_id: Any, task_identifier: str, type_name: str, message: str, traceback_text: str,
                workflow_id: Any = None) -> TaskFailedError:
    """TaskFailedError whose cause is a RemoteTaskError with the worker's traceback text."""
    cause = RemoteTaskError(type_name, message, traceback_text)
    err = TaskFailedError(node_id, task_identifier, cause, workflow_id)
    # TaskFailedError names type(cause) ("RemoteTaskError"): use the original type instead.
    err.original_type = type_name
    err.original_message = message
    err.message = f"task {task_identifier!r} failed: {type_name}: {message}"
    err.args = (err._render(),)
    return err
