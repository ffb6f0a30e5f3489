"""A worker imports task modules only from its allow-list; everything else is refused before any import."""

from __future__ import annotations

from typing import Iterator, Optional, Sequence, Tuple

from ewoks_core.graph.compiled import CompiledGraph

from .errors import TaskNotAllowedError

_IMPORTING_TYPES = ("class", "method", "ppfmethod", "ppfport")


def module_allowed(module: str, allowed: Sequence[str]) -> bool:
    """`module` is one of the allowed prefixes or inside one ("pkg" allows "pkg.sub.mod"; "*" allows all)."""
    return any(prefix == "*" or module == prefix or module.startswith(prefix + ".") for prefix in allowed)


def _imports(task_type: str, identifier: Optional[str], attrs: dict) -> Iterator[Tuple[str, str]]:
    """(field, identifier) of what resolving this node imports."""
    if task_type in _IMPORTING_TYPES and identifier:
        yield "task_identifier", identifier
    elif task_type == "generated":
        yield "task_generator", attrs.get("task_generator") or identifier or ""


def check_graph(graph: CompiledGraph, allowed: Sequence[str], allow_scripts: bool,
                root_module: Optional[str] = None) -> None:
    """Raise TaskNotAllowedError for the first node whose task module is not allowed."""
    hint = ("Start the worker with `ewoks worker --allow {top}` or add {top!r} to `allowed_tasks` "
            "in the worker's configuration.")
    listed = ", ".join(allowed) or "empty"
    if root_module and not module_allowed(root_module, allowed):
        raise TaskNotAllowedError(f"worker refuses root_module {root_module!r}: not in its allow-list ({listed})",
                                  field="load_options.root_module", hint=hint.format(top=root_module.split(".")[0]))
    for node in graph.nodes.values():
        if node.task_type in ("script", "notebook") and not allow_scripts:  # both run any code in a file
            why = " (a notebook runs code as a script does)" if node.task_type == "notebook" else ""
            raise TaskNotAllowedError(f"worker refuses {node.task_type} task {node.task_identifier!r}: scripts are "
                                      f"disabled{why}",
                                      node_id=node.id, field="task_type",
                                      hint="Set `allow_scripts: true` in the worker's configuration to allow them.")
        for field, identifier in _imports(node.task_type, node.task_identifier, node.attrs):
            module = identifier.rpartition(".")[0] or identifier
            if not module_allowed(module, allowed):
                raise TaskNotAllowedError(
                    f"worker refuses task {identifier!r}: module {module!r} is not in its allow-list ({listed})",
                    node_id=node.id, field=field, hint=hint.format(top=module.split(".")[0]))
