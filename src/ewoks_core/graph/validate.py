"""Structural validation of workflow documents, with errors that name the node, link and field."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, Iterable, List, Optional, Tuple

from ..errors import GraphFormatError, did_you_mean, node_label
from .extensions import check_extensions
from .fastcheck import plain_graph, plain_links, plain_nodes


def normalize_id(value: Any) -> Any:
    """Node ids from JSON/YAML: lists (flattened sub-graph ids) become tuples."""
    if isinstance(value, list):
        return tuple(normalize_id(v) for v in value)
    return value


@lru_cache(maxsize=None)
def model_adapter(part: str) -> Any:
    """The pydantic validator of one part of a document ("graph", "nodes" or "links"), built when first
    needed: importing pydantic and building the models (graph/models.py) is most of a plain run's start-up."""
    from pydantic import TypeAdapter

    from .models import GraphAttrs, LinkModel, NodeModel

    return TypeAdapter({"graph": GraphAttrs, "nodes": List[NodeModel], "links": List[LinkModel]}[part])


def _model_error(part: str, value: Any) -> Optional[Tuple[tuple, str]]:
    """(location, message) of the first error the models find in `value`, None when they accept it."""
    from pydantic import ValidationError

    try:
        model_adapter(part).validate_python(value)
    except ValidationError as exc:
        err = exc.errors()[0]
        return err["loc"], err["msg"].removeprefix("Value error, ")
    return None


def validate_document(doc: dict, source: Optional[str]) -> None:
    """Check shapes and references; raise GraphFormatError at the first problem."""
    if "nodes" not in doc:
        if "graph" not in doc:  # ewoks would run any mapping as an empty workflow: say what is wrong instead
            raise GraphFormatError("missing 'nodes': a workflow is {'graph': {...}, 'nodes': [...], 'links': [...]}",
                                   source=source)
        doc["nodes"] = []  # graph attributes only: an empty workflow (as in ewoks)
    if "links" not in doc and "edges" in doc:
        doc["links"] = doc.pop("edges")
    doc.setdefault("links", [])
    for key in ("nodes", "links"):
        if not isinstance(doc[key], list):
            raise GraphFormatError(f"{key!r} must be a list", source=source, field=key)
    if not isinstance(doc.get("graph", {}), dict):
        raise GraphFormatError("'graph' must be a mapping", source=source, field="graph")

    attrs = doc.get("graph", {})
    error = None if plain_graph(attrs) else _model_error("graph", attrs)  # no doubt: the (slow) models are skipped
    if error is not None:
        loc, msg = error
        raise GraphFormatError(msg, source=source, field="graph." + ".".join(map(str, loc)))
    check_extensions(attrs, source)

    nodes = doc["nodes"]
    error = None if plain_nodes(nodes) else _model_error("nodes", nodes)
    if error is not None:
        loc, msg = error
        index = loc[0]
        node = nodes[index] if isinstance(index, int) else None
        node_id = node.get("id", f"#{index}") if isinstance(node, dict) else f"#{index}"
        field = ".".join(map(str, loc[1:])) or None
        raise GraphFormatError(msg, source=source, node_id=normalize_id(node_id), field=field)

    seen: Dict[Any, int] = {}
    for index, node in enumerate(nodes):
        node_id = node["id"]
        if isinstance(node_id, list):  # normalize_id, inline: this loop runs for every node
            node_id = normalize_id(node_id)
        if node_id in seen:
            raise GraphFormatError(f"duplicate node id (also node #{seen[node_id]})", source=source, node_id=node_id,
                                   field="id", hint="Node ids must be unique within a graph.")
        seen[node_id] = index
    labels = check_distinct_labels(seen, source)

    links = doc["links"]
    error = None if plain_links(links) else _model_error("links", links)
    if error is not None:
        loc, msg = error
        raise GraphFormatError(msg, source=source, field=f"links[{loc[0]}]" + "".join(f".{p}" for p in loc[1:]))
    for index, link in enumerate(links):
        for end in ("source", "target"):
            node_id = link[end]
            if isinstance(node_id, list):
                node_id = normalize_id(node_id)
            if node_id not in seen:
                same = labels.get(node_label(node_id))
                hint = (f" The node's id is {same!r} (a {type(same).__name__}), not {node_id!r} "
                        f"(a {type(node_id).__name__})." if same is not None else
                        did_you_mean(node_label(node_id), labels))
                raise GraphFormatError(
                    f"link {node_label(normalize_id(link['source']))!r} -> {node_label(normalize_id(link['target']))!r}"
                    f" refers to unknown node {node_label(node_id)!r}.{hint}",
                    source=source, field=f"links[{index}].{end}")


def check_distinct_labels(node_ids: Iterable[Any], source: Optional[str]) -> Dict[str, Any]:
    """Node ids written the same way (1 and "1", ("a", "b") and "a/b") would share results, events and
    inputs: refused. Returns {written form: node id}."""
    labels: Dict[str, Any] = {}
    for node_id in node_ids:
        label = node_id if type(node_id) is str else node_label(node_id)  # runs twice per node of every job
        other = labels.setdefault(label, node_id)
        if other is not node_id and other != node_id:
            raise GraphFormatError(
                f"node ids {other!r} and {node_id!r} are both written {label!r}: their results, events and "
                "inputs would be mixed up", source=source, node_id=node_id, field="id",
                hint="Give the nodes ids that differ as text.")
    return labels
