"""Structural validation of workflow documents, with errors that name the node, link and field."""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional

from pydantic import TypeAdapter, ValidationError

from ..errors import GraphFormatError, did_you_mean, node_label
from .extensions import check_extensions
from .fastcheck import plain_links, plain_nodes
from .models import GraphAttrs, LinkModel, NodeModel

_NODES = TypeAdapter(List[NodeModel])
_LINKS = TypeAdapter(List[LinkModel])


def normalize_id(value: Any) -> Any:
    """Node ids from JSON/YAML: lists (flattened sub-graph ids) become tuples."""
    if isinstance(value, list):
        return tuple(normalize_id(v) for v in value)
    return value


def _first_error(exc: ValidationError) -> tuple:
    err = exc.errors()[0]
    return err["loc"], err["msg"].removeprefix("Value error, ")


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

    try:
        GraphAttrs.model_validate(doc.get("graph", {}))
    except ValidationError as e:
        loc, msg = _first_error(e)
        raise GraphFormatError(msg, source=source, field="graph." + ".".join(map(str, loc))) from None
    check_extensions(doc.get("graph", {}), source)

    nodes = doc["nodes"]
    try:
        if not plain_nodes(nodes):  # entries that leave no doubt skip the (slow) models
            _NODES.validate_python(nodes)
    except ValidationError as e:
        loc, msg = _first_error(e)
        index = loc[0]
        node = nodes[index] if isinstance(index, int) else None
        node_id = node.get("id", f"#{index}") if isinstance(node, dict) else f"#{index}"
        field = ".".join(map(str, loc[1:])) or None
        raise GraphFormatError(msg, source=source, node_id=normalize_id(node_id), field=field) from None

    seen: Dict[Any, int] = {}
    for index, node in enumerate(nodes):
        node_id = normalize_id(node["id"])
        if node_id in seen:
            raise GraphFormatError(f"duplicate node id (also node #{seen[node_id]})", source=source, node_id=node_id,
                                   field="id", hint="Node ids must be unique within a graph.")
        seen[node_id] = index
    labels = check_distinct_labels(seen, source)

    links = doc["links"]
    try:
        if not plain_links(links):
            _LINKS.validate_python(links)
    except ValidationError as e:
        loc, msg = _first_error(e)
        index = loc[0]
        raise GraphFormatError(msg, source=source,
                               field=f"links[{index}]" + "".join(f".{p}" for p in loc[1:])) from None
    for index, link in enumerate(links):
        for end in ("source", "target"):
            node_id = normalize_id(link[end])
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
        label = node_label(node_id)
        other = labels.setdefault(label, node_id)
        if other is not node_id and other != node_id:
            raise GraphFormatError(
                f"node ids {other!r} and {node_id!r} are both written {label!r}: their results, events and "
                "inputs would be mixed up", source=source, node_id=node_id, field="id",
                hint="Give the nodes ids that differ as text.")
    return labels
