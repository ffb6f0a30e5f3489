"""What the monitor shows beyond raw events: a node's inputs and outputs, the start form's fields.

Node values come from the node's persisted result (the server gives every job a result root):
arrays are shown as shape, dtype and statistics, paths of files that jobs wrote become links
(images are shown inline). The start form lists the inputs of a workflow that no link sets,
typed from the task declarations (a pydantic input model) or else from the default value.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

from ewoks_core.errors import EwoksError, node_label
from ewoks_core.graph import compile_graph, load_graph

from .errors import from_ewoks_error
from .policy import Policy

MAX_INLINE = 20  # arrays and number lists up to this size are shown in full
MAX_ITEMS = 50
MAX_TEXT = 2000
MAX_FILES = 100
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp")
_JSON_TYPES = ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"), (list, "array"),
               (dict, "object"))


def describe(value: Any, depth: int = 0) -> Any:
    """A JSON view of a value: arrays as {"__array__": {shape, dtype, min, max, mean, std}}."""
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return _array(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, str):
        return value if len(value) <= MAX_TEXT else value[:MAX_TEXT] + f"... ({len(value)} characters)"
    if depth > 6:
        return repr(value)[:200]
    if isinstance(value, (list, tuple)):
        if len(value) > MAX_INLINE and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
            import numpy

            return _array(numpy.asarray(value))
        items = [describe(v, depth + 1) for v in value[:MAX_ITEMS]]
        return items + ([f"... {len(value) - MAX_ITEMS} more"] if len(value) > MAX_ITEMS else [])
    if isinstance(value, dict):
        return {str(k): describe(v, depth + 1) for k, v in list(value.items())[:MAX_ITEMS * 2]}
    return repr(value)[:MAX_TEXT]


def _array(value: Any) -> Dict[str, Any]:
    import numpy

    info: Dict[str, Any] = {"shape": list(value.shape), "dtype": str(value.dtype), "size": int(value.size)}
    if value.size and numpy.issubdtype(value.dtype, numpy.number) and not numpy.iscomplexobj(value):
        data = value.astype(float)
        finite = data[numpy.isfinite(data)]
        if finite.size:
            info.update(min=float(finite.min()), max=float(finite.max()), mean=float(finite.mean()),
                        std=float(finite.std()))
        info["non_finite"] = int(data.size - finite.size)
    if value.size <= MAX_INLINE:
        info["values"] = describe(value.tolist(), 1)
    return {"__array__": info}


# --- node details


def node_values(task_uri: str, job_dir: Path) -> Dict[str, Any]:
    """{"inputs", "outputs"} of a persisted node result inside `job_dir` (empty when unreadable)."""
    from ewoks_core.persistence.reading import read_result
    from ewoks_core.persistence.uris import split_uri

    path = Path(split_uri(task_uri)[0])
    if not _inside(path, job_dir):
        return {}
    try:
        outputs = read_result(task_uri).result.outputs
    except Exception:
        return {}
    inputs: Any = None
    if path.suffix == ".json":
        try:
            from ewoks_core.persistence.encoding import decode

            inputs = decode(json.loads(path.read_text(encoding="utf-8")).get("inputs"))
        except Exception:
            inputs = None
    return {"inputs": inputs, "outputs": outputs}


def file_links(values: Any, jobs_dir: Path, url: str = "/api/jobs/{job}/files/{path}") -> List[Dict[str, str]]:
    """Links to the existing files under `jobs_dir` that `values` name (paths, 'file::/path' URIs)."""
    links: Dict[str, Dict[str, str]] = {}
    root = jobs_dir.resolve()
    for text in _strings(values, 0):
        candidate = text.split("::", 1)[0].split("?path=", 1)[0]
        if not candidate.startswith("/") or len(links) >= MAX_FILES:
            continue
        try:
            path = Path(candidate).resolve()
            relative = path.relative_to(root)
        except (ValueError, OSError):
            continue
        if not path.is_file() or len(relative.parts) < 2:
            continue
        job, inner = relative.parts[0], "/".join(relative.parts[1:])
        kind = "image" if path.suffix.lower() in IMAGE_SUFFIXES else "file"
        links[str(path)] = {"name": path.name, "url": url.format(job=job, path=inner), "kind": kind}
    return list(links.values())


def _strings(value: Any, depth: int) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif depth < 6 and isinstance(value, dict):
        for item in value.values():
            yield from _strings(item, depth + 1)
    elif depth < 6 and isinstance(value, (list, tuple)):
        for item in value[:1000]:
            yield from _strings(item, depth + 1)


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except (ValueError, OSError):
        return False


def job_file(job_dir: Path, relative: str) -> Optional[Path]:
    """A file inside the job folder (None for anything else, symbolic links leading out included)."""
    path = (job_dir / relative).resolve()
    return path if _inside(path, job_dir) and path.is_file() else None


# --- the start form


def form_fields(doc: Dict[str, Any], policy: Policy, workflows_dir: Path) -> List[Dict[str, Any]]:
    """The inputs of a workflow that no link sets: node, name, required, type, default value."""
    from ewoks_core.execution.validation import resolve_all_tasks

    policy.check_document(doc)
    try:
        compiled = compile_graph(load_graph(doc, root_dir=str(workflows_dir)), root_dir=str(workflows_dir))
        policy.check_tasks(compiled)
        classes = resolve_all_tasks(compiled)
    except EwoksError as e:
        raise from_ewoks_error(e, field_prefix="graph") from None
    fields = []
    order = sorted(compiled.nodes, key=lambda nid: (not compiled.nodes[nid].is_start, compiled.nodes[nid].order))
    for nid in order:
        node, cls = compiled.nodes[nid], classes[nid]
        linked = _linked_inputs(node, classes)
        if linked is None:
            continue  # a link passes every output of its source: any input may come from it
        schema = _model_schema(cls)
        required = cls.required_input_names()
        for name in sorted(cls.input_names() | set(node.default_inputs), key=lambda n: (n not in required, str(n))):
            if name in linked:
                continue
            has_default = name in node.default_inputs
            prop = schema.get(str(name), {})
            value = node.default_inputs.get(name, prop.get("default"))
            fields.append({"node": list(nid) if isinstance(nid, tuple) else nid, "node_label": node_label(nid),
                           "label": node.label, "name": name, "required": name in required and not has_default,
                           "has_default": has_default, "value": value,
                           "type": _json_type(prop, value), "enum": prop.get("enum"),
                           "description": prop.get("description") or prop.get("title")})
    return fields


def _linked_inputs(node: Any, classes: Dict[Any, Any]) -> Optional[set]:
    names: set = set()
    for link in node.incoming:
        if link.map_all_data:
            source = classes[link.source]
            if link.on_error or not source.declares_outputs():
                return None
            names |= set(source.output_names())
        else:
            names |= {target for _, target in link.data_mapping}
    return names


def _model_schema(cls: type) -> Dict[str, Any]:
    model = getattr(cls, "_INPUT_MODEL", None)
    if model is None:
        return {}
    try:
        return model.model_json_schema().get("properties", {})
    except Exception:
        return {}


def _json_type(prop: Dict[str, Any], value: Any) -> str:
    if prop.get("type") in ("boolean", "integer", "number", "string", "array", "object"):
        return prop["type"]
    for option in prop.get("anyOf") or ():
        if option.get("type") not in (None, "null"):
            return option["type"]
    for python_type, name in _JSON_TYPES:
        if isinstance(value, python_type):
            return name
    return "any"
