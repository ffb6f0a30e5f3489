"""Run a corpus case with ewoks_core and compare what happened with what ewoks did (expected_ewoks_results.json)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

from corpus import EXPECTED, CorpusCase

from ewoks_core.errors import node_label
from ewoks_core.graph import load_graph
from ewoks_core.graph.io import to_networkx

MISSING_MARK = {"__missing__": True}


@dataclass
class Difference:
    """A deliberate difference from ewoks: why, and what ewoks_core gives instead (written by hand)."""

    reason: str
    result: Optional[Dict[str, Any]] = None
    node_results: Optional[Dict[str, Any]] = None


DIFFERENCES: Dict[str, Difference] = {
    "whole_output_dict": Difference(
        "source_output null: ewokscore's sequential engine passes its internal Variable objects (the task "
        "cannot add them: total 0) and ewoksppf fails with KeyError: None; ewoks_core passes the output values",
        result={"keys": ["category", "value"], "total": 7},
        node_results={"cls": {"value": 7, "category": "low"}, "s": {"keys": ["category", "value"], "total": 7}}),
    "outputs_missing_name": Difference(
        "an output the node did not produce is left out of the results (ewoks returns its MISSING_DATA "
        "placeholder object, which cannot cross JSON to a Celery client)",
        result={"result": 7}),
}


def expected_cases() -> Dict[str, dict]:
    return json.loads(EXPECTED.read_text())["cases"]


def plain(value: Any) -> Any:
    """JSON-like copy of results (as record_ewoks_results.py writes ewoks' results)."""
    if isinstance(value, dict):
        return {node_label(k) if not isinstance(k, str) else k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


def case_source(case: CorpusCase) -> Any:
    return case.source(load_graph, to_networkx)


def execute_kwargs(case: CorpusCase, tmp_path: Path, **overrides: Any) -> Dict[str, Any]:
    kwargs: Dict[str, Any] = {"inputs": case.inputs, "outputs": case.outputs, "merge_outputs": case.merge_outputs,
                              "load_options": case.load_options()}
    if case.varinfo:
        kwargs["varinfo"] = {"root_uri": str(tmp_path / "results"), "scheme": "json"}
    kwargs.update(overrides)
    return kwargs


def jsonl_execinfo(path: Path) -> dict:
    return {"handlers": [{"class": "jsonl", "arguments": [{"name": "path", "value": str(path)}]}]}


def run_counts_from_events(events: List[dict]) -> Dict[str, int]:
    counts: Dict[str, int] = {}
    for event in events:
        if event["context"] == "node" and event["type"] == "start":
            counts[event["node_id"]] = counts.get(event["node_id"], 0) + 1
    return counts


def read_jsonl(path: Path) -> List[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def default_result_expected(expected: dict) -> Optional[Dict[str, Any]]:
    """ewoks' default result. ewoksppf returns the outputs of the last end node that finished, ewoks_core
    merges those of every end node that ran (as ewokscore's sequential engine does): when more than one
    ran, the expectation is the merge of their outputs."""
    if expected["engine"] != "ppf":
        return expected["result"]
    ran = [n for n in expected["ewoks_end_nodes"] if n in expected["run_counts"]]
    if len(ran) <= 1:
        return expected["result"]
    merged: Dict[str, Any] = {}
    for node in ran:
        outputs = expected["node_results"].get(node, {})
        if set(outputs) & set(merged):
            return None  # the same output name from two end nodes: ewoksppf keeps the last to finish (racy)
        merged.update(outputs)
    return merged


def check_error(case: CorpusCase, expected: dict, run: Callable[[], Any]) -> None:
    """ewoks refused the graph: ewoks_core refuses it too, with a clear error."""
    import pytest

    from ewoks_core.errors import EwoksError

    with pytest.raises(EwoksError) as info:
        run()
    message = str(info.value)
    if "no start node" in expected["error"]["message"]:
        assert "start node" in message and "force_start_node" in message, message


def compare(case: CorpusCase, expected: dict, result: Dict[str, Any], per_node: Optional[Dict[str, Any]],
            run_counts: Optional[Dict[str, int]]) -> None:
    """Assert that ewoks_core's observations equal ewoks' (or the documented deliberate difference)."""
    difference = DIFFERENCES.get(case.name)
    want_result = difference.result if difference and difference.result is not None else None
    if want_result is None:
        if expected["engine"] == "ppf" and (case.outputs is not None or not case.merge_outputs):
            want_result = None  # ewoksppf cannot select outputs: nothing recorded to compare with
        else:
            want_result = default_result_expected(expected)
    if want_result is not None:
        assert plain(result) == want_result, f"{case.name}: result {plain(result)} != ewoks {want_result}"
    if per_node is not None:
        want_nodes = difference.node_results if difference and difference.node_results is not None \
            else expected["node_results"]
        assert plain(per_node) == want_nodes, f"{case.name}: node results {plain(per_node)} != ewoks {want_nodes}"
    if run_counts is not None:
        assert run_counts == expected["run_counts"], \
            f"{case.name}: runs per node {run_counts} != ewoks {expected['run_counts']}"
