"""User-facing errors. Each one says where (file, node id, field) and what to do."""

from __future__ import annotations

from typing import Any, Callable, Iterable, Optional

from .redact import mask_secrets


def node_label(node_id: Any) -> str:
    """Render a node id (str, int or tuple after sub-graph flattening) for messages."""
    if isinstance(node_id, (tuple, list)):
        return "/".join(node_label(part) for part in node_id)
    return str(node_id)


_CONTROL = {i: f"\\x{i:02x}" for i in range(32) if i != 9}
_CONTROL.update({10: "\\n", 13: "\\r", 127: "\\x7f"})


def one_line(text: str) -> str:
    """`text` on one line: line breaks and other control characters (from node ids, file names or a
    task's own message) written as escapes, so that an error is always one line on the terminal."""
    return text.strip().translate(_CONTROL)


MAX_LISTED = 10  # names a message lists before "and N more"


def name_list(items: Iterable[Any], render: Callable[[Any], str] = repr, limit: int = MAX_LISTED) -> str:
    """The items for a message: the first `limit` rendered and comma-separated, then "and N more".

    Every message that names inputs, outputs or nodes uses it, so a fan-in of 1,000 links
    prints ten names, not a thousand."""
    items = list(items)
    shown = ", ".join(render(item) for item in items[:limit])
    return shown if len(items) <= limit else f"{shown} and {len(items) - limit} more"


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """A ' Did you mean ...?' suffix listing the nearest candidates, or ''."""
    import difflib  # its regexes cost ~1 ms at import: only when a name is wrong

    close = difflib.get_close_matches(str(name), [str(c) for c in candidates], n=3, cutoff=0.5)
    if not close:
        return ""
    return " Did you mean " + " or ".join(repr(c) for c in close) + "?"


class EwoksError(Exception):
    """Base class of errors caused by the user's input (not by a bug in ewoks_core)."""

    def __init__(
        self,
        message: str,
        *,
        source: Optional[str] = None,
        node_id: Any = None,
        field: Optional[str] = None,
        hint: Optional[str] = None,
    ) -> None:
        self.message = message
        self.source = source
        self.node_id = node_id
        self.field = field
        self.hint = hint
        super().__init__(self._render())

    def _render(self) -> str:
        where = []
        if self.source:
            where.append(str(self.source))
        if self.node_id is not None:
            where.append(f"node {node_label(self.node_id)!r}")
        if self.field:
            where.append(f"field {self.field!r}")
        text = (": ".join([", ".join(where), self.message]) if where else self.message)
        if self.hint:
            text += (" " if text.endswith((".", "?", "!", ":")) else ". ") + self.hint
        return one_line(mask_secrets(text))  # one line; a URL with a password is printed masked


class GraphFormatError(EwoksError):
    """The workflow document cannot be parsed or does not follow the schema."""


class SchemaVersionError(GraphFormatError):
    """The document's schema version is not supported."""


class TaskNotFoundError(EwoksError):
    """A task identifier does not resolve to a task."""


class TaskImportError(EwoksError):
    """The module of a task could not be imported."""


class TaskInputError(EwoksError):
    """A task's inputs are invalid (wrong type or value for its input model)."""


class MissingInputsError(TaskInputError):
    """A task is executed without all its required inputs."""


class EngineError(EwoksError):
    """An engine is unknown, not installed or cannot run a graph."""


class CapabilityError(EngineError):
    """The graph needs a capability the engine lacks."""


class MaxIterationsError(EwoksError):
    """A cycle ran more often than allowed (a loop that never ends)."""


class WorkflowCancelled(EwoksError):
    """The workflow was cancelled (timeout, signal or cancel())."""


class TaskFailedError(EwoksError):
    """A task raised: carries the node id and task identifier; the original exception is chained."""

    def __init__(self, node_id: Any, task_identifier: str, exc: BaseException, workflow_id: Any = None):
        self.task_identifier = task_identifier
        self.workflow_id = workflow_id
        if isinstance(exc, RemoteTaskError):  # raised elsewhere: report the original type, not the stand-in
            self.original_type, self.original_message = exc.type_name, exc.message
        else:
            self.original_type, self.original_message = type(exc).__name__, str(exc)
        super().__init__(
            f"task {task_identifier!r} failed: {self.original_type}: {self.original_message}",
            node_id=node_id,
        )
        self.__cause__ = exc

    def __reduce__(self):
        # picklable across process pools without the original traceback
        return (_rebuild_task_failed, (self.node_id, self.task_identifier, self.original_type,
                                       self.original_message, self.workflow_id))


class PersistenceError(EwoksError):
    """Results could not be saved to, or read from, the `varinfo` result store."""


class JobFailedError(EwoksError):
    """A job failed while it ran for a reason outside its tasks (e.g. its worker died): exit code 1, not 2."""


class EventSinkError(EwoksError):
    """A requested event handler cannot write at all: the job is refused before its first node runs."""


class EventsLostError(JobFailedError):
    """Events of a job could not all be written to a requested event handler.

    `results`: the workflow's results when it completed anyway (execinfo on_events_lost "raise"),
    else None (the job was stopped: "fail")."""

    def __init__(self, message: str, *, results: Any = None, **kwargs: Any) -> None:
        self.results = results
        super().__init__(message, **kwargs)


class RemoteTaskError(Exception):
    """Stand-in for an exception whose class is not importable where it is re-raised."""

    def __init__(self, type_name: str, message: str, traceback_text: str = ""):
        self.type_name = type_name
        self.message = message
        self.traceback_text = traceback_text
        super().__init__(f"{type_name}: {message}")


def _rebuild_task_failed(node_id, task_identifier, type_name, message, workflow_id):
    return TaskFailedError(node_id, task_identifier, RemoteTaskError(type_name, message), workflow_id)


class TaskNotAllowedError(EwoksError):
    """A process that runs jobs for others refuses a task module outside its allow-list (ewoks_core.allowlist)."""
