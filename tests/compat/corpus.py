"""The ewoks compatibility corpus: graph files written the way ewoks users write them, and how each is run.

This module is shared by the tests (ewoks_core) and by record_ewoks_results.py (run in a separate
environment with ewokscore and ewoksppf): it imports neither.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Union

HERE = Path(__file__).resolve().parent
GRAPHS = HERE / "graphs"
SUBGRAPHS = GRAPHS / "subgraphs"
EXPECTED = HERE / "expected_ewoks_results.json"
PACKAGE_WORKFLOWS = "ewoks_compat_tasks.workflows"


@dataclass
class CorpusCase:
    """One graph file and the arguments of execute_graph it is run with."""

    file: str
    inputs: Optional[List[dict]] = None
    outputs: Optional[List[dict]] = None
    merge_outputs: bool = True
    root_dir: Union[bool, str] = False  # load_options root_dir: graphs/subgraphs, or this folder under graphs/
    root_module: bool = False  # load_options root_module = ewoks_compat_tasks.workflows
    varinfo: bool = False  # results stored under a temporary root_uri (JSON)
    inline_as: Optional[str] = None  # sub-graph files given to the graph node as "networkx" or "object"
    celery: bool = False  # also run through a Celery worker (a representative subset)
    notes: str = ""
    variant: str = ""  # distinguishes two runs of one file
    representation: Optional[str] = None  # load_options representation ("json_module": file is package.name)

    @property
    def name(self) -> str:
        if self.representation:
            return f"representation_{self.representation}" + self.variant
        return str(Path(self.file).with_suffix("")).replace("/", "_") + self.variant

    @property
    def path(self) -> Path:
        return GRAPHS / self.file

    def load_options(self) -> Dict[str, Any]:
        options: Dict[str, Any] = {}
        if self.root_dir:
            options["root_dir"] = str(SUBGRAPHS if self.root_dir is True else GRAPHS / str(self.root_dir))
        if self.root_module:
            options["root_module"] = PACKAGE_WORKFLOWS
        if self.representation:
            options["representation"] = self.representation
        return options

    def source(self, load_graph: Callable[..., Any], to_networkx: Callable[[dict], Any]) -> Any:
        """What is passed to execute_graph: the file path, or (inline_as) its dict with every sub-graph
        file replaced by an in-memory graph (a networkx graph, or the object `load_graph` returns)."""
        if self.representation:
            return self.file
        if self.inline_as is None:
            return str(self.path)
        doc = json.loads(self.path.read_text())
        for node in doc["nodes"]:
            if node.get("task_type") != "graph":
                continue
            sub = json.loads((SUBGRAPHS / node["task_identifier"]).read_text())
            node["task_identifier"] = to_networkx(sub) if self.inline_as == "networkx" else load_graph(sub)
        return doc


def _c(file: str, **kw: Any) -> CorpusCase:
    return CorpusCase(file, **kw)


CASES: List[CorpusCase] = [
    # sub-workflows: every graph source, found by file name, nested, aliases
    _c("sub_inline_dict.json", celery=True),
    _c("sub_inline_json_string.json"),
    _c("sub_networkx.json", inline_as="networkx"),
    _c("sub_loaded_object.json", inline_as="object"),
    _c("sub_file_root_dir.json", root_dir=True, celery=True),
    _c("sub_file_no_extension.yaml", root_dir=True),
    _c("sub_root_module.json", root_module=True),
    _c("sub_root_module_extension.json", root_module=True, celery=True),
    _c("sub_nested_files.json", root_dir=True),
    _c("sub_nested_inline_three_levels.json", celery=True),
    _c("sub_alias_sub_node.json", root_dir=True),
    _c("sub_alias_to_two_nodes.json", root_dir=True),
    _c("sub_alias_link_attributes.json", root_dir=True),
    _c("sub_no_aliases.json", root_dir=True),
    _c("sub_to_sub.json", root_dir=True),
    _c("sub_used_twice.json", root_dir=True, outputs=[{"all": True}], merge_outputs=False),
    _c("sub_graph_node_inputs.json", root_dir=True),
    _c("sub_graph_node_inputs_replace.json", root_dir=True,
       notes="ewoks replaces the inner node's default_inputs by the graph node's"),
    _c("sub_target_attributes.json", root_dir=True),
    _c("sub_ppf_ports_nested.json", root_dir=True),
    _c("sub_conditional_link_into.json", root_dir=True),
    _c("sub_loop_inside.json", root_dir=True, celery=True),
    _c("sub_default_error_node_inside.json", root_dir=True),
    _c("sub_workflow_input_by_id.json", root_dir=True, inputs=[{"id": ("G", "add"), "name": "b", "value": 5}]),
    # ppfmethod / ppfport: one dict travels, conditions test keys inside it
    _c("ppf_chain.json"),
    _c("ppf_loop_string_condition.json", celery=True),
    _c("ppf_loop_with_exit.json"),
    _c("ppf_loop_bool_condition.json"),
    _c("ppf_loop_bool_no_exit.json"),
    _c("ppf_else_none.json", celery=True),
    _c("ppf_to_class.json"),
    _c("ppf_ports.json"),
    _c("ppf_no_start_node.json"),
    _c("ppf_class_condition_in_dict.json"),
    # loops ended by conditions, else values
    _c("loop_else_none.json", celery=True),
    _c("loop_else_none_other_value.json"),
    _c("loop_two_nodes_else_none.json"),
    _c("else_value_explicit.json"),
    _c("else_none_three_way.json"),
    _c("else_none_boolean.json"),
    _c("else_none_boolean_true.json"),
    _c("yaml_conditions.yaml"),
    # graphs where every node has a predecessor
    _c("cycle_start_from_static_inputs.json", celery=True),
    _c("cycle_optional_target_also_starts.json"),
    _c("cycle_start_from_workflow_input.json", inputs=[{"id": "init", "name": "a", "value": 2}]),
    _c("cycle_no_start_node.json"),
    _c("cycle_methods_no_start_node.json"),
    # error handlers
    _c("default_error_node.json", celery=True),
    _c("default_error_attributes.json"),
    _c("error_explicit_and_default.json"),
    _c("default_error_node_unused.json"),
    _c("on_error_then_continue.json"),
    # inputs, outputs and values
    _c("outputs_all_unmerged.json", outputs=[{"all": True}], merge_outputs=False, celery=True),
    _c("outputs_selection.json", outputs=[{"id": "a", "name": "result", "new_name": "first"},
                                          {"id": "c"}]),
    _c("outputs_label_falls_back_to_id.json", outputs=[{"label": "a"}, {"label": "times three", "name": "result",
                                                                        "new_name": "scaled"}]),
    _c("outputs_task_identifier_suffix.json", outputs=[{"task_identifier": "Multiply"}], merge_outputs=False),
    _c("outputs_missing_name.json", outputs=[{"id": "c", "name": "nothing"}, {"id": "c", "name": "result"}]),
    _c("inputs_selectors.json", inputs=[{"label": "a", "name": "a", "value": 3},
                                        {"task_identifier": "Multiply", "name": "factor", "value": 10},
                                        {"label": "scale", "name": "a", "value": 999}]),
    _c("inputs_all_nodes.json", inputs=[{"all": True, "name": "b", "value": 1}]),
    _c("varinfo_json_store.json", varinfo=True),
    _c("int_ids_positional.json", celery=True),
    _c("multigraph_parallel_links.json"),
    _c("whole_output_dict.json"),
    _c("required_false_join.json"),
    _c("method_map_all_data.json"),
    _c("legacy_task_keys.json"),
    _c(f"{PACKAGE_WORKFLOWS}.pkg_standalone", representation="json_module"),
    # ewoks' own example graphs (ewokscore.tests.examples, exported by export_ewoks_examples.py)
    _c("ewoks_examples/acyclic1.json", celery=True),
    _c("ewoks_examples/acyclic2.json"),
    _c("ewoks_examples/acyclic3.json"),
    _c("ewoks_examples/cyclic1.json", celery=True),
    _c("ewoks_examples/demo.json"),
    _c("ewoks_examples/empty.json"),
    _c("ewoks_examples/self_trigger.json"),
    _c("ewoks_examples/triangle1.json"),
    _c("ewoks_examples/loadtest/graph.json", root_dir="ewoks_examples/loadtest"),
    _c("ewoks_examples/acyclic1.json", outputs=[{"all": True}], merge_outputs=False, variant="_all_outputs"),
]

CASES_BY_NAME = {case.name: case for case in CASES}
