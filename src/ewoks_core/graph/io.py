"""Read and write workflow documents: files (JSON/YAML/Orange .ows), strings, dicts, networkx graphs.

The format of a file is its extension's, when reading and when writing: .json, .yaml/.yml, .ows."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Optional, Sequence, Tuple

from ..errors import GraphFormatError
from ..nesting import MAX_NESTING
from ..userfiles import read_bytes

MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_YAML_EXPANDED_NODES = 5_000_000
YAML_SUFFIXES = (".yaml", ".yml")
JSON_SUFFIXES = (".json",)
OWS_SUFFIXES = (".ows",)
FORMATS = {".json": "json", ".yaml": "yaml", ".yml": "yaml", ".ows": "ows"}


def file_format(path: Path, action: str = "read") -> str:
    """The format of a workflow file from its extension (json, yaml or ows); any other is refused by name."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        what = f"extension {path.suffix!r}" if path.suffix else "no extension"
        raise GraphFormatError(f"cannot {action} a workflow file with {what}", source=str(path),
                               hint="Use .json, .yaml, .yml or .ows.")
    return fmt


def read_text(path: Path) -> str:
    """Read a workflow file as UTF-8 with clear errors for missing, huge and non-UTF-8 files."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise GraphFormatError("file not found", source=str(path),
                               hint="Check the path (relative paths are resolved from the current directory "
                                    "or root_dir).") from None
    except OSError as e:  # a path through a file, a name too long, a loop of links...
        raise GraphFormatError(f"cannot be read: {e.strerror or e}", source=str(path)) from None
    except ValueError as e:  # a NUL character or a lone surrogate: not a name the system can have
        raise GraphFormatError(f"is not a valid file name: {e}", source=repr(str(path))) from None
    if size > MAX_FILE_BYTES:
        raise GraphFormatError(f"file is {size / 2**20:.0f} MiB, above the {MAX_FILE_BYTES // 2**20} MiB limit "
                               "of a workflow file",
                               source=str(path), hint="Store large data outside the workflow and pass a path or URI.")
    # folders, devices, FIFOs and /proc files are refused; a file growing meanwhile is read up to the limit
    raw = read_bytes(str(path), MAX_FILE_BYTES, "a workflow file", GraphFormatError)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise GraphFormatError(f"not UTF-8 text (byte 0x{raw[e.start]:02x} at line {line})", source=str(path),
                               hint="Save the file as UTF-8.") from None


def parse_json(text: str, source: str) -> Any:
    """Parse JSON text, reporting line and column on error."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise GraphFormatError(f"invalid JSON at line {e.lineno}, column {e.colno}: {e.msg}", source=source) from None
    except RecursionError:
        raise _too_deep(source) from None


def _too_deep(source: str) -> GraphFormatError:
    return GraphFormatError(f"values are nested deeper than {MAX_NESTING} levels", source=source,
                            hint="A workflow nests a few levels (graph, nodes, inputs); pass deep data as a file.")


def parse_yaml(text: str, source: str) -> Any:
    """Parse YAML text safely (no object construction, bounded aliases), reporting line and column.

    libyaml's loader when PyYAML has it: the pure-Python scanner takes time in proportion to
    tokens x nesting depth (0.67 s instead of 0.06 s for 17 kB: 3,000 numbers 95 levels deep)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        root = loader.get_single_node()
        # bound the expanded size: aliases can make a tiny file explode
        if root is not None and _expanded_size(root, {}) > MAX_YAML_EXPANDED_NODES:
            raise GraphFormatError(f"YAML aliases expand to more than {MAX_YAML_EXPANDED_NODES} values", source=source,
                                   hint="Write the values out instead of nesting aliases.")
        return None if root is None else loader.construct_document(root)
    except yaml.MarkedYAMLError as e:
        if "maximum nesting depth" in str(e.problem):
            raise _too_deep(source) from None
        mark = e.problem_mark or e.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise GraphFormatError(f"invalid YAML{where}: {e.problem or e.context}", source=source) from None
    except yaml.reader.ReaderError as e:  # a character YAML does not allow
        raise GraphFormatError(f"invalid YAML at character {e.position}: {e.reason}", source=source,
                               hint="Save the file as UTF-8 text without control characters.") from None
    except yaml.YAMLError as e:
        raise GraphFormatError(f"invalid YAML: {' '.join(str(e).split())}", source=source) from None
    except RecursionError:
        raise _too_deep(source) from None
    finally:
        loader.dispose()


def _expanded_size(node, memo: dict) -> int:
    """Number of values a composed YAML node stands for once aliases are expanded (memoized per node)."""
    key = id(node)
    if key in memo:
        return memo[key]
    memo[key] = 1  # cycles count once
    size = 1
    value = node.value
    if isinstance(value, list):
        for item in value:
            if isinstance(item, tuple):
                size += _expanded_size(item[0], memo) + _expanded_size(item[1], memo)
            else:
                size += _expanded_size(item, memo)
            if size > MAX_YAML_EXPANDED_NODES:
                break
    memo[key] = size
    return size


def looks_like_path(text: str) -> bool:
    """A string that is a file name rather than JSON/YAML content: one line that is neither a JSON
    document nor a YAML mapping ("key: value"). A missing file then gets "file not found"."""
    stripped = text.strip()
    if not stripped or "\n" in stripped or stripped[0] in "{[":
        return False
    if stripped.endswith(JSON_SUFFIXES + YAML_SUFFIXES + OWS_SUFFIXES) or os.path.exists(stripped):
        return True
    return ": " not in stripped and not stripped.endswith(":")


def find_workflow_file(name: str, dirs: Sequence[Optional[str]] = (None,), root_module: Optional[str] = None) -> Path:
    """The workflow file `name` (with or without .json/.yaml/.yml) in the first of `dirs` (None: as
    given, from the current directory) that has it, else in the package `root_module`; when
    nowhere, the path as given (reading it then says "file not found")."""
    for d in dirs:
        p = resolve_path(name, d)
        if is_file(p):
            return p
    if root_module:
        import importlib.resources

        try:
            base = importlib.resources.files(root_module)
        except ModuleNotFoundError:
            base = None
        if base is not None:
            for suffix in ("",) + JSON_SUFFIXES + YAML_SUFFIXES + OWS_SUFFIXES:
                res = base / (name + suffix)
                if res.is_file():
                    return Path(str(res))
    return resolve_path(name, next((d for d in dirs if d), None))


def resolve_path(name: str, root_dir: Optional[str] = None) -> Path:
    """Find a workflow file: as given, then relative to root_dir, adding .json/.yaml/.yml if missing."""
    candidates = []
    base = Path(name)
    dirs = [None] if base.is_absolute() or root_dir is None else [root_dir, None]
    for d in dirs:
        p = Path(d) / base if d else base
        candidates.append(p)
        if not p.suffix and p.name:  # "/" and ".." have no name to add a suffix to
            candidates.extend(p.with_suffix(s) for s in JSON_SUFFIXES + YAML_SUFFIXES + OWS_SUFFIXES)
    for p in candidates:
        if is_file(p):
            return p
    return candidates[0]


def is_file(path: Path) -> bool:
    """Path.is_file(), False for names the system refuses (too long, a loop of links): reading says why."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def read_document(path: Path) -> dict:
    """Load a workflow file into a plain dict (format from the extension, see `file_format`)."""
    text = read_text(path)  # first: a missing file is "file not found", whatever its name
    fmt = file_format(path)
    if fmt == "yaml":
        doc = parse_yaml(text, str(path))
    elif fmt == "ows":
        from .ows import parse_ows

        doc = parse_ows(text, str(path))
    else:
        doc = parse_json(text, str(path))
    if not isinstance(doc, dict):
        raise GraphFormatError(f"expected a mapping with 'graph', 'nodes' and 'links', got {type(doc).__name__}",
                               source=str(path))
    return doc


