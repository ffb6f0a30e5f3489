"""Tiny helpers to write workflow documents in Python."""

from __future__ import annotations

from typing import Any, Dict, Optional

T = "ewoks_core.testing.tasks."


def node(node_id: Any, task: Any, inputs: Optional[Dict[Any, Any]] = None, task_type: str = "class",
         **attrs: Any) -> dict:
    """A node dict; `task` without a dot names a task of ewoks_core.testing.tasks (a graph node's
    `task` is its sub-workflow: a file name, a dict, a JSON string or a graph object)."""
    identifier = task if (task_type in ("graph", "script") or "." in task) else T + task
    doc = {"id": node_id, "task_type": task_type, "task_identifier": identifier}
    if inputs:
        doc["default_inputs"] = [{"name": k, "value": v} for k, v in inputs.items()]
    doc.update(attrs)
    return doc


def link(source: Any, target: Any, mapping: Optional[Dict[Any, Any]] = None, **attrs: Any) -> dict:
    """A link dict; mapping is {source_output: target_input}."""
    doc = {"source": source, "target": target}
    if mapping:
        doc["data_mapping"] = [{"source_output": s, "target_input": t} for s, t in mapping.items()]
    doc.update(attrs)
    return doc


def cond(**conditions: Any) -> list:
    """conditions=[{"source_output": name, "value": v}, ...]."""
    return [{"source_output": k, "value": v} for k, v in conditions.items()]


def graph(graph_id: str, nodes: list, links: list, **attrs: Any) -> dict:
    """A node-link document."""
    return {"graph": {"id": graph_id, "schema_version": "1.2", **attrs}, "nodes": nodes, "links": links}


def noop_chain(n: int, value: Any = 0) -> dict:
    """n Noop nodes 0 .. n-1 in a row: the first gets `value`, each passes it to the next."""
    nodes = [node(i, "Noop", {"value": value} if i == 0 else None) for i in range(n)]
    return graph(f"chain{n}", nodes, [link(i, i + 1, {"value": "value"}) for i in range(n - 1)])


def noop_fan(n: int, value: Any = 1) -> dict:
    """Noop node 'src' (given `value`) feeding n Noop nodes 0 .. n-1, all joined by Noop node 'sink'."""
    nodes = [node("src", "Noop", {"value": value})] + [node(i, "Noop") for i in range(n)] + [node("sink", "Noop")]
    links = [link("src", i, {"value": "value"}) for i in range(n)] + [link(i, "sink") for i in range(n)]
    return graph(f"fan{n}", nodes, links)
