"""Request and response bodies of the API (pydantic: a bad body is a 422 naming the field)."""

from __future__ import annotations

from typing import Any, Dict, List, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field


class WorkflowDocument(BaseModel):
    """A workflow in the ewoks format (ewoksserver's EwoksWorkflow)."""

    model_config = ConfigDict(extra="allow")

    graph: Optional[Dict[str, Any]] = Field(None, title="Workflow attributes")
    nodes: Optional[List[Dict[str, Any]]] = Field(None, title="Node attributes")
    links: Optional[List[Dict[str, Any]]] = Field(None, title="Link attributes")


class WorkflowInput(BaseModel):
    """One workflow input, as execute_graph's `inputs` items."""

    model_config = ConfigDict(extra="forbid")

    name: Union[str, int]
    value: Any = None
    id: Any = None
    label: Optional[str] = None
    task_identifier: Optional[str] = None
    all: bool = False


class JobRequest(BaseModel):
    """POST /api/jobs: execute_graph's arguments (engine options in engine_options)."""

    model_config = ConfigDict(extra="forbid")

    graph: Dict[str, Any] = Field(..., description="The workflow document ({graph, nodes, links}).")
    inputs: Optional[List[WorkflowInput]] = None
    outputs: Optional[List[Dict[str, Any]]] = None
    merge_outputs: bool = True
    engine: Optional[str] = Field(None, description="sequential (default), dask, ppf, ...")
    engine_options: Optional[Dict[str, Any]] = Field(None, description="The engine's own options.")
    varinfo: Optional[Dict[str, Any]] = Field(None, description="Only {'scheme': 'json'|'nexus'}.")
    execinfo: Optional[Dict[str, Any]] = Field(None, description="Refused: the server decides.")
    task_options: Optional[Dict[str, Any]] = None
    load_options: Optional[Dict[str, Any]] = Field(None, description="Refused: the server decides.")
    queue: Optional[str] = Field(None, description="Celery queue (with a broker).")

    def arguments(self) -> Dict[str, Any]:
        """Plain dict of the request (inputs as dicts, unset values dropped)."""
        data = self.model_dump(exclude_none=True)
        if self.inputs is not None:
            data["inputs"] = [item.model_dump(exclude_none=True, exclude_defaults=False) for item in self.inputs]
        return data


class ExecuteOptions(BaseModel):
    """POST /api/execute/{id} (ewoksserver): execute_graph's and the submission's arguments."""

    model_config = ConfigDict(extra="forbid")

    execute_arguments: Optional[Dict[str, Any]] = None
    submit_arguments: Optional[Dict[str, Any]] = None
    worker_options: Optional[Dict[str, Any]] = None  # ewoksserver API v1


class RerunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: Literal["all", "failed"] = Field("all", description="all: from scratch; failed: from the failed node, "
                                                              "the other nodes' results come from the first run")


class TaskDiscovery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    modules: Optional[List[str]] = None
    task_type: Optional[str] = None
    worker_options: Optional[Dict[str, Any]] = None


class TaskDescription(BaseModel):
    model_config = ConfigDict(extra="allow")

    task_type: str
    task_identifier: str
    category: Optional[str] = None
    icon: Optional[str] = None
    required_input_names: Optional[List[str]] = None
    optional_input_names: Optional[List[str]] = None
    output_names: Optional[List[str]] = None


class JobId(BaseModel):
    job_id: str
    warnings: List[str] = []
