"""A fast, conservative pre-check of node and link entries before the pydantic models.

Validating 10,000 entries through the pydantic models (graph/models.py) costs more than running
10,000 trivial nodes. Most entries are plain: ids that are strings or ints, booleans that are
booleans, mappings with the documented keys. `plain_nodes`/`plain_links` accept only entries the
models certainly accept (a strict subset of them: exact types, no coercion); anything else,
including every invalid entry, returns False and goes through the models, which give the error
message. So the models stay the one definition of what is valid; this only skips the work for
entries that leave no doubt. tests/core/test_fastcheck.py checks "accepted here => accepted there".
"""

from __future__ import annotations

from typing import Any, List

_ID_TYPES = (str, int)
_TASK_TYPES = frozenset(("class", "method", "script", "ppfmethod", "ppfport", "notebook"))  # not graph/generated
_NODE_BOOLS = ("force_start_node", "default_error_node")
_NODE_DICTS = ("default_error_attributes", "varinfo")  # Optional[dict]
_LINK_BOOLS = ("map_all_data", "on_error", "cache_if_optional", "cache_if_not_required")


def _plain_id(value: Any) -> bool:
    return type(value) in _ID_TYPES


def _plain_name(value: Any) -> bool:
    return type(value) in _ID_TYPES


def _plain_node(node: Any) -> bool:
    if type(node) is not dict or not _plain_id(node.get("id")):
        return False
    task_type = node.get("task_type", "class")
    identifier = node.get("task_identifier")
    if type(task_type) is not str or task_type not in _TASK_TYPES:
        return False
    if task_type == "ppfport":
        if identifier is not None and type(identifier) is not str:
            return False
    elif type(identifier) is not str or not identifier:
        return False
    label = node.get("label")
    if label is not None and type(label) is not str:
        return False
    generator = node.get("task_generator")
    if generator is not None and type(generator) is not str:
        return False
    for key in _NODE_BOOLS:
        if key in node and type(node[key]) is not bool:
            return False
    for key in _NODE_DICTS:
        value = node.get(key)
        if value is not None and type(value) is not dict:
            return False
    inputs = node.get("default_inputs", [])
    if type(inputs) is not list:
        return False
    for item in inputs:
        if type(item) is not dict or not _plain_name(item.get("name")):
            return False
    return True


def _plain_link(link: Any) -> bool:
    if type(link) is not dict or not _plain_id(link.get("source")) or not _plain_id(link.get("target")):
        return False
    for key in ("sub_source", "sub_target"):
        value = link.get(key)
        if value is not None and not _plain_id(value):
            return False
    attributes = link.get("sub_target_attributes")
    if attributes is not None and type(attributes) is not dict:
        return False
    for key in _LINK_BOOLS:
        if key in link and type(link[key]) is not bool:
            return False
    required = link.get("required")
    if required is not None and type(required) is not bool:
        return False
    mapping = link.get("data_mapping", [])
    conditions = link.get("conditions", [])
    if type(mapping) is not list or type(conditions) is not list:
        return False
    for item in mapping:
        if type(item) is not dict or not _plain_name(item.get("target_input")):
            return False
        source = item.get("source_output")
        if source is not None and not _plain_name(source):
            return False
    for item in conditions:
        if type(item) is not dict or "value" not in item or "source_output" not in item:
            return False
        source = item["source_output"]
        if source is not None and not _plain_name(source):
            return False
    if mapping and link.get("map_all_data"):
        return False
    if conditions and link.get("on_error"):
        return False
    return True


def plain_nodes(nodes: List[Any]) -> bool:
    """Every node entry is one the node model certainly accepts (False: let the model decide)."""
    return all(_plain_node(node) for node in nodes)


def plain_links(links: List[Any]) -> bool:
    """Every link entry is one the link model certainly accepts (False: let the model decide)."""
    return all(_plain_link(link) for link in links)
