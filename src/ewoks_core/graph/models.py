"""Pydantic models of the ewoks workflow document (schema 1.0-1.2).

They validate node, link and graph attributes and publish the JSON Schema.
Unknown keys are allowed and kept, so documents round-trip unchanged.
"""

from __future__ import annotations

from typing import Any, List, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator

NodeIdModel = Union[str, int, List[Union[str, int, List[Any]]]]

TaskType = Literal["class", "method", "script", "graph", "ppfmethod", "ppfport", "notebook", "generated"]


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class DefaultInput(_Open):
    name: Union[str, int] = Field(description="Input name; an int is a positional argument.")
    value: Any = Field(default=None, description="The value (any JSON value).")


class DataMapping(_Open):
    source_output: Optional[Union[str, int]] = Field(
        default=None, description="Output name of the source; null means the whole output dict."
    )
    target_input: Union[str, int] = Field(description="Input name (or position) of the target.")


class Condition(_Open):
    source_output: Union[str, int, None] = Field(description="Output name of the source to compare.")
    value: Any = Field(description="The link fires only when the output equals this value.")


class InputAlias(_Open):
    id: Union[str, int] = Field(description="Alias used by links in the parent graph (sub_target/sub_source).")
    node: NodeIdModel = Field(description="Node id inside this graph.")
    sub_node: Optional[NodeIdModel] = Field(default=None, description="Alias inside a nested sub-graph node.")
    link_attributes: Optional[dict] = None


class NodeModel(_Open):
    id: NodeIdModel
    label: Optional[str] = None
    task_type: TaskType = "class"
    task_identifier: Any = Field(
        default=None, description="The import path of the task, a script file, or for task_type 'graph' the "
                                  "sub-workflow: a file name, or the sub-workflow itself (a mapping or JSON string).")
    task_generator: Optional[str] = None
    default_inputs: List[DefaultInput] = Field(default_factory=list)
    force_start_node: bool = False
    conditions_else_value: Any = None
    default_error_node: bool = False
    default_error_attributes: Optional[dict] = None
    varinfo: Optional[dict] = None

    @model_validator(mode="after")
    def _identifier_given(self) -> "NodeModel":
        if self.task_type == "generated":
            if not self.task_generator and not self.task_identifier:
                raise ValueError("a 'generated' node needs 'task_generator'")
        elif not self.task_identifier and self.task_type != "ppfport":
            raise ValueError("missing 'task_identifier' (the import path or file of the task)")
        if self.task_identifier is not None and self.task_type != "graph" and not isinstance(self.task_identifier,
                                                                                              str):
            raise ValueError(f"'task_identifier' must be a string (the import path or file of the task), not "
                             f"{type(self.task_identifier).__name__}; only a 'graph' node may hold a sub-workflow")
        return self


class LinkModel(_Open):
    source: NodeIdModel
    target: NodeIdModel
    sub_source: Optional[NodeIdModel] = None
    sub_target: Optional[NodeIdModel] = None
    sub_target_attributes: Optional[dict] = None
    data_mapping: List[DataMapping] = Field(default_factory=list)
    map_all_data: bool = False
    conditions: List[Condition] = Field(default_factory=list)
    on_error: bool = False
    required: Optional[bool] = None
    cache_if_optional: bool = False
    cache_if_not_required: bool = False  # ewoks' name for cache_if_optional

    @model_validator(mode="after")
    def _exclusive(self) -> "LinkModel":
        if self.map_all_data and self.data_mapping:
            raise ValueError("'map_all_data' and 'data_mapping' exclude each other: keep one")
        if self.on_error and self.conditions:
            raise ValueError("'on_error' and 'conditions' exclude each other: keep one")
        return self


class GraphAttrs(_Open):
    id: Optional[Union[str, int]] = None
    label: Optional[str] = None
    schema_version: Optional[str] = Field(default=None, description="'1.0', '1.1' or '1.2'.")
    requirements: Optional[List[str]] = None
    input_nodes: List[InputAlias] = Field(default_factory=list)
    output_nodes: List[InputAlias] = Field(default_factory=list)


class WorkflowDocument(_Open):
    """A networkx node-link document: {"graph": {...}, "nodes": [...], "links": [...]}."""

    directed: bool = True
    multigraph: bool = False
    graph: GraphAttrs = Field(default_factory=GraphAttrs)
    nodes: List[NodeModel] = Field(default_factory=list)
    links: List[LinkModel] = Field(default_factory=list)


def graph_json_schema() -> dict:
    """The JSON Schema of workflow documents."""
    schema = WorkflowDocument.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "ewoks workflow (schema 1.0-1.2)"
    return schema
