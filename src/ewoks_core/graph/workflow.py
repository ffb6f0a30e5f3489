"""WorkflowGraph: a validated workflow document, and load_graph() from any source."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, Optional, Tuple

from ..errors import GraphFormatError
from ..nesting import MAX_NESTING, too_deep, where
from . import io
from .copying import NestedTooDeep, copy_document
from .schema import CURRENT_VERSION, upgrade_document
from .specs import FrozenDict, LinkSpec, NodeSpec
from .validate import normalize_id, validate_document

NodeId = Any  # str | int | tuple


class WorkflowGraph:
    """A workflow as loaded from a document: graph attributes, nodes and links.

    Nodes and links are typed, immutable specs (graph/specs.py) built once from the validated
    document; each keeps its document entry (unknown keys included) so that saving writes back
    what was read. Sub-graphs stay unflattened here;
    `ewoks_core.graph.compile_graph` flattens them for execution.
    """

    def __init__(self, doc: dict, source: Optional[str] = None, base_dir: Optional[str] = None, *,
                 root_dir: Optional[str] = None, root_module: Optional[str] = None, owned: bool = False) -> None:
        """`owned`: `doc` is a fresh copy (as load_graph makes) whose node and link entries the specs may keep
        and change, instead of copying each."""
        self.source = source
        self.base_dir = base_dir
        self.root_dir = root_dir  # where its sub-graph files are looked up (load_options)
        self.root_module = root_module
        self.directed = doc.get("directed", True)
        self.multigraph = bool(doc.get("multigraph", False))
        self.graph: Dict[str, Any] = dict(doc.get("graph", {}))
        self.extra = {k: v for k, v in doc.items() if k not in ("directed", "multigraph", "graph", "nodes", "links")}
        nodes: Dict[NodeId, NodeSpec] = {}
        node_spec = NodeSpec.from_owned_dict if owned else NodeSpec.from_dict
        for node in doc["nodes"]:
            node_id = node["id"]
            if isinstance(node_id, list):  # normalize_id, inline: this loop runs for every node
                node_id = normalize_id(node_id)
            nodes[node_id] = node_spec(node_id, node)
        self.nodes: Mapping[NodeId, NodeSpec] = FrozenDict(nodes)
        links: Dict[Tuple[NodeId, NodeId], dict] = {}
        for link in doc["links"]:
            source, target = link["source"], link["target"]
            key = (normalize_id(source) if isinstance(source, list) else source,
                   normalize_id(target) if isinstance(target, list) else target)
            previous = links.get(key)
            links[key] = link if previous is None else _merge_parallel_links(previous, link)
        link_spec = LinkSpec.owned_between_nodes if owned else LinkSpec.between_nodes
        self.links: Tuple[LinkSpec, ...] = tuple([link_spec(source, target, link)
                                                  for (source, target), link in links.items()])

    @property
    def id(self) -> Any:
        """The graph id (or its label, or the file stem)."""
        stem = Path(self.source).stem if self.source and self.source != "<string>" else "workflow"
        return self.graph.get("id") or self.graph.get("label") or stem

    @property
    def label(self) -> str:
        return self.graph.get("label") or str(self.id)

    def iter_links(self, source: Any = None, target: Any = None) -> Iterator[LinkSpec]:
        """The links from `source` and/or to `target` (all links when neither is given)."""
        for link in self.links:
            if (source is None or link.source == source) and (target is None or link.target == target):
                yield link

    def to_dict(self) -> dict:
        """The node-link document (a deep copy; tuples stay tuples)."""
        graph = dict(self.graph)
        graph.setdefault("schema_version", CURRENT_VERSION)
        doc = {"directed": self.directed, "multigraph": False, "graph": graph,
               "nodes": [{"id": node_id, **spec.document} for node_id, spec in self.nodes.items()],
               "links": [{"source": link.source, "target": link.target, **link.document} for link in self.links]}
        doc.update(self.extra)
        return copy_document(doc)

    def copy(self) -> "WorkflowGraph":
        """An independent copy (specs are immutable: this only matters for the graph attributes)."""
        return WorkflowGraph(self.to_dict(), self.source, self.base_dir, root_dir=self.root_dir,
                             root_module=self.root_module, owned=True)

    def with_node(self, entry: Mapping[str, Any]) -> "WorkflowGraph":
        """A new graph where the node entry {"id": ..., "task_identifier": ..., ...} replaces the node of
        its id (in place) or is added last; checked as loading checks it. This graph is unchanged."""
        doc = self.to_dict()
        node_id = normalize_id(entry.get("id"))
        entry = copy_document(dict(entry))
        nodes = doc["nodes"]
        at = next((i for i, node in enumerate(nodes) if node["id"] == node_id), None)
        if at is None:
            nodes.append(entry)
        else:
            nodes[at] = entry
        return self._validated(doc)

    def without_node(self, node_id: NodeId) -> "WorkflowGraph":
        """A new graph without this node and its links. This graph is unchanged."""
        node_id = normalize_id(node_id)
        if node_id not in self.nodes:
            raise GraphFormatError(f"no node {node_id!r} to remove", source=self.source, node_id=node_id)
        doc = self.to_dict()
        doc["nodes"] = [node for node in doc["nodes"] if node["id"] != node_id]
        doc["links"] = [link for link in doc["links"] if node_id not in (link["source"], link["target"])]
        return self._validated(doc)

    def _validated(self, doc: dict) -> "WorkflowGraph":
        validate_document(doc, self.source)
        return WorkflowGraph(doc, self.source, self.base_dir, root_dir=self.root_dir, root_module=self.root_module)

    def __repr__(self) -> str:
        return f"WorkflowGraph(id={self.id!r}, nodes={len(self.nodes)}, links={len(self.links)})"


def _merge_parallel_links(first: Mapping, link: Mapping) -> dict:
    """A parallel link (multigraph documents) merged into the first one between the same nodes."""
    into = dict(first)
    for key in ("data_mapping", "conditions"):
        if link.get(key):
            into[key] = list(into.get(key, [])) + list(link[key])
    for key, value in link.items():
        if key not in ("data_mapping", "conditions", "source", "target"):
            into[key] = value
    return into


def read_source(source: Any, root_dir: Optional[str] = None,
                root_module: Optional[str] = None) -> Tuple[dict, Optional[str], Optional[str]]:
    """Turn any graph representation into (document dict, source name, base folder)."""
    if isinstance(source, WorkflowGraph):
        return source.to_dict(), source.source, source.base_dir
    if isinstance(source, Path) or (isinstance(source, str) and io.looks_like_path(source)):
        path = io.find_workflow_file(str(source), [root_dir, None] if root_dir else [None], root_module)
        if isinstance(source, str) and not io.is_file(path):  # a workflow shipped by a package (ewoks.workflows)
            from .packaged import resolve_workflow_name

            path = resolve_workflow_name(source, path)
        return io.read_document(path), str(path), str(path.parent)
    if isinstance(source, str):
        doc, name = io.parse_string(source)
        return doc, name, root_dir
    if isinstance(source, dict):
        return copy_document(source), None, root_dir
    from .subgraph_sources import graph_object_document, is_graph_object

    if is_graph_object(source):  # a networkx graph, or an object holding one as .graph (ewoks' TaskGraph)
        return graph_object_document(source), None, root_dir
    raise GraphFormatError(f"cannot load a workflow from {type(source).__name__}",
                           hint="Pass a file path, a JSON/YAML string, a dict, a networkx graph or a WorkflowGraph.")


def check_nesting(doc: Any, source: Optional[str]) -> None:
    """Refuse a document nested deeper than MAX_NESTING levels (it could not be copied, converted or printed)."""
    path = too_deep(doc)
    if path is not None:
        raise GraphFormatError(f"values are nested deeper than {MAX_NESTING} levels", source=source,
                               field=where(path[:4]) + ("..." if len(path) > 4 else ""),
                               hint="A workflow nests a few levels (graph, nodes, inputs); pass deep data as a file.")


REPRESENTATIONS = ("json", "yaml", "json_dict", "json_string", "json_module", "yaml_module")
LOAD_OPTIONS = ("root_dir", "root_module", "representation")


@dataclass(frozen=True)
class LoadOptions:
    """ewoks' load_options (where sub-graph files and packaged workflows are looked up), checked."""

    root_dir: Optional[str] = None
    root_module: Optional[str] = None
    representation: Optional[str] = None

    @classmethod
    def parse(cls, value: Any, name: str = "load_options") -> "LoadOptions":
        """Refuse unknown keys (naming the nearest valid one) and values that are not text or paths."""
        if isinstance(value, LoadOptions):
            return value
        if value is not None and not isinstance(value, Mapping):
            raise GraphFormatError(f"{name} must be a mapping, got {type(value).__name__}", field=name)
        options = dict(value or {})
        unknown = [] if all(k in LOAD_OPTIONS for k in options) else sorted(str(k) for k in options
                                                                              if k not in LOAD_OPTIONS)
        if unknown:
            from ..errors import did_you_mean

            raise GraphFormatError(f"unknown load option(s) {unknown}.{did_you_mean(unknown[0], LOAD_OPTIONS)}",
                                   field=name, hint=f"{name} takes {', '.join(LOAD_OPTIONS)}.")
        for key, item in options.items():
            if item is not None and not isinstance(item, (str, os.PathLike)):
                raise GraphFormatError(f"{name}.{key} must be a text or a path, got {type(item).__name__}",
                                       field=f"{name}.{key}")
        return cls(**{k: (None if v is None else os.fspath(v)) for k, v in options.items()})

    def kwargs(self) -> Dict[str, Any]:
        """Keyword arguments of load_graph (only those given)."""
        return {key: getattr(self, key) for key in LOAD_OPTIONS if getattr(self, key) is not None}


