"""Execution layer: link semantics, the job state machine and run_node()."""

from .context import RunContext, context_from_config
from .job import DEFAULT_MAX_ITERATIONS, JobState
from .node import node_spec, run_node, run_node_remote
from .outcome import NodeOutcome, NodeRun
from .results import collect_results, nodes_to_keep, parse_outputs

__all__ = ["JobState", "RunContext", "NodeOutcome", "NodeRun", "run_node", "run_node_remote", "node_spec",
           "context_from_config", "parse_outputs", "collect_results", "nodes_to_keep", "DEFAULT_MAX_ITERATIONS"]
