"""Persistence: node results stored as JSON files or in an HDF5/NeXus file, and content hashes for caching.

    store = open_store({"root_uri": "/data/results.h5"})   # or a folder for the "json" scheme
    key = store.cache_key("class:pkg.mod.Task:", inputs)   # None: not cacheable
    hit = store.lookup(workflow_id, node_id, key)           # StoredResult or None
    stored = store.save(workflow_id, node_id, key, outputs, task_identifier=..., inputs=inputs)
    outputs = store.load(stored.task_uri)

Nothing here imports h5py (or numpy) until the nexus scheme is used.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Dict, Mapping, Optional, Type

from ..errors import EwoksError, did_you_mean

if TYPE_CHECKING:
    from .reading import load_outputs, read_result
    from .store import ResultReadError, ResultRecord, ResultStore, StoredResult

SCHEMES = ("json", "nexus")
NEXUS_SUFFIXES = (".h5", ".hdf5", ".nx", ".nxs", ".hdf", ".nx5")

__all__ = ["open_store", "ResultStore", "StoredResult", "ResultRecord", "ResultReadError", "read_result",
           "load_outputs", "default_scheme", "check_varinfo", "SCHEMES"]


_LAZY = {"load_outputs": "reading", "read_result": "reading", "ResultReadError": "store", "ResultRecord": "store",
         "ResultStore": "store", "StoredResult": "store"}


def __getattr__(name: str) -> Any:
    """The stores and readers, imported when first asked for: a run without varinfo (and `ewoks execute`'s
    start-up) does not need them (hashlib, json, datetime and the atomic-write helpers)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"{__name__}.{module}"), name)


def default_scheme(root_uri: str) -> str:
    """"nexus" for a root ending like an HDF5 file, else "json"."""
    return "nexus" if str(root_uri).lower().endswith(NEXUS_SUFFIXES) else "json"


def check_varinfo(varinfo: Any, name: str = "varinfo") -> Optional[Dict[str, Any]]:
    """A copy of ewoks' varinfo ({"root_uri", "scheme"}) with its root and scheme checked (EwoksError naming
    the field); None when it names no root. Nothing is opened or created here."""
    if varinfo is None:
        return None
    if not isinstance(varinfo, Mapping):
        raise EwoksError(f"expected a mapping like {{'root_uri': ..., 'scheme': ...}}, got {type(varinfo).__name__}",
                         field=name)
    info = dict(varinfo)
    root_uri = info.get("root_uri")
    if root_uri is not None and root_uri != "" and not isinstance(root_uri, (str, os.PathLike)):
        raise EwoksError(f"expected a folder or file path, got {type(root_uri).__name__} {root_uri!r}",
                         field=f"{name}.root_uri")
    scheme = info.get("scheme")
    if scheme not in (None, ""):
        scheme_name = str(scheme).strip().lower()
        if scheme_name not in SCHEMES:
            raise EwoksError(f"unknown persistence scheme {scheme!r}; valid values are 'json' and 'nexus'."
                             + did_you_mean(scheme_name, SCHEMES), field=f"{name}.scheme")
    return info or None


def open_store(varinfo: Optional[Mapping[str, Any]]) -> Optional["ResultStore"]:
    """The result store described by varinfo ({"root_uri": ..., "scheme": "json"|"nexus"}), or None."""
    info = check_varinfo(varinfo)
    root_uri = (info or {}).get("root_uri")
    if root_uri is None or root_uri == "":
        return None
    root_uri = os.fspath(root_uri)
    scheme_name = str((info or {}).get("scheme") or default_scheme(root_uri)).strip().lower()
    store_class = _store_class(scheme_name)
    if scheme_name == "nexus" and os.path.isdir(os.path.expanduser(root_uri)):
        raise EwoksError(f"{root_uri!r} is a folder; the nexus scheme needs an HDF5 file path such as "
                         f"{os.path.join(root_uri, 'results.h5')!r}", field="varinfo.root_uri")
    return store_class(root_uri)


def _store_class(scheme: str) -> Type["ResultStore"]:
    if scheme == "nexus":
        from .nexus_store import NexusResultStore

        return NexusResultStore
    from .json_store import JsonResultStore

    return JsonResultStore

