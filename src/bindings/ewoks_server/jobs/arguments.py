"""execute_graph's arguments of a job request (stored in request.json), parsed once into an ExecuteRequest.

Kept apart from prepare.py so that a job process does not import the web framework.
"""

from __future__ import annotations

from typing import Any, Dict

from ewoks_core.request import ExecuteRequest


def parse_arguments(request: Dict[str, Any]) -> ExecuteRequest:
    """The ExecuteRequest of a job request dict (EwoksError naming the bad field)."""
    return ExecuteRequest.parse(engine=request.get("engine"), inputs=request.get("inputs"),
                                outputs=request.get("outputs"), merge_outputs=request.get("merge_outputs", True),
                                varinfo=request.get("varinfo"), execinfo=request.get("execinfo"),
                                task_options=request.get("task_options"), load_options=request.get("load_options"),
                                engine_options=request.get("engine_options"))