def load_options_kwargs(load_options: Any) -> Dict[str, Any]:
    """ewoks' load_options (root_dir, root_module, representation) as keyword arguments of load_graph."""
    return LoadOptions.parse(load_options).kwargs()


def _module_file(name: str, representation: str) -> Path:
    """ewoks' json_module/yaml_module representation: 'package.name' is the file name(.json|.yaml) in package."""
    package, _, stem = name.rpartition(".")
    if not package:
        raise GraphFormatError(f"representation {representation!r} needs 'package.name', got {name!r}",
                               field="representation")
    suffixes = io.JSON_SUFFIXES if representation == "json_module" else io.YAML_SUFFIXES
    found = io.find_workflow_file(stem, [], package)
    if found.suffix.lower() not in suffixes + ("",) or not io.is_file(found):
        raise GraphFormatError(f"no workflow {stem!r} ({'/'.join(suffixes)}) in package {package!r}",
                               field="representation")
    return found


def load_graph(source: Any, *, root_dir: Optional[str] = None, root_module: Optional[str] = None,
               representation: Optional[str] = None) -> WorkflowGraph:
    """Load, upgrade and validate a workflow from a path, string, dict, networkx graph or WorkflowGraph
    (`representation`: ewoks' name for the kind of source; only needed for 'json_module'/'yaml_module',
    a package-qualified workflow name)."""
    if isinstance(source, WorkflowGraph):
        return source
    if representation is not None and representation not in REPRESENTATIONS:
        raise GraphFormatError(f"unknown representation {representation!r}", field="representation",
                               hint=f"Use one of {', '.join(REPRESENTATIONS)}.")
    if representation in ("json_module", "yaml_module"):
        source = _module_file(str(source), representation)
    if isinstance(source, dict) and type(source) is not dict:  # copied by copy.deepcopy: check first
        check_nesting(source, None)
    try:
        doc, name, base_dir = read_source(source, root_dir, root_module)
    except NestedTooDeep:  # a dict: copying it checked its depth
        check_nesting(source, None)
        raise
    if not isinstance(source, dict):  # parsed from a file or a string, or converted
        check_nesting(doc, name)
    from .subgraph_sources import inline_graph_objects

    inline_graph_objects(doc)
    upgrade_document(doc, name)
    validate_document(doc, name)
    return WorkflowGraph(doc, name, base_dir, root_dir=root_dir, root_module=root_module, owned=True)
