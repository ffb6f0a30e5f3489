"""Task descriptions (ewoksserver's /tasks resources): JSON files in the tasks folder.

POST /api/tasks/discover fills it with ewoks_core.task.discovery from modules of the server's
allow-list (by default all of them); descriptions can also be created, edited and deleted.
"""

from __future__ import annotations

import json
import threading
import warnings
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from ewoks_core.errors import EwoksError
from ewoks_core.persistence.atomic import atomic_shared_path

from .errors import ApiError, not_found
from .policy import Policy, is_safe_id


class TaskStore:
    """The tasks folder of a server."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()

    def path(self, identifier: str, field: str = "identifier") -> Path:
        if not isinstance(identifier, str) or not is_safe_id(identifier):
            raise ApiError(400, f"invalid task identifier {identifier!r}", field=field, type="task",
                           identifier=str(identifier))
        return self.folder / f"{identifier}.json"

    def descriptions(self) -> List[Dict[str, Any]]:
        """Every stored description, sorted by identifier."""
        items = []
        for path in sorted(self.folder.glob("*.json")) if self.folder.is_dir() else ():
            try:
                items.append(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError):
                continue
        return [item for item in items if isinstance(item, dict) and item.get("task_identifier")]

    def load(self, identifier: str) -> Dict[str, Any]:
        try:
            return json.loads(self.path(identifier).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise not_found("task", identifier) from None

    def save(self, description: Dict[str, Any], *, create: bool = False, update: Optional[str] = None) -> None:
        """Write a description (create: 409 when it exists; update: 404 when it does not)."""
        identifier = description.get("task_identifier") or ""
        if update is not None and identifier != update:
            raise ApiError(400, f"Resource identifier '{update}' is not equal to '{identifier}'.",
                           field="task_identifier", type="task", identifier=update)
        path = self.path(identifier, field="task_identifier")
        with self._lock:
            if create and path.exists():
                raise ApiError(409, f"Task '{identifier}' already exists.", field="task_identifier", type="task",
                               identifier=identifier)
            if update is not None and not path.exists():
                raise not_found("task", identifier)
            with atomic_shared_path(path, fsync=False) as tmp:
                tmp.write_text(json.dumps(description, indent=2), encoding="utf-8")

    def delete(self, identifier: str) -> None:
        try:
            self.path(identifier).unlink()
        except FileNotFoundError:
            raise not_found("task", identifier) from None

    def discover(self, modules: Optional[Sequence[str]], policy: Policy) -> List[str]:
        """Describe the tasks of `modules` (default: the allow-list) and store them; their identifiers."""
        from ewoks_core.task.discovery import discover_tasks

        if modules:
            policy.check_modules(modules, "modules")
        else:
            modules = [m for m in policy.allowed_tasks if m != "*"]
        found: Dict[str, Dict[str, Any]] = {}
        for i, module in enumerate(modules):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # a broken sub-module only hides its own tasks
                try:
                    tasks = discover_tasks(module)
                except EwoksError as e:
                    raise ApiError(404, str(e), field=f"modules[{i}]", type="task") from None
            for task in tasks:
                found[task["task_identifier"]] = with_defaults(task)
        for description in found.values():
            self.save(description)
        return sorted(found)


def with_defaults(task: Dict[str, Any]) -> Dict[str, Any]:
    """ewoksserver's default label (the class name) and category (the top package)."""
    identifier = task["task_identifier"]
    return {**task, "label": task.get("label") or identifier.rsplit(".", 1)[-1],
            "category": task.get("category") or identifier.split(".", 1)[0]}
