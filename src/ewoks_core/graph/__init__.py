"""Graph layer: models, io, schema upgrade, sub-graph flattening, analysis, validation."""

from .compiled import CompiledGraph, compile_graph
from .workflow import WorkflowGraph, load_graph

__all__ = ["WorkflowGraph", "load_graph", "CompiledGraph", "compile_graph"]
