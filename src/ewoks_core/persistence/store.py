"""ResultStore: the interface the core calls, shared by the JSON and NeXus schemes.

The cache index is one small file per cache key, ``<index dir>/<key[:2]>/<key>.json``,
written atomically: concurrent processes never share a file that needs locking.
An index entry only names a result location; lookup() reads the result and
checks that it still carries the same key (a later save of the same node may
have replaced it), so a stale or corrupt index entry only costs a re-run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, Dict, List, Mapping, Optional, Tuple, Union

from ..errors import EwoksError, PersistenceError, node_label
from . import hashing
from .atomic import atomic_shared_path
from .overwrite import replaceable
from .uris import is_missing, is_safe_name, safe_name

logger = logging.getLogger(__name__)

CREATOR = "ewoks_core"  # the mark of the files this library writes (see overwrite.py)
_KEY_FILE_NAME = re.compile(r"[0-9A-Za-z_-]{8,128}")


class ResultReadError(EwoksError):
    """A result URI does not point to a readable result."""


@dataclass
class StoredResult:
    """A persisted node result: its outputs and where they are."""

    outputs: Dict[str, Any]
    task_uri: str
    output_uris: Dict[str, str] = field(default_factory=dict)


@dataclass
class ResultRecord:
    """A result as read back, with the metadata lookup() checks."""

    result: StoredResult
    cache_key: str = ""
    cacheable: bool = True
    meta: Dict[str, Any] = field(default_factory=dict)


class ResultStore(ABC):
    """Persists node results under one root and finds them again by cache key."""

    scheme: ClassVar[str] = ""

    def __init__(self, root_uri: Union[str, "os.PathLike[str]"]) -> None:
        self.root = Path(os.path.abspath(os.path.expanduser(os.fspath(root_uri))))

    @property
    def root_uri(self) -> str:
        """The absolute root (folder for json, main file for nexus)."""
        return str(self.root)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.root_uri!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ResultStore) and self.config() == other.config()

    def __hash__(self) -> int:
        return hash((self.scheme, self.root_uri))

    def config(self) -> dict:
        """JSON-serializable configuration: open_store(store.config()) rebuilds an equivalent store."""
        return {"root_uri": self.root_uri, "scheme": self.scheme}

    def cache_key(self, task_identity: str, inputs: Optional[Mapping[Any, Any]]) -> Optional[str]:
        """SHA-256 content hash of the task identity and inputs; None when the inputs are not cacheable."""
        return hashing.cache_key(task_identity, inputs)

    def lookup(self, workflow_id: str, node_id: Any, key: Optional[str]) -> Optional[StoredResult]:
        """A fully readable result saved earlier under `key` (by any node of any workflow in this root), or None."""
        if not key:
            return None
        entry = self._read_index(key)
        if entry is None:
            return None
        try:
            record = self._read(self._task_uri(entry["workflow"], entry["node"]))
        except Exception as exc:
            logger.info("cached result of key %s is unreadable, the task will run again: %s", key, exc)
            return None
        if record.cache_key != key or not record.cacheable:
            return None
        return record.result

    def save(self, workflow_id: str, node_id: Any, key: Optional[str], outputs: Mapping[str, Any], *,
             task_identifier: str = "", inputs: Optional[Mapping[Any, Any]] = None) -> StoredResult:
        """Persist a node's outputs atomically (MISSING outputs are skipped) and index them under `key`."""
        workflow_id, node_id = str(workflow_id), node_label(node_id)
        clean = {str(name): value for name, value in (outputs or {}).items() if not is_missing(value)}
        meta = {"workflow_id": workflow_id, "node_id": node_id, "task_identifier": str(task_identifier or ""),
                "cache_key": key or "", "date": datetime.now().astimezone().isoformat()}
        workflow, node = safe_name(workflow_id), safe_name(node_id)
        task_uri, output_uris, cacheable = self._write(workflow, node, clean, meta, inputs)
        if not cacheable:
            logger.warning("node %r of workflow %r: some outputs cannot be persisted exactly (stored as "
                           "their repr); this result will not be reused from the cache", node_id, workflow_id)
        elif key:
            self._write_index(key, {"key": key, "workflow": workflow, "node": node,
                                    "workflow_id": workflow_id, "node_id": node_id})
        return StoredResult(outputs=clean, task_uri=task_uri, output_uris=output_uris)

    def write_locations(self) -> List[Path]:
        """The files and folders this store writes to (an execution policy checks them)."""
        return [self.root]

    def load(self, task_uri: str) -> Dict[str, Any]:
        """The outputs stored at a task URI of this store's scheme (ewoks_core.persistence.load_outputs reads
        either scheme); ResultReadError when unreadable."""
        try:
            return self._read(task_uri).result.outputs
        except Exception as exc:
            raise unreadable(task_uri, exc) from exc

    # --- scheme specific -------------------------------------------------

    @property
    @abstractmethod
    def index_dir(self) -> Path:
        """Folder of the cache index files."""

    @abstractmethod
    def _task_uri(self, workflow: str, node: str) -> str:
        """URI of the result of a node (safe names) in this root."""

    @abstractmethod
    def _read(self, task_uri: str) -> ResultRecord:
        """Read a result of this scheme; raises when it is missing or corrupt."""

    @abstractmethod
    def _write(self, workflow: str, node: str, outputs: Dict[str, Any], meta: Dict[str, Any],
               inputs: Optional[Mapping[Any, Any]]) -> Tuple[str, Dict[str, str], bool]:
        """Write one result atomically; return (task_uri, output_uris, cacheable)."""

    # --- cache index -----------------------------------------------------

    def _index_path(self, key: str) -> Path:
        name = key if _KEY_FILE_NAME.fullmatch(key) else hashlib.sha256(key.encode()).hexdigest()
        return self.index_dir / name[:2] / f"{name}.json"

    def _write_index(self, key: str, entry: Dict[str, Any]) -> None:
        # No fsync: a lost or corrupt index entry only costs a re-run.
        path = self._index_path(key)
        if not replaceable(path, CREATOR):
            logger.warning("%s was not written by %s: not replaced, the result of key %s is not indexed", path,
                           CREATOR, key)
            return
        with atomic_shared_path(path, fsync=False) as tmp:
            tmp.write_text(json.dumps({"creator": CREATOR, **entry}), encoding="utf-8")

    def _read_index(self, key: str) -> Optional[Dict[str, Any]]:
        try:
            entry = json.loads(self._index_path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(entry, dict) or entry.get("key") != key:
            return None
        if not (is_safe_name(entry.get("workflow")) and is_safe_name(entry.get("node"))):
            return None
        return entry


def check_own_file(path: Path) -> None:
    """PersistenceError when a file exists at `path` that this library did not write (it is never replaced)."""
    if not replaceable(path, CREATOR):
        raise PersistenceError(f"{str(path)!r} exists and was not written by {CREATOR} (it is not replaced)",
                               field="varinfo.root_uri",
                               hint="Choose another root_uri, or move that file away first.")


def unreadable(task_uri: str, exc: BaseException) -> ResultReadError:
    """The error of a task URI that does not point to a readable result."""
    return ResultReadError(f"cannot read the result at {task_uri!r}: {type(exc).__name__}: {exc}",
                           hint="Check that the file exists and was written by ewoks_core.")
