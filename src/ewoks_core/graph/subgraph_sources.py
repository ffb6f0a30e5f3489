"""Where a sub-graph comes from: the task_identifier of a `task_type: graph` node.

As in ewoks it may be the sub-workflow itself (a dict, a JSON/YAML string, a networkx graph, a
loaded graph object) or a file name found in root_dir / root_module (package data), with or
without its .json/.yaml/.yml extension. A name that is found nowhere gets an error naming every
place looked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, List, Optional, Tuple

from ..errors import GraphFormatError
from . import io
from .copying import copy_document

SUFFIXES = io.JSON_SUFFIXES + io.YAML_SUFFIXES


def is_graph_object(value: Any) -> bool:
    """A networkx graph, a WorkflowGraph or an object holding a networkx graph as `.graph` (ewoks' TaskGraph)."""
    if isinstance(value, (str, bytes, dict, Path)) or value is None:
        return False
    if hasattr(value, "to_dict") and hasattr(value, "nodes") and hasattr(value, "links"):
        return True  # WorkflowGraph
    if _is_networkx(value):
        return True
    return _is_networkx(getattr(value, "graph", None))


def _is_networkx(value: Any) -> bool:
    return value is not None and all(hasattr(value, a) for a in ("nodes", "edges", "graph", "is_multigraph"))


def graph_object_document(value: Any) -> dict:
    """The node-link document of an in-memory graph (see is_graph_object)."""
    if hasattr(value, "to_dict") and hasattr(value, "links"):
        return value.to_dict()
    if not _is_networkx(value):
        value = value.graph
    return io.from_networkx(value)


def inline_graph_objects(doc: dict) -> None:
    """Replace in-memory sub-graphs of graph nodes by their documents (in place), so that the
    workflow holds plain data: it can be copied, saved and sent to workers."""
    nodes = doc.get("nodes")
    if not isinstance(nodes, list):
        return  # validate_document says what is wrong with it
    for node in nodes:
        if isinstance(node, dict) and node.get("task_type") == "graph" and is_graph_object(
                node.get("task_identifier")):
            node["task_identifier"] = graph_object_document(node["task_identifier"])


def is_inline_text(identifier: str) -> bool:
    """ewoks' rule: a string with braces is the sub-workflow itself (JSON), not a file name."""
    return "{" in identifier and "}" in identifier


def locate_file(name: str, dirs: List[Optional[str]], root_dir: Optional[str],
                root_module: Optional[str]) -> Tuple[Optional[Path], List[str]]:
    """The sub-graph file `name`: in each of `dirs` (the parent file's folder), root_dir, the package
    root_module, then the working directory; the name as given, then with each extension.
    Returns the path (None when not found) and every folder looked in, for the error message."""
    looked: List[str] = []
    bases: List[Tuple[str, Any]] = []
    given = Path(name)
    if given.is_absolute():
        name = given.name
        bases.append((str(given.parent), given.parent))
    else:
        for d in list(dirs) + [root_dir]:
            if d and all(str(d) != b for b, _ in bases):
                bases.append((str(d), Path(d)))
        if root_module:
            package = _package_folder(root_module)
            if package is None:
                looked.append(f"package {root_module!r} (cannot be imported)")
            else:
                bases.append((f"package {root_module!r} ({package})", package))
        bases.append((f"the working directory {Path.cwd()}", Path.cwd()))
    names = _candidate_names(name)
    for where, base in bases:
        for candidate in names:
            path = base / candidate
            if path.is_file():
                return Path(str(path)), looked
        looked.append(where)
    return None, looked


def _candidate_names(name: str) -> List[str]:
    """The name, then with each extension added (or, as ewoks does, in place of the one it has)."""
    suffix = Path(name).suffix
    names = [name]
    if suffix.lower() not in SUFFIXES:
        names += [name + s for s in SUFFIXES]
    if suffix:
        names += [str(Path(name).with_suffix(s)) for s in SUFFIXES]
    return list(dict.fromkeys(names))


def _package_folder(root_module: str) -> Optional[Any]:
    try:
        import importlib.resources

        importlib.import_module(root_module)
        return importlib.resources.files(root_module)
    except (ImportError, TypeError):
        return None


def read_subgraph(identifier: Any, node_id: Any, parent_source: Optional[str], parent_dir: Optional[str],
                  root_dir: Optional[str], root_module: Optional[str]) -> Tuple[dict, str, Optional[str]]:
    """The document of a graph node's sub-graph, its source name (for messages) and its base folder."""
    from ..errors import node_label

    inline_name = f"{parent_source or '<workflow>'} > node {node_label(node_id)!r} (inline sub-graph)"
    if isinstance(identifier, dict):

        return copy_document(identifier), inline_name, parent_dir
    if is_graph_object(identifier):
        return graph_object_document(identifier), inline_name, parent_dir
    if not isinstance(identifier, (str, Path)):
        raise GraphFormatError(f"a graph node's task_identifier must be a file name or a graph, not "
                               f"{type(identifier).__name__}", source=parent_source, node_id=node_id,
                               field="task_identifier")
    identifier = str(identifier)
    if is_inline_text(identifier):
        doc, _ = io.parse_string(identifier)
        return doc, inline_name, parent_dir
    path, looked = locate_file(identifier, [parent_dir], root_dir, root_module)
    if path is None:
        tried = ", ".join(_candidate_names(Path(identifier).name)[1:])
        raise GraphFormatError(f"sub-graph file {identifier!r} not found (nor {tried}); looked in: {'; '.join(looked)}",
                               source=parent_source, node_id=node_id, field="task_identifier",
                               hint="Give load_options root_dir (a folder) or root_module (a package with the "
                                    "file as package data), or an absolute path.")
    return io.read_document(path), str(path), str(path.parent)
