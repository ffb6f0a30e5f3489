"""Checks that need the task classes, done before anything runs."""

from __future__ import annotations

from typing import Any, Dict, List, Type

from ..errors import (
    EwoksError,
    GraphFormatError,
    MissingInputsError,
    TaskInputError,
    did_you_mean,
    name_list,
    node_label,
)
from ..graph.compiled import CompiledGraph, node_selector
from ..task.base import Task, describe_input_error
from ..task.discovery import resolve_task_class


def resolve_all_tasks(graph: CompiledGraph) -> Dict[Any, Type[Task]]:
    """Import every node's task class; unknown tasks and import errors surface here."""
    classes: Dict[Any, Type[Task]] = {}
    for nid, node in graph.nodes.items():
        try:
            classes[nid] = resolve_task_class(node.task_type, node.task_identifier, nid, node.spec.document)
        except EwoksError as e:
            if e.source is None:
                e.source = graph.source
                e.args = (e._render(),)
            raise
    return classes


def check_links_against_tasks(graph: CompiledGraph, classes: Dict[Any, Type[Task]]) -> None:
    """data_mapping names declared outputs; required inputs are given somewhere; no two required links set one input."""
    for link in graph.links:
        mapping = link.data_mapping
        if mapping:
            _check_target_inputs(graph, link, classes[link.target])
        cls = classes[link.source]
        if link.on_error or not (mapping or link.conditions) or not cls.declares_outputs():
            continue
        declared = cls.output_names()
        if link.conditions and not link.ppf_source:  # conditions of ppf links test keys inside _ppfdict
            _check_condition_outputs(graph, link, cls, declared)
        for source_output, _ in mapping:
            if source_output is not None and source_output not in declared:
                raise GraphFormatError(
                    f"link {node_label(link.source)} -> {node_label(link.target)} maps output {source_output!r} "
                    f"that task {cls.class_registry_name()!r} does not declare "
                    f"(declared: [{name_list(sorted(declared))}])."
                    f"{did_you_mean(str(source_output), declared)}",
                    source=graph.source, field=f"links[{link.index}].data_mapping")
    for nid, missing in unconnected_inputs(graph, classes, check_conflicts=True).items():
        raise MissingInputsError(
            f"required inputs [{name_list(missing)}] of task {classes[nid].class_registry_name()!r} are given by no "
            f"default_inputs, workflow input or link", source=graph.source, node_id=nid,
            hint="Pass them with inputs=[{'id': ..., 'name': ..., 'value': ...}] or -p NAME=VALUE.")


def _check_condition_outputs(graph: CompiledGraph, link: Any, cls: Type[Task], declared: Any) -> None:
    """Warn about a condition on an output the task does not declare: it can never hold (ewoks runs
    the graph and never takes that branch, so it is not refused)."""
    import warnings

    for condition_output, *_ in link.conditions:
        if condition_output is not None and condition_output not in declared:
            where = f"{graph.source}: " if graph.source else ""
            warnings.warn(f"{where}links[{link.index}] {node_label(link.source)} -> {node_label(link.target)}: "
                          f"condition on output {condition_output!r} that task {cls.class_registry_name()!r} does "
                          f"not declare (declared: [{name_list(sorted(declared))}]): it can never hold, the link "
                          f"never fires.{did_you_mean(str(condition_output), declared)}", UserWarning, stacklevel=5)


def _check_target_inputs(graph: CompiledGraph, link: Any, cls: Type[Task]) -> None:
    """Warn about data_mapping targets that the task does not declare (ewoks accepts and ignores them)."""
    if cls.accepts_undeclared_inputs() or not cls.input_names():
        return
    declared = cls.input_names()
    for _, target_input in link.data_mapping:
        if isinstance(target_input, str) and target_input not in declared:
            import warnings

            where = f"{graph.source}: " if graph.source else ""
            warnings.warn(f"{where}link {node_label(link.source)} -> {node_label(link.target)} sets input "
                          f"{target_input!r}, which task {cls.class_registry_name()!r} does not declare: the task "
                          f"will not use it.{did_you_mean(target_input, declared)}", UserWarning, stacklevel=4)


def check_given_input_values(graph: CompiledGraph, classes: Dict[Any, Type[Task]]) -> None:
    """Refuse, before anything runs, a default input or workflow input whose value the task's input model
    refuses on its own (`-p kmax=fourteen`): the same words as when the task is built, exit 2 on the CLI.
    Only errors located at a given field count: inputs from links, and checks across fields, are left
    to the task (their values are not known yet)."""
    for nid, node in graph.nodes.items():
        model = classes[nid]._INPUT_MODEL
        if model is None:
            continue
        given = {k: v for k, v in node.default_inputs.items() if isinstance(k, str)}
        if not given:
            continue
        from pydantic import ValidationError

        try:
            model.model_validate(given)
        except ValidationError as e:
            for err in e.errors():
                if err["type"] == "missing" or not err["loc"] or err["loc"][0] not in given:
                    continue
                field, message = describe_input_error(err)
                raise TaskInputError(message, source=graph.source, node_id=nid, field=field) from None


