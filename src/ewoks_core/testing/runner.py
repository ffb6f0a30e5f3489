"""Run conformance cases on an engine and compare results and node events with the catalogue."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any, Dict, List, Optional

from ..errors import EwoksError, TaskFailedError, node_label
from .catalogue import Case


def _plain(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, dict):
        return {str(k) if not isinstance(k, str) else k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def node_events(path: Path) -> Dict[str, List[str]]:
    """Per node, the sequence of 'start'/'end'/'end!' events in a JSON lines event file."""
    per_node: Dict[str, List[str]] = {}
    if not path.exists():
        return per_node
    for line in path.read_text().splitlines():
        event = json.loads(line)
        if event["context"] != "node" or event["type"] == "progress":
            continue
        mark = event["type"] + ("!" if event["type"] == "end" and event.get("error") else "")
        per_node.setdefault(event["node_id"], []).append(mark)
    return per_node


def workflow_events(path: Path) -> List[dict]:
    """The job and workflow context events of a JSON lines event file."""
    if not path.exists():
        return []
    return [e for e in map(json.loads, path.read_text().splitlines()) if e["context"] in ("job", "workflow")]


def run_case(case: Case, engine: Optional[str], tmp_path: Path, **engine_options: Any) -> Dict[str, Any]:
    """Execute a case twice (all node outputs, then default results); return what was observed."""
    from ..api import execute_graph

    for name, doc in case.subgraphs.items():
        (tmp_path / name).write_text(json.dumps(doc))
    events_file = tmp_path / f"{case.name}.events.jsonl"
    execinfo = {"handlers": [{"class": "jsonl", "arguments": [{"name": "path", "value": str(events_file)}]}]}
    load_options = {"root_dir": str(tmp_path)}
    observed: Dict[str, Any] = {"error": None, "refused": None}
    if case.refused is not None:
        try:
            execute_graph(case.graph, engine=engine, inputs=case.inputs, execinfo=execinfo, load_options=load_options,
                          **engine_options)
        except EwoksError as e:
            observed["refused"] = e
        observed["events"] = node_events(events_file)
        observed["workflow_events"] = workflow_events(events_file)
        return observed
    with warnings.catch_warnings():
        # some cases override a linked input on purpose (input priority): that warning is expected
        warnings.filterwarnings("ignore", message=".* is not used: the link from", category=UserWarning)
        try:
            per_node = execute_graph(case.graph, engine=engine, inputs=case.inputs, outputs=[{"all": True}],
                                     merge_outputs=False, execinfo=execinfo, load_options=load_options,
                                     **engine_options)
            observed["node_results"] = {node_label(k): _plain(v) for k, v in per_node.items()}
            observed["results"] = _plain(execute_graph(case.graph, engine=engine, inputs=case.inputs,
                                                       load_options=load_options, **engine_options))
        except TaskFailedError as e:
            observed["error"] = e
    observed["events"] = node_events(events_file)
    observed["workflow_events"] = workflow_events(events_file)
    return observed


def check_case(case: Case, engine: Optional[str], tmp_path: Path, **engine_options: Any) -> None:
    """Assert that an engine reproduces the case's results, node results and node events."""
    observed = run_case(case, engine, tmp_path, **engine_options)
    if case.refused is not None:
        error = observed["refused"]
        assert error is not None, f"{case.name}: expected the graph to be refused"
        assert all(word in str(error) for word in case.refused), f"{case.name}: refused with {error}"
        assert not observed["events"] and not observed["workflow_events"], f"{case.name}: refused after it started"
        return
    if case.error_node is not None:
        error = observed["error"]
        assert error is not None, f"{case.name}: expected node {case.error_node!r} to fail the workflow"
        assert node_label(error.node_id) == case.error_node, f"{case.name}: failed node {error.node_id!r}"
        assert error.__cause__ is not None, f"{case.name}: original exception not chained"
    else:
        assert observed["error"] is None, f"{case.name}: unexpected failure {observed['error']}"
        assert observed["results"] == _plain(case.results), f"{case.name}: results {observed['results']}"
        assert observed["node_results"] == _plain(case.node_results), \
            f"{case.name}: node results {observed['node_results']}"
    events, expected = observed["events"], case.events
    if case.overlapping:
        events = {n: sorted(e) if n in case.overlapping else e for n, e in events.items()}
        expected = {n: sorted(e) if n in case.overlapping else e for n, e in expected.items()}
    assert events == expected, f"{case.name}: node events {observed['events']}"
    wf = observed["workflow_events"]
    kinds = [(e["context"], e["type"]) for e in wf]
    assert kinds == [("job", "start"), ("workflow", "start"), ("workflow", "end"), ("job", "end")], \
        f"{case.name}: job/workflow events {kinds}"
    assert bool(wf[-1]["error"]) == (case.error_node is not None), f"{case.name}: job end error flag"
