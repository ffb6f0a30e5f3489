"""A conformance case and the helpers the catalogue modules write them with."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Set

OK = ["start", "end"]
FAILED = ["start", "end!"]


@dataclass
class Case:
    """One conformance case.

    `refused`: the graph must be refused before anything runs, with an error whose message contains
    each of these words (expected results and events are then empty). `overlapping`: nodes whose
    events are compared as counts."""

    name: str
    graph: dict
    results: Dict[str, Any]
    node_results: Dict[str, Dict[str, Any]]
    events: Dict[str, List[str]]
    inputs: Optional[list] = None
    subgraphs: Dict[str, dict] = field(default_factory=dict)
    error_node: Optional[str] = None
    needs: Set[str] = field(default_factory=lambda: {"dag"})
    refused: Optional[List[str]] = None
    # nodes whose runs may overlap (per-item nodes of a stream on parallel engines): their events are
    # compared as counts, not as a sequence
    overlapping: Set[str] = field(default_factory=set)


def loop_runs(n: int) -> List[str]:
    """The node events of a node that ran n times."""
    return OK * n


def failure(node_id: str, task: str = "Fail", message: str = "intentional failure") -> str:
    """The errorMessage an on_error link delivers (ewoks' words) for a task of ewoks_core.testing.tasks."""
    return f"Execution failed for ewoks task {node_id!r} (id: {node_id!r}, task: 'ewoks_core.testing.tasks.{task}'): " \
           f"{message}"
