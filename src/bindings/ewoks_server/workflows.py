"""Saved workflows: one JSON file per workflow id in the workflows folder, with ETags.

An id is a file name made of letters, digits, '.', '_' and '-' (no '/', no '..'), so a request
can never reach a file outside the folder. Every write is atomic and checked against the ETag the
writer read (If-Match): two people editing one workflow cannot silently overwrite each other.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

from ewoks_core.persistence.atomic import atomic_shared_path

from .errors import ApiError, not_found
from .policy import is_safe_id

DESCRIPTION_KEYS = ("id", "label", "category", "keywords", "input_schema", "ui_schema")


def etag_of(data: bytes) -> str:
    """The strong ETag of a file's content."""
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


def _etag_matches(header: Optional[str], etag: str) -> bool:
    if header is None:
        return True
    candidates = [part.strip() for part in header.split(",")]
    return "*" in candidates or etag in candidates or f"W/{etag}" in candidates


class WorkflowStore:
    """The workflows folder of a server."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()  # check-ETag-then-write is one step

    def path(self, identifier: str, field: str = "identifier") -> Path:
        """The file of a workflow id; 400 for ids that are not plain file names."""
        if not isinstance(identifier, str) or not is_safe_id(identifier):
            raise ApiError(400, f"invalid workflow id {identifier!r}: use letters, digits, '.', '_' and '-' "
                                "(at most 128, no '..')", field=field, type="workflow", identifier=str(identifier))
        return self.folder / f"{identifier}.json"

    def ids(self) -> List[str]:
        """Ids of the saved workflows, sorted."""
        if not self.folder.is_dir():
            return []
        return sorted(p.stem for p in self.folder.glob("*.json") if p.is_file() and is_safe_id(p.stem))

    def load(self, identifier: str) -> Tuple[Dict[str, Any], str]:
        """(document, ETag); 404 when there is none."""
        path = self.path(identifier)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise not_found("workflow", identifier) from None
        except PermissionError:
            raise ApiError(403, f"No permission to read workflow '{identifier}'.", type="workflow",
                           identifier=identifier) from None
        try:
            doc = json.loads(data)
        except ValueError as e:
            raise ApiError(500, f"workflow '{identifier}' is not valid JSON on disk: {e}", type="workflow",
                           identifier=identifier) from None
        return doc, etag_of(data)

    def documents(self) -> Iterator[Tuple[str, Dict[str, Any]]]:
        """(id, document) of every readable saved workflow."""
        for identifier in self.ids():
            try:
                yield identifier, self.load(identifier)[0]
            except ApiError:
                continue

    def create(self, doc: Dict[str, Any]) -> Tuple[str, str]:
        """Save a new workflow under its graph id; (id, ETag). 409 when the id is taken."""
        identifier = _graph_id(doc)
        path = self.path(identifier, field="graph.id")
        with self._lock:
            if path.exists():
                raise ApiError(409, f"Workflow '{identifier}' already exists.", field="graph.id", type="workflow",
                               identifier=identifier)
            return identifier, self._write(path, doc)

    def update(self, identifier: str, doc: Dict[str, Any], if_match: Optional[str]) -> str:
        """Replace a saved workflow; its new ETag. 404 missing, 400 id mismatch, 412 ETag mismatch."""
        path = self.path(identifier)
        graph_id = (doc.get("graph") or {}).get("id", identifier)
        if graph_id != identifier:
            raise ApiError(400, f"Resource identifier '{identifier}' is not equal to '{graph_id}'.", field="graph.id",
                           type="workflow", identifier=identifier)
        with self._lock:
            self._check_etag(path, identifier, if_match)
            return self._write(path, doc)

    def delete(self, identifier: str, if_match: Optional[str] = None) -> None:
        """Remove a saved workflow (404 when missing, 412 when If-Match does not match)."""
        path = self.path(identifier)
        with self._lock:
            self._check_etag(path, identifier, if_match)
            path.unlink()

    def descriptions(self, keywords: Optional[Dict[str, Any]] = None) -> List[Dict[str, Any]]:
        """ewoksserver's workflow descriptions (graph id, label, category, keywords, schemas)."""
        items = []
        for _, doc in self.documents():
            graph = doc.get("graph") or {}
            if keywords and not all((graph.get("keywords") or {}).get(k) == v for k, v in keywords.items()):
                continue
            items.append({key: graph[key] for key in DESCRIPTION_KEYS if key in graph})
        return items

    def _check_etag(self, path: Path, identifier: str, if_match: Optional[str]) -> None:
        try:
            current = etag_of(path.read_bytes())
        except FileNotFoundError:
            raise not_found("workflow", identifier) from None
        if not _etag_matches(if_match, current):
            raise ApiError(412, f"Workflow '{identifier}' was changed since you read it (ETag {current}, "
                                f"If-Match {if_match}): reload it and apply your changes again.",
                           field="If-Match", type="workflow", identifier=identifier, headers={"ETag": current})

    def _write(self, path: Path, doc: Dict[str, Any]) -> str:
        data = json.dumps(doc, indent=2).encode("utf-8")
        try:
            with atomic_shared_path(path) as tmp:
                tmp.write_bytes(data)
        except PermissionError:
            raise ApiError(403, f"No permission to write workflow '{path.stem}'.", type="workflow",
                           identifier=path.stem) from None
        return etag_of(data)


def _graph_id(doc: Dict[str, Any]) -> str:
    graph = doc.get("graph")
    if not isinstance(graph, dict) or "id" not in graph:
        raise ApiError(422, "Workflow identifier missing", field="graph.id", type="workflow")
    identifier = graph["id"]
    if identifier in ("", None):
        raise ApiError(422, "Workflow identifier cannot be empty", field="graph.id", type="workflow")
    return str(identifier)
