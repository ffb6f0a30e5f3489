"""NodeSpec and LinkSpec: the typed, immutable nodes and links of a validated workflow.

They are built once from entries the models (graph/models.py) or their fast path (graph/fastcheck.py)
accepted, without validating again. Every default of the document format is stated here, in
`NodeSpec.from_dict` and `LinkSpec.from_dict`: code that runs, shows or analyses a workflow reads the
typed fields and never a raw dict with `.get(key, default)`. Each spec also keeps its document entry
(`document`, a Mapping: read-only to type-checked code) so that saving writes back exactly what was
read, unknown keys included.

Specs are typed named tuples rather than frozen dataclasses: as immutable and typed, but a frozen
dataclass' __init__ (one object.__setattr__ per field) made loading a 10,000-node workflow three
times slower, where a tuple is built in one step (specs are never used as tuples). For the same
reason `document` is a plain dict typed as a Mapping rather than a FrozenDict (CPython's collector
stops scanning a plain dict of plain values, most node entries, but scans every dict subclass
instance at every collection of a run), and the pairs of default_inputs, data_mapping and conditions
are properties, computed when read (compile_graph reads them once per node and link).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Dict, FrozenSet, Iterable, NamedTuple, Optional, Tuple

from .copying import copy_document

__all__ = ["FrozenDict", "NodeSpec", "LinkSpec", "merge_attributes", "NODE_FIELDS", "LINK_FIELDS"]

NodeId = Any  # str | int | tuple

NODE_FIELDS: FrozenSet[str] = frozenset((
    "id", "label", "task_type", "task_identifier", "task_generator", "default_inputs", "force_start_node",
    "conditions_else_value", "default_error_node", "default_error_attributes", "varinfo"))
LINK_FIELDS: FrozenSet[str] = frozenset((
    "source", "target", "sub_source", "sub_target", "sub_target_attributes", "data_mapping", "map_all_data",
    "conditions", "on_error", "required", "cache_if_optional", "cache_if_not_required"))


class FrozenDict(dict):
    """A read-only dict (a graph's node table, a spec's varinfo...). A dict subclass so
    that reading is a dict's speed and anything taking a dict (json, yaml, task generators) takes it;
    picklable (specs cross process boundaries), unlike types.MappingProxyType."""

    __slots__ = ()

    def _read_only(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("this mapping is read-only (a spec of a validated workflow): build a new spec instead")

    __setitem__ = __delitem__ = __ior__ = _read_only
    clear = pop = popitem = setdefault = update = _read_only

    def __reduce__(self) -> Tuple[Any, ...]:
        return (FrozenDict, (dict(self),))

    def __copy__(self) -> "FrozenDict":
        return self

    def __deepcopy__(self, memo: Dict[int, Any]) -> dict:
        return copy_document(dict(self))  # a copy is for changing: a plain dict

    def __repr__(self) -> str:
        return f"FrozenDict({dict.__repr__(self)})"

    def to_dict(self) -> dict:
        """A plain dict (shallow: nested values are shared, copy them before changing them)."""
        return dict(self)


# specs are built for every node and link of every workflow loaded: this skips a named tuple's generated
# __new__ (keyword handling: a third of the cost)
_new = tuple.__new__


class NodeSpec(NamedTuple):
    """One node of a validated workflow: its typed attributes and its document entry (without `id`)."""

    id: NodeId
    task_type: str
    task_identifier: Any  # an import path or file name; for a 'graph' node, also a sub-workflow itself
    label: Optional[str]  # its own label (None: none given)
    task_generator: Optional[str]
    force_start_node: bool
    conditions_else_value: Any
    default_error_node: bool
    default_error_attributes: Optional[FrozenDict]
    varinfo: Optional[FrozenDict]
    document: Mapping[str, Any]  # the entry as read, written back by to_dict(); read the fields above instead

    @classmethod
    def from_dict(cls, node_id: NodeId, attrs: Mapping) -> "NodeSpec":
        """The spec of a validated node entry `attrs` (any `id` key in it is ignored: `node_id` is the id)."""
        return cls.from_owned_dict(node_id, dict(attrs))

    @classmethod
    def from_owned_dict(cls, node_id: NodeId, data: dict) -> "NodeSpec":
        """As from_dict, keeping `data` itself (a fresh copy nothing else holds: its `id` key is removed)."""
        data.pop("id", None)
        get = data.get
        error_attributes, varinfo = get("default_error_attributes"), get("varinfo")
        return _new(cls, (node_id, get("task_type") or "class", get("task_identifier"), get("label") or None,
                          get("task_generator"), bool(get("force_start_node")), get("conditions_else_value"),
                          bool(get("default_error_node")),
                          None if error_attributes is None else FrozenDict(error_attributes),
                          None if varinfo is None else FrozenDict(varinfo), data))

    @property
    def default_inputs(self) -> Tuple[Tuple[Any, Any], ...]:
        """(name, value) of its default inputs, in document order."""
        inputs = self.document.get("default_inputs")
        return tuple([(d["name"], d.get("value")) for d in inputs]) if inputs else ()

    @property
    def extra(self) -> Dict[str, Any]:
        """The attributes the document format does not define (kept for saving, and for extensions)."""
        return {k: v for k, v in self.document.items() if k not in NODE_FIELDS}

    def to_dict(self) -> dict:
        """The document entry {"id": ..., **attributes} (a deep copy)."""
        return copy_document({"id": self.id, **self.document})

    def with_id(self, node_id: NodeId) -> "NodeSpec":
        """The same node under another id (a sub-graph node once flattened)."""
        return self._replace(id=node_id)

    def with_attributes(self, **attrs: Any) -> "NodeSpec":
        """A new spec with these document attributes replaced (or added)."""
        return NodeSpec.from_dict(self.id, {**self.document, **attrs})

    def without(self, keys: Iterable[str]) -> "NodeSpec":
        """A new spec without these document attributes (their defaults apply)."""
        drop = frozenset(keys)
        return NodeSpec.from_dict(self.id, {k: v for k, v in self.document.items() if k not in drop})

    def merged(self, attrs: Mapping) -> "NodeSpec":
        """A new spec with `attrs` merged in as ewoks' dict_merge does (mappings recursively)."""
        return NodeSpec.from_dict(self.id, merge_attributes(self.document, attrs))