def undeclared_default_inputs(graph: CompiledGraph, classes: Dict[Any, Type[Task]]) -> List[str]:
    """Messages for default_inputs of the document that a node's task does not declare: the task never
    sees them (a typo such as kmaxx for kmax). Workflow inputs are checked by unused_workflow_inputs."""
    messages = []
    for nid, node in graph.nodes.items():
        cls = classes[nid]
        if cls.accepts_undeclared_inputs():
            continue
        if "default_inputs" not in node.spec.document:
            continue
        declared = cls.input_names()
        given = [name for name, _ in node.spec.default_inputs]
        unknown = [name for name in given if isinstance(name, str) and name not in declared]
        if unknown:
            where = f"{graph.source}: " if graph.source else ""
            messages.append(f"{where}node {node_label(nid)!r}: default input(s) {name_list(unknown)} are not "
                            f"inputs of task {cls.class_registry_name()!r}: the task will not use them."
                            f"{did_you_mean(unknown[0], declared)}")
    return messages


def unconnected_inputs(graph: CompiledGraph, classes: Dict[Any, Type[Task]],
                       check_conflicts: bool = False) -> Dict[Any, List[str]]:
    """Required inputs of each node that no default input, workflow input or link provides."""
    result: Dict[Any, List[str]] = {}
    for nid, node in graph.nodes.items():
        cls = classes[nid]
        required = cls.required_input_names()
        if not required:
            continue
        given = set(node.default_inputs)
        setters: Dict[Any, List[Any]] = {}
        opaque = False
        for link in node.incoming:
            if link.map_all_data:
                src_cls = classes[link.source]
                if link.on_error or not src_cls.declares_outputs():
                    opaque = True
                    continue
                names = list(src_cls.output_names())
            else:
                names = [t for _, t in link.data_mapping]
            for name in names:
                given.add(name)
                if link.required:
                    setters.setdefault(name, []).append(link.source)
        if check_conflicts:
            for name, sources in setters.items():
                if len(sources) > 1 and name in required:
                    raise GraphFormatError(
                        f"required input {name!r} is set by {len(sources)} required links (from "
                        f"{name_list(map(node_label, sources))}): which value wins is ambiguous",
                        source=graph.source, node_id=nid, field="links",
                        hint="Keep one link for that input, or make the others conditional or required: false.")
        missing = sorted(required - given)
        if missing and not opaque:
            result[nid] = missing
    return result


def unused_workflow_inputs(graph: CompiledGraph, classes: Dict[Any, Type[Task]], inputs) -> List[str]:
    """Messages for workflow inputs that no targeted task declares (typos such as -p kmaxx=12)."""
    messages = []
    for item in inputs or ():
        if node_selector(item):
            messages.extend(_overridden_by_links(graph, classes, item))
            continue
        if item.get("all"):
            continue
        name = item.get("name")
        targets = [classes[n] for n in graph.start_nodes]
        if not targets or not all(c.declares_outputs() and c.input_names() for c in targets):
            continue  # some target accepts anything (ppfmethod, method): cannot tell
        if isinstance(name, str) and not any(name in c.input_names() for c in targets):
            declared = sorted({n for c in targets for n in c.input_names()})
            messages.append(f"workflow input {name!r} is not an input of any start node "
                            f"({name_list(map(node_label, graph.start_nodes))})."
                            f"{did_you_mean(name, declared)}"
                            f" Give inputs of other nodes with --pn NODE:NAME=VALUE or an 'id'.")
    return messages


def _overridden_by_links(graph: CompiledGraph, classes: Dict[Any, Type[Task]], item: dict) -> List[str]:
    """A workflow input given to a node whose incoming link sets the same input: the link wins
    (input priority: link data > workflow inputs > default_inputs), so the value is never used
    when that link delivers (always, when the link is required)."""
    targets = graph.find_nodes(**node_selector(item))
    name, messages = item.get("name"), []
    for nid in targets:
        for link in graph.nodes[nid].incoming:
            if not link.required:
                continue
            if link.map_all_data:
                src = classes[link.source]
                names = set(src.output_names()) if src.declares_outputs() and not link.on_error else set()
            else:
                names = {t for _, t in link.data_mapping}
            if name in names:
                messages.append(f"workflow input {name!r} of node {node_label(nid)!r} is not used: the link from "
                                f"{node_label(link.source)!r} sets it and link data has priority. Give the value "
                                f"to node {node_label(link.source)!r} instead, or remove the link.")
                break
    return messages