def parse_string(text: str) -> Tuple[dict, str]:
    """Parse a JSON or YAML string into a dict."""
    stripped = text.lstrip()
    if stripped.startswith("{"):
        doc = parse_json(text, "<string>")
    else:
        doc = parse_yaml(text, "<string>")
    if not isinstance(doc, dict):
        raise GraphFormatError("a workflow string must hold a mapping with 'graph', 'nodes' and 'links'",
                               source="<string>")
    return doc, "<string>"


def from_networkx(graph: Any) -> dict:
    """Convert a networkx (Multi)DiGraph into a node-link document without requiring networkx at import."""
    nodes = [{"id": node_id, **attrs} for node_id, attrs in graph.nodes.items()]
    links = []
    if graph.is_multigraph():
        for source, target, attrs in graph.edges(data=True):
            links.append({"source": source, "target": target, **attrs})
    else:
        for (source, target), attrs in graph.edges.items():
            links.append({"source": source, "target": target, **attrs})
    return {"directed": True, "multigraph": graph.is_multigraph(), "graph": dict(graph.graph),
            "nodes": nodes, "links": links}


def to_networkx(doc: dict) -> Any:
    """Convert a node-link document into a networkx.DiGraph (networkx is an optional dependency)."""
    try:
        import networkx
    except ImportError:
        raise GraphFormatError("networkx is not installed", hint="pip install 'ewoks_core[networkx]'") from None
    graph = networkx.DiGraph(**doc.get("graph", {}))
    for node in doc.get("nodes", []):
        attrs = {k: v for k, v in node.items() if k != "id"}
        graph.add_node(node["id"], **attrs)
    for link in doc.get("links", []):
        attrs = {k: v for k, v in link.items() if k not in ("source", "target")}
        graph.add_edge(link["source"], link["target"], **attrs)
    return graph


def dump_document(doc: dict, path: Optional[Path] = None, fmt: Optional[str] = None, indent: int = 2) -> str:
    """Serialize a document as JSON, YAML or .ows text; write it atomically when a path is given (its
    extension gives the format; `fmt`, when also given, must agree with it)."""
    if path is not None:
        from_suffix = file_format(path, "write")
        if fmt is not None and fmt != from_suffix:
            raise GraphFormatError(f"format {fmt!r} does not match the extension {path.suffix!r}", source=str(path),
                                   hint=f"Name the file .{fmt} or leave the format out.")
        fmt = from_suffix
    elif fmt is None:
        fmt = "json"
    plain = to_plain(doc)
    if fmt == "ows":
        from .ows import write_ows

        text = write_ows(plain)
    elif fmt == "yaml":
        import yaml

        text = yaml.safe_dump(plain, sort_keys=False, allow_unicode=True)
    elif fmt == "json":
        text = json.dumps(plain, indent=indent, ensure_ascii=False) + "\n"
    else:
        raise GraphFormatError(f"unknown format {fmt!r}", hint="Use 'json', 'yaml' or 'ows'.")
    if path is not None:
        from ..persistence.atomic import atomic_write_text

        atomic_write_text(path, text)
    return text


def to_plain(value: Any) -> Any:
    """Turn tuples (flattened node ids) into lists and numpy scalars into Python scalars for writing."""
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if hasattr(value, "tolist") and type(value).__module__ == "numpy":
        return value.tolist()
    return value