class LinkSpec(NamedTuple):
    """One link of a validated workflow: its typed attributes and its document entry (without its ends)."""

    source: NodeId
    target: NodeId
    on_error: bool
    map_all_data: bool
    required: Optional[bool]  # None: decided by the graph (conditional or downstream of a conditional link)
    cache: bool  # cache_if_optional, or ewoks 1.2's name for it, cache_if_not_required
    sub_source: Any
    sub_target: Any
    sub_target_attributes: Optional[FrozenDict]
    document: Mapping[str, Any]  # the entry as read (without source/target), written back by to_dict()

    @classmethod
    def from_dict(cls, attrs: Mapping) -> "LinkSpec":
        """The spec of a validated link entry (`source` and `target` already normalized)."""
        return cls.between_nodes(attrs["source"], attrs["target"], attrs)

    @classmethod
    def between_nodes(cls, source: NodeId, target: NodeId, attrs: Mapping) -> "LinkSpec":
        """The spec of a validated link entry from `source` to `target` (normalized ids; any source and
        target keys of `attrs` are ignored)."""
        return cls.owned_between_nodes(source, target, dict(attrs))

    @classmethod
    def owned_between_nodes(cls, source: NodeId, target: NodeId, data: dict) -> "LinkSpec":
        """As between_nodes, keeping `data` itself (a fresh copy nothing else holds: its `source` and
        `target` keys are removed)."""
        data.pop("source", None)
        data.pop("target", None)
        get = data.get
        required, target_attributes = get("required"), get("sub_target_attributes")
        return _new(cls, (source, target, bool(get("on_error")), bool(get("map_all_data")),
                          None if required is None else bool(required),
                          bool(get("cache_if_optional") or get("cache_if_not_required")), get("sub_source"),
                          get("sub_target"), None if target_attributes is None else FrozenDict(target_attributes),
                          data))

    @property
    def data_mapping(self) -> Tuple[Tuple[Any, Any], ...]:
        """(source_output, target_input) pairs; a None source_output passes the whole output."""
        mapping = self.document.get("data_mapping")
        return tuple([(m.get("source_output"), m["target_input"]) for m in mapping]) if mapping else ()

    @property
    def conditions(self) -> Tuple[Tuple[Any, Any], ...]:
        """(source_output, value) pairs: the link fires when every output equals its value."""
        conditions = self.document.get("conditions")
        return tuple([(c["source_output"], c["value"]) for c in conditions]) if conditions else ()

    @property
    def extra(self) -> Dict[str, Any]:
        """The attributes the document format does not define (kept for saving, and for extensions)."""
        return {k: v for k, v in self.document.items() if k not in LINK_FIELDS}

    def to_dict(self) -> dict:
        """The document entry {"source": ..., "target": ..., **attributes} (a deep copy)."""
        return copy_document({"source": self.source, "target": self.target, **self.document})

    def between(self, source: NodeId, target: NodeId) -> "LinkSpec":
        """The same link between other nodes (flattened sub-graph ids)."""
        return self._replace(source=source, target=target)

    def with_attributes(self, **attrs: Any) -> "LinkSpec":
        """A new spec with these attributes replaced or added (`source`/`target` included)."""
        return LinkSpec.from_dict({"source": self.source, "target": self.target, **self.document, **attrs})

    def without(self, keys: Iterable[str]) -> "LinkSpec":
        """A new spec without these document attributes (their defaults apply)."""
        drop = frozenset(keys)
        return LinkSpec.from_dict({"source": self.source, "target": self.target,
                                   **{k: v for k, v in self.document.items() if k not in drop}})


def merge_attributes(destination: Mapping, source: Mapping) -> dict:
    """ewoks' dict_merge(overwrite=True) without changing either side: mappings merge recursively, any
    other value of `source` replaces (copied)."""
    merged = dict(destination)
    for key, value in source.items():
        current = merged.get(key)
        if isinstance(current, Mapping) and isinstance(value, Mapping):
            merged[key] = merge_attributes(current, value)
        else:
            merged[key] = copy_document(value)
    return merged
