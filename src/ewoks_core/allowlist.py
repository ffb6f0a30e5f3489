"""A process that runs jobs for others (Celery worker, server) imports task modules only from its allow-list;
everything else is refused before any import.

Two checks: `check_graph` on the identifiers, before anything is imported (a private name, one
starting with '_', is never a task); `check_origins` once the allowed modules are imported: the
class or function a node resolves to must be *defined* in an allowed module, so that a function an
allowed module merely imports (`from subprocess import run`) cannot be called as a `method` task.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator, Optional, Sequence, Tuple

from .errors import TaskNotAllowedError
from .graph.compiled import CompiledGraph

_IMPORTING_TYPES = ("class", "method", "ppfmethod", "ppfport")


def module_allowed(module: str, allowed: Sequence[str]) -> bool:
    """`module` is one of the allowed prefixes or inside one ("pkg" allows "pkg.sub.mod"; "*" allows all)."""
    return any(prefix == "*" or module == prefix or module.startswith(prefix + ".") for prefix in allowed)


def task_imports(task_type: str, identifier: Optional[str],
                 task_generator: Optional[str] = None) -> Iterator[Tuple[str, str]]:
    """(field, identifier) of what resolving this node imports."""
    if task_type in _IMPORTING_TYPES and identifier:
        yield "task_identifier", identifier
    elif task_type == "generated":
        yield "task_generator", task_generator or identifier or ""


def worker_hint(module: str) -> str:
    """How a Celery worker allows a module."""
    top = module.split(".")[0]
    return (f"Start the worker with `ewoks worker --allow {top}` or add {top!r} to `allowed_tasks` "
            "in the worker's configuration.")


def check_graph(graph: CompiledGraph, allowed: Sequence[str], allow_scripts: bool,
                root_module: Optional[str] = None, owner: str = "worker",
                hint: Callable[[str], str] = worker_hint,
                scripts_hint: str = "Set `allow_scripts: true` in the worker's configuration to allow them.") -> None:
    """Raise TaskNotAllowedError for the first node whose task module is not allowed (`owner` refuses;
    `hint(module)` says how to allow a module)."""
    listed = ", ".join(allowed) or "empty"
    if root_module and not module_allowed(root_module, allowed):
        raise TaskNotAllowedError(f"{owner} refuses root_module {root_module!r}: not in its allow-list ({listed})",
                                  field="load_options.root_module", hint=hint(root_module))
    for node in graph.nodes.values():
        if node.task_type in ("script", "notebook") and not allow_scripts:  # both run any code in a file
            why = " (a notebook runs code as a script does)" if node.task_type == "notebook" else ""
            raise TaskNotAllowedError(f"{owner} refuses {node.task_type} task {node.task_identifier!r}: scripts are "
                                      f"disabled{why}",
                                      node_id=node.id, field="task_type",
                                      hint=scripts_hint)
        for field, identifier in task_imports(node.task_type, node.task_identifier, node.spec.task_generator):
            module = identifier.rpartition(".")[0] or identifier
            if not module_allowed(module, allowed):
                raise TaskNotAllowedError(
                    f"{owner} refuses task {identifier!r}: module {module!r} is not in its allow-list ({listed})",
                    node_id=node.id, field=field, hint=hint(module))
            if any(part.startswith("_") for part in identifier.split(".")):
                raise TaskNotAllowedError(f"{owner} refuses task {identifier!r}: a private name (starting with '_') "
                                          "is not a task", node_id=node.id, field=field,
                                          hint="Use a public task class or function of the module.")


def check_origins(graph: CompiledGraph, allowed: Sequence[str], owner: str = "worker") -> None:
    """Raise TaskNotAllowedError when a node's class or function is defined outside the allow-list
    (imports the allowed modules; call check_graph first)."""
    from .task.discovery import resolve_task_class

    listed = ", ".join(allowed) or "empty"
    for node in graph.nodes.values():
        for field, identifier in task_imports(node.task_type, node.task_identifier, node.spec.task_generator):
            if node.task_type == "generated":
                target = _generator(identifier, node.id)
            else:
                cls = resolve_task_class(node.task_type, node.task_identifier, node.id, node.spec.document)
                target = cls.__dict__.get("_FUNCTION", cls)
                target = getattr(target, "__func__", target)  # staticmethod
            origin = getattr(target, "__module__", None)
            if not isinstance(origin, str) or not module_allowed(origin, allowed):
                raise TaskNotAllowedError(
                    f"{owner} refuses task {identifier!r}: it is defined in {origin or 'an unknown module'!r}, which "
                    f"is not in its allow-list ({listed}), and only imported by an allowed module",
                    node_id=node.id, field=field, hint="Name the task by the module that defines it.")


def _generator(identifier: str, node_id: Any) -> Any:
    from .task.discovery import import_module

    module, _, name = identifier.rpartition(".")
    return getattr(import_module(module, node_id, identifier), name, None)
