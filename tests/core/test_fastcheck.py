"""The fast pre-check of graph attributes, node and link entries (graph/fastcheck.py) accepts only what the pydantic
models accept: property "accepted by the pre-check => accepted by the models", on the conformance
cases and on entries with random values in every field (hypothesis, derandomized)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from ewoks_core.graph.fastcheck import plain_graph, plain_links, plain_nodes
from ewoks_core.graph.validate import model_adapter
from ewoks_core.testing import CASES

VALUES = st.one_of(st.none(), st.booleans(), st.integers(-2, 2), st.sampled_from(["", "a", "class", "ppfport",
                   "graph", "generated", "method", "x.y.Z"]), st.floats(allow_nan=False, width=16),
                   st.lists(st.sampled_from(["a", 1]), max_size=2), st.dictionaries(st.sampled_from(["name", "value",
                   "source_output", "target_input"]), st.sampled_from(["a", 1, None]), max_size=3))
NODE_KEYS = st.sampled_from(["id", "label", "task_type", "task_identifier", "task_generator", "default_inputs",
                             "force_start_node", "conditions_else_value", "default_error_node",
                             "default_error_attributes", "varinfo", "extra"])
LINK_KEYS = st.sampled_from(["source", "target", "sub_source", "sub_target", "sub_target_attributes",
                             "data_mapping", "map_all_data", "conditions", "on_error", "required",
                             "cache_if_optional", "cache_if_not_required", "extra"])
ITEM = st.dictionaries(st.sampled_from(["name", "value", "source_output", "target_input"]), VALUES, max_size=3)
FIELD_VALUES = st.one_of(VALUES, st.lists(ITEM, max_size=2))
GRAPH_KEYS = st.sampled_from(["id", "label", "schema_version", "requirements", "input_nodes", "output_nodes", "extra"])
ALIAS = st.dictionaries(st.sampled_from(["id", "node", "sub_node", "link_attributes"]), VALUES, max_size=4)
_NODES, _LINKS, _GRAPH = model_adapter("nodes"), model_adapter("links"), model_adapter("graph")


def _accepted(adapter: Any, entries: list) -> bool:
    try:
        adapter.validate_python(entries)
    except ValidationError:
        return False
    return True


def test_conformance_cases_take_the_fast_path_only_when_valid() -> None:
    fast = 0
    for case in CASES:
        doc = case.graph if isinstance(case.graph, dict) else None
        if doc is None:
            continue
        for check, adapter, key in ((plain_nodes, _NODES, "nodes"), (plain_links, _LINKS, "links")):
            entries = doc.get(key) or []
            if check(entries):
                fast += 1
                assert _accepted(adapter, entries), (case.name, key)
    assert fast > 0  # the common documents do take the fast path


@pytest.mark.parametrize("kind", ["nodes", "links"])
def test_plain_documents_take_the_fast_path(kind: str) -> None:
    if kind == "nodes":
        entries = [{"id": 1, "task_type": "class", "task_identifier": "a.B", "default_inputs": [{"name": "x",
                    "value": [1]}]}, {"id": "p", "task_type": "ppfport"}]
        assert plain_nodes(entries) and _accepted(_NODES, entries)
    else:
        entries = [{"source": 1, "target": "b", "data_mapping": [{"source_output": None, "target_input": "x"}],
                    "conditions": [{"source_output": "ok", "value": True}], "required": True}]
        assert plain_links(entries) and _accepted(_LINKS, entries)


@settings(derandomize=True, max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.dictionaries(NODE_KEYS, FIELD_VALUES, max_size=3))
def test_node_fast_path_implies_model(fields: dict) -> None:
    entry = {"id": "n", "task_identifier": "a.B", **fields}  # a valid entry with random fields
    if plain_nodes([entry]):
        assert _accepted(_NODES, [entry]), entry


@settings(derandomize=True, max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.dictionaries(LINK_KEYS, FIELD_VALUES, max_size=3))
def test_link_fast_path_implies_model(fields: dict) -> None:
    entry = {"source": "a", "target": 1, **fields}
    if plain_links([entry]):
        assert _accepted(_LINKS, [entry]), entry


def test_plain_graph_attributes_take_the_fast_path() -> None:
    attrs = {"id": "g", "label": "G", "schema_version": "1.1", "requirements": ["numpy"], "input_nodes": [
             {"id": "in", "node": "a", "sub_node": ["x", 1], "link_attributes": {"map_all_data": True}}]}
    assert plain_graph(attrs) and _accepted(_GRAPH, attrs)
    assert not plain_graph({"id": 1.5}) and not _accepted(_GRAPH, {"id": 1.5})


@settings(derandomize=True, max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.dictionaries(GRAPH_KEYS, st.one_of(VALUES, st.lists(ALIAS, max_size=2)), max_size=3))
def test_graph_fast_path_implies_model(attrs: dict) -> None:
    if plain_graph(attrs):
        assert _accepted(_GRAPH, attrs), attrs
