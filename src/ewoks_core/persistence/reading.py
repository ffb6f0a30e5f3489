"""Reading a result of either scheme from its task URI (a JSON file or an HDF5 group)."""

from __future__ import annotations

from typing import Any, Dict

from .store import ResultRecord, unreadable
from .uris import is_json_uri


def read_result(task_uri: str) -> ResultRecord:
    """Read the result at a task URI (JSON file or HDF5 group); raises when it is missing or corrupt."""
    if is_json_uri(task_uri):
        from .json_store import read_json_result

        return read_json_result(task_uri)
    from .nexus_store import read_nexus_result  # h5py is imported only for a nexus result

    return read_nexus_result(task_uri)


def load_outputs(task_uri: str) -> Dict[str, Any]:
    """The outputs stored at a task URI of either scheme; ResultReadError when missing or unreadable."""
    try:
        return read_result(task_uri).result.outputs
    except Exception as exc:
        raise unreadable(task_uri, exc) from exc
