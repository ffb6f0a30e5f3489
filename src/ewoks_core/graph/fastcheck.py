"""A fast, conservative pre-check of graph attributes, node and link entries before the pydantic models.

Validating 10,000 entries through the pydantic models (graph/models.py) costs more than running
10,000 trivial nodes. Most entries are plain: ids that are strings or ints, booleans that are
booleans, mappings with the documented keys. `plain_nodes`/`plain_links` accept only entries the
models certainly accept (a strict subset of them: exact types, no coercion); `plain_graph` does
the same for the graph attributes, so that a plain document does not even import pydantic; anything else,
including every invalid entry, returns False and goes through the models, which give the error
message. So the models stay the one definition of what is valid; this only skips the work for
entries that leave no doubt. tests/core/test_fastcheck.py checks "accepted here => accepted there".
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List

_ID_TYPES = (str, int)
_TASK_TYPES = frozenset(("class", "method", "script", "ppfmethod", "ppfport", "notebook"))  # not graph/generated


def _id(value: Any) -> bool:
    return type(value) in _ID_TYPES


def _optional_id(value: Any) -> bool:
    return value is None or type(value) in _ID_TYPES


def _optional_str(value: Any) -> bool:
    return value is None or type(value) is str


def _optional_dict(value: Any) -> bool:
    return value is None or type(value) is dict


def _bool(value: Any) -> bool:
    return type(value) is bool


def _optional_bool(value: Any) -> bool:
    return value is None or type(value) is bool


def _anything(value: Any) -> bool:
    return True


def _default_inputs(items: Any) -> bool:
    if type(items) is not list:
        return False
    for item in items:
        if type(item) is not dict or type(item.get("name")) not in _ID_TYPES:
            return False
    return True


def _data_mapping(items: Any) -> bool:
    if type(items) is not list:
        return False
    for item in items:
        if type(item) is not dict or type(item.get("target_input")) not in _ID_TYPES:
            return False
        source = item.get("source_output")
        if source is not None and type(source) not in _ID_TYPES:
            return False
    return True


def _conditions(items: Any) -> bool:
    if type(items) is not list:
        return False
    for item in items:
        if type(item) is not dict or "value" not in item or "source_output" not in item:
            return False
        source = item["source_output"]
        if source is not None and type(source) not in _ID_TYPES:
            return False
    return True


# the check of each field the models declare; other keys are extras (any value)
_NODE_FIELDS: Dict[str, Callable[[Any], bool]] = {
    "id": _id, "label": _optional_str, "task_type": _anything, "task_identifier": _anything,
    "task_generator": _optional_str, "default_inputs": _default_inputs, "force_start_node": _bool,
    "conditions_else_value": _anything, "default_error_node": _bool, "default_error_attributes": _optional_dict,
    "varinfo": _optional_dict}
_LINK_FIELDS: Dict[str, Callable[[Any], bool]] = {
    "source": _id, "target": _id, "sub_source": _optional_id, "sub_target": _optional_id,
    "sub_target_attributes": _optional_dict, "data_mapping": _data_mapping, "map_all_data": _bool,
    "conditions": _conditions, "on_error": _bool, "required": _optional_bool, "cache_if_optional": _bool,
    "cache_if_not_required": _bool}


def _alias_node(value: Any) -> bool:
    return type(value) in _ID_TYPES or (type(value) is list and all(type(v) in _ID_TYPES for v in value))


def _aliases(items: Any) -> bool:
    """input_nodes / output_nodes: [{"id": ..., "node": ..., "sub_node": ..., "link_attributes": {...}}]."""
    if type(items) is not list:
        return False
    for item in items:
        if type(item) is not dict or type(item.get("id")) not in _ID_TYPES or not _alias_node(item.get("node")):
            return False
        sub_node = item.get("sub_node")
        if (sub_node is not None and not _alias_node(sub_node)) or not _optional_dict(item.get("link_attributes")):
            return False
    return True


def _optional_str_list(value: Any) -> bool:
    return value is None or (type(value) is list and all(type(v) is str for v in value))


_GRAPH_FIELDS: Dict[str, Callable[[Any], bool]] = {
    "id": _optional_id, "label": _optional_str, "schema_version": _optional_str, "requirements": _optional_str_list,
    "input_nodes": _aliases, "output_nodes": _aliases}


def plain_graph(attrs: Any) -> bool:
    """The graph attributes are ones the graph model certainly accepts (False: let the model decide)."""
    if type(attrs) is not dict:
        return False
    for key, value in attrs.items():
        check = _GRAPH_FIELDS.get(key)
        if check is not None and not check(value):
            return False
    return True


def _plain_node(node: Any) -> bool:
    if type(node) is not dict or "id" not in node:
        return False
    for key, value in node.items():
        check = _NODE_FIELDS.get(key)
        if check is not None and not check(value):
            return False
    task_type = node.get("task_type", "class")
    if type(task_type) is not str or task_type not in _TASK_TYPES:
        return False
    identifier = node.get("task_identifier")
    if task_type == "ppfport":
        return identifier is None or type(identifier) is str
    return type(identifier) is str and bool(identifier)


def _plain_link(link: Any) -> bool:
    if type(link) is not dict or "source" not in link or "target" not in link:
        return False
    for key, value in link.items():
        check = _LINK_FIELDS.get(key)
        if check is not None and not check(value):
            return False
    if link.get("map_all_data") and link.get("data_mapping"):
        return False
    return not (link.get("on_error") and link.get("conditions"))


def plain_nodes(nodes: List[Any]) -> bool:
    """Every node entry is one the node model certainly accepts (False: let the model decide)."""
    return all(_plain_node(node) for node in nodes)


def plain_links(links: List[Any]) -> bool:
    """Every link entry is one the link model certainly accepts (False: let the model decide)."""
    return all(_plain_link(link) for link in links)
