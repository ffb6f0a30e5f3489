"""Link semantics as pure functions: does a link fire, and what data does it deliver."""

from __future__ import annotations

import traceback
from typing import Any, Dict, Optional

from ..equality import values_equal
from ..errors import EwoksError, name_list, node_label
from ..graph.compiled import PPF_DICT, Link, ewoks_node_name
from ..task.missing import MISSING


def conditions_hold(link: Link, outputs: Dict[str, Any]) -> bool:
    """All conditions of the link hold for the source's outputs (else-conditions: no sibling value matches)."""
    for name, value, covered in link.conditions:
        if name is None:
            actual = outputs
        else:
            actual = outputs.get(name, MISSING)
            if actual is MISSING:
                return False
        if covered is None:
            if not values_equal(actual, value):
                return False
        elif any(values_equal(actual, other) for other in covered) and not values_equal(actual, value):
            return False
    return True


def link_fires(link: Link, outputs: Optional[Dict[str, Any]], failed: bool) -> bool:
    """on_error links fire when the source failed; others when it succeeded and all conditions hold."""
    if failed:
        return link.on_error
    if link.on_error:
        return False
    if not link.conditions:
        return True
    if link.ppf_source:
        outputs = ppf_condition_values(outputs or {})
    return conditions_hold(link, outputs or {})


def ppf_condition_values(outputs: Dict[str, Any]) -> Dict[str, Any]:
    """What the conditions of a link from a ppfmethod/ppfport node test (as in ewoks): the keys
    inside its `_ppfdict` output, over its other outputs."""
    values = {k: v for k, v in outputs.items() if k != PPF_DICT}
    ppfdict = outputs.get(PPF_DICT)
    if isinstance(ppfdict, dict):
        values.update(ppfdict)
    return values


def link_data(link: Link, outputs: Dict[str, Any]) -> Dict[Any, Any]:
    """The inputs a firing link delivers to its target (MISSING outputs deliver nothing)."""
    if link.map_all_data:
        return {k: v for k, v in outputs.items() if v is not MISSING}
    data: Dict[Any, Any] = {}
    for source_output, target_input in link.data_mapping:
        if source_output is None:
            data[target_input] = {k: v for k, v in outputs.items() if v is not MISSING}
            continue
        try:
            value = outputs[source_output]
        except KeyError:
            raise EwoksError(
                f"link {node_label(link.source)} -> {node_label(link.target)} maps output {source_output!r}, "
                f"which the source did not produce (outputs: [{name_list(sorted(map(str, outputs)))}])",
                node_id=link.source, field="data_mapping") from None
        if value is not MISSING:
            data[target_input] = value
    return data


def error_outputs(node: Any, error: BaseException, traceback_text: Optional[str] = None,
                  link_inputs: Optional[Dict[Any, Any]] = None) -> Dict[str, Any]:
    """What an on_error link sees as the failed node's outputs, as in ewoks: the inputs its links
    delivered to the failed run, and the WorkflowException record (errorMessage in ewoks' words,
    plus node_id and exception_type)."""
    if traceback_text is None:
        traceback_text = "".join(traceback.format_exception(error))
    message = str(getattr(error, "original_message", None) or error)
    label = node.spec.label or ewoks_node_name(node.id)
    task = "" if node.task_type == "ppfport" and not node.task_identifier else node.task_identifier
    outputs = dict(link_inputs or {})
    outputs["WorkflowException"] = {
        "node_id": node_label(node.id),
        "exception_type": getattr(error, "original_type", None) or type(error).__name__,
        "errorMessage": f"Execution failed for ewoks task {label!r} (id: {label!r}, task: {task!r}): {message}",
        "traceBack": traceback_text.splitlines(),
    }
    return outputs

