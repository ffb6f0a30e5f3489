"""The "nexus" scheme: an HDF5/NeXus main file of external links to one file per node result.

Layout for ``root_uri = /data/results.h5``::

    /data/results.h5                         main file: NXroot / NXentry per workflow /
                                             ExternalLink per node -> its node file
    /data/results_data/<workflow>/<node>.h5  one node result (same internal layout)
    /data/results_data/.cache/               cache index, one small file per key
    /data/results_data/.lock                 lock file serializing main-file updates

Node file: ``/<workflow>`` (NXentry) ``/<node>`` (NXprocess: attrs node_id,
workflow_id, task_identifier, cache_key, date, cacheable; ``program``, ``date``)
with ``results`` (NXcollection, one dataset per output, see nexus_values) and
``configuration`` (NXnote, the inputs as JSON; large arrays summarized).

Files of the same names that ewoks_core did not write (no root attribute
creator="ewoks_core") are never replaced: the save fails and says so.

Atomicity: a node file is written under a temporary name and renamed; the main
file is updated by copying it, adding the link to the copy and renaming the
copy over it, under an exclusive lock on the lock file. Readers therefore only
ever see complete files, and concurrent savers never lose each other's links.
A node file left unlinked by a crash between the two steps is linked by the
next save of the same workflow. Task URI: ``/data/results.h5::/<workflow>/<node>``.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

import h5py

from .atomic import atomic_shared_path
from .json_store import encode_inputs
from .locking import file_lock
from .nexus_values import json_text, read_value, write_value
from .store import CREATOR, ResultRecord, ResultStore, StoredResult, check_own_file
from .uris import is_safe_name, join_uri, safe_name, split_uri

logger = logging.getLogger(__name__)

NODE_FILE_SUFFIX = ".h5"


class NexusResultStore(ResultStore):
    """Results in an HDF5/NeXus main file (external links to one HDF5 file per node result)."""

    scheme = "nexus"

    def _read(self, task_uri: str) -> ResultRecord:
        return read_nexus_result(task_uri)

    def __init__(self, root_uri: Any) -> None:
        super().__init__(root_uri)
        self.data_dir = self.root.parent / f"{self.root.stem}_data"
        self.lock_path = self.data_dir / ".lock"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / ".cache"

    def _task_uri(self, workflow: str, node: str) -> str:
        return join_uri(self.root_uri, f"/{workflow}/{node}")

    def node_file(self, workflow: str, node: str) -> Path:
        """The file holding the result of a node (safe names)."""
        return self.data_dir / workflow / f"{node}{NODE_FILE_SUFFIX}"

    def write_locations(self) -> List[Path]:
        return [self.root, self.data_dir]

    def _write(self, workflow: str, node: str, outputs: Dict[str, Any], meta: Dict[str, Any],
               inputs: Optional[Mapping[Any, Any]]) -> Tuple[str, Dict[str, str], bool]:
        node_file = self.node_file(workflow, node)
        check_own_file(self.root)  # a raw scan given as root_uri by mistake is never touched
        check_own_file(node_file)
        with atomic_shared_path(node_file) as tmp:
            with h5py.File(tmp, "w") as f:
                names, complete = write_node(f, workflow, node, outputs, meta, inputs)
        with file_lock(self.lock_path):
            self._update_main(workflow, meta["workflow_id"], node)
        task_uri = self._task_uri(workflow, node)
        return task_uri, {name: f"{task_uri}/results/{ds}" for name, ds in names.items()}, complete

    def _update_main(self, workflow: str, workflow_id: str, node: str) -> None:
        """Link the node files of `workflow` into a copy of the main file, then replace the main file."""
        with atomic_shared_path(self.root) as tmp:
            rebuild = not self._copy_main(tmp)
            with h5py.File(tmp, "w" if rebuild else "r+") as f:
                if rebuild:
                    init_root(f, self.root.name)
                    for folder in sorted(self.data_dir.iterdir()) if self.data_dir.is_dir() else []:
                        if folder.is_dir() and is_safe_name(folder.name) and folder.name != workflow:
                            self._link_workflow(f, folder.name, None)
                self._link_workflow(f, workflow, workflow_id, node)
                set_attr(f, "default", workflow)

    def _copy_main(self, tmp: Path) -> bool:
        """Copy the main file to `tmp`; False when there is none or it is unreadable (kept aside as a backup)."""
        if not self.root.exists():
            return False
        try:
            shutil.copyfile(self.root, tmp)
            with h5py.File(tmp, "r"):
                pass
            return True
        except OSError as exc:
            backup = self.root.with_name(f"{self.root.name}.corrupt-{time.strftime('%Y%m%dT%H%M%S')}")
            logger.warning("main result file %s is unreadable (%s); rebuilding it from %s (old file kept as %s)",
                           self.root, exc, self.data_dir, backup)
            shutil.copyfile(self.root, backup)
            return False

    def _link_workflow(self, f: h5py.File, workflow: str, workflow_id: Optional[str],
                       node: Optional[str] = None) -> None:
        """Link `node` and every complete node file of `workflow` that is not linked yet (left by a crash)."""
        folder = self.data_dir / workflow
        entry = f.require_group(workflow)
        set_attr(entry, "NX_class", "NXentry")
        if workflow_id is not None:
            set_attr(entry, "workflow_id", workflow_id)
        linked = set(entry)
        for path in sorted(folder.glob(f"*{NODE_FILE_SUFFIX}")):
            name = path.name[: -len(NODE_FILE_SUFFIX)]
            if is_safe_name(name) and (name == node or name not in linked):
                set_link(entry, name, os.path.relpath(path, self.root.parent), f"/{workflow}/{name}")


def set_attr(obj: Any, name: str, value: str) -> None:
    """Set a string attribute only when it changes (rewriting one leaks space in the HDF5 file)."""
    if obj.attrs.get(name) != value:
        obj.attrs[name] = value


def set_link(entry: h5py.Group, name: str, filename: str, path: str) -> None:
    """Make entry[name] an external link to filename::path (relative file names resolve next to the main file)."""
    filename = Path(filename).as_posix()
    link = entry.get(name, getlink=True)
    if isinstance(link, h5py.ExternalLink) and link.filename == filename and link.path == path:
        return
    if link is not None:
        del entry[name]
    entry[name] = h5py.ExternalLink(filename, path)


def init_root(f: h5py.File, file_name: str) -> None:
    """NXroot attributes of a new file."""
    f.attrs["NX_class"] = "NXroot"
    f.attrs["creator"] = CREATOR
    f.attrs["file_name"] = file_name
    f.attrs["file_time"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    f.attrs["HDF5_Version"] = h5py.version.hdf5_version
    f.attrs["h5py_version"] = h5py.version.version


def write_node(f: h5py.File, workflow: str, node: str, outputs: Dict[str, Any], meta: Dict[str, Any],
               inputs: Optional[Mapping[Any, Any]]) -> Tuple[Dict[str, str], bool]:
    """Write one node result; return ({output name: dataset name}, complete)."""
    init_root(f, f"{node}{NODE_FILE_SUFFIX}")
    f.attrs["default"] = workflow
    entry = f.create_group(workflow)
    entry.attrs["NX_class"] = "NXentry"
    entry.attrs["workflow_id"] = meta["workflow_id"]
    process = entry.create_group(node)
    process.attrs["NX_class"] = "NXprocess"
    for key in ("node_id", "workflow_id", "task_identifier", "cache_key", "date"):
        process.attrs[key] = str(meta[key])
    process["program"] = "ewoks_core"
    process["date"] = str(meta["date"])
    results = process.create_group("results", track_order=True)
    results.attrs["NX_class"] = "NXcollection"
    names: Dict[str, str] = {}
    complete = True
    for name, value in outputs.items():
        names[name] = safe_name(name)
        complete = write_value(results, names[name], value, name) and complete
    process.attrs["cacheable"] = complete
    note = process.create_group("configuration")
    note.attrs["NX_class"] = "NXnote"
    note["type"] = "application/json"
    note["data"] = json_text(encode_inputs(inputs))
    return names, complete


def read_nexus_result(task_uri: str) -> ResultRecord:
    """Read the result at ``<file>::/<entry>/<process>``; raises when missing or unreadable."""
    path, internal = split_uri(task_uri)
    if not internal:
        raise ValueError(f"{task_uri!r} has no HDF5 path; expected '<file>::/<entry>/<process>'")
    internal = "/" + internal.strip("/")
    with h5py.File(path, "r") as f:
        process = f[internal]
        results = process["results"]
        outputs: Dict[str, Any] = {}
        output_uris: Dict[str, str] = {}
        for ds_name, dataset in results.items():
            if isinstance(dataset, h5py.Dataset):
                name = str(dataset.attrs.get("output_name", ds_name))
                outputs[name] = read_value(dataset)
                output_uris[name] = join_uri(path, f"{internal}/results/{ds_name}")
        attrs = {k: process.attrs.get(k) for k in ("workflow_id", "node_id", "task_identifier", "date",
                                                   "cache_key", "cacheable")}
    result = StoredResult(outputs=outputs, task_uri=join_uri(path, internal), output_uris=output_uris)
    cacheable = attrs.pop("cacheable")
    return ResultRecord(result=result, cache_key=str(attrs.pop("cache_key") or ""),
                        cacheable=True if cacheable is None else bool(cacheable),
                        meta={k: (str(v) if v is not None else None) for k, v in attrs.items()})

