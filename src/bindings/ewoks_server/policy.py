"""What a remote submitter may ask for: every check of submitted jobs, in one place.

API clients are not trusted. The server decides where events and results go (under its data
folder) and which task modules jobs may import; a request that tries to choose these is refused
with 403 and the name of the field, before anything runs:

- execinfo (event handlers, job id), varinfo other than its "scheme" (root_uri: where results
  are written), load_options (root_dir, root_module), task_options;
- engine options that name a network address (any value "tcp://...", "host:port", at any depth), and
  what the engine's parsed options name outside the job (a scheduler, a file, a dashboard, cluster
  settings: EngineOptions.locations()), through the core's ExecutionPolicy with nothing allowed;
- a node's own varinfo.root_uri, a sub-workflow file outside the workflows folder;
- tasks whose module is not in the allow-list, and script tasks unless allowed (ewoks_core.allowlist,
  the same checks as a Celery worker's).

The worker-side confinement policy of the core can replace these checks function by function.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping, Optional, Sequence, Tuple

from ewoks_core.allowlist import check_graph, module_allowed
from ewoks_core.errors import TaskNotAllowedError
from ewoks_core.graph.compiled import CompiledGraph
from ewoks_core.policy import ExecutionPolicy, PolicyError

from .errors import ApiError

SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_HOST_PORT = re.compile(r"\[?[A-Za-z0-9._:-]*\]?:\d{1,5}")
_VARINFO_ALLOWED = ("scheme",)
_MAX_SUBGRAPH_DEPTH = 8


def refuse(field: str, message: str, node_id: Any = None) -> ApiError:
    return ApiError(403, f"{field}: {message}", field=field, type="policy", node_id=node_id)


def is_safe_id(identifier: str) -> bool:
    """A workflow or job id usable as a file name: letters, digits, '.', '_', '-' (no '..', no '/')."""
    return bool(SAFE_ID.fullmatch(identifier)) and ".." not in identifier


@dataclass(frozen=True)
class Policy:
    """The rules of one server (its allow-list and workflows folder)."""

    allowed_tasks: Tuple[str, ...]
    allow_scripts: bool
    workflows_dir: Path

    # --- execute_graph's arguments
    def check_arguments(self, *, varinfo: Optional[Mapping[str, Any]] = None,
                        execinfo: Optional[Mapping[str, Any]] = None, load_options: Optional[Mapping[str, Any]] = None,
                        task_options: Optional[Mapping[str, Any]] = None,
                        engine_options: Optional[Mapping[str, Any]] = None, prefix: str = "") -> None:
        """Refuse what only the server decides; `prefix` is the body path of these arguments."""
        for key in execinfo or {}:
            raise refuse(f"{prefix}execinfo.{key}", "the server decides where events go and assigns job ids")
        for key, value in (varinfo or {}).items():
            if key not in _VARINFO_ALLOWED:
                raise refuse(f"{prefix}varinfo.{key}", "the server decides where results are written; "
                                                       "only varinfo.scheme (json or nexus) may be chosen")
            if value not in ("json", "nexus", None):
                raise refuse(f"{prefix}varinfo.scheme", f"unknown scheme {value!r}: use json or nexus")
        for key in load_options or {}:
            raise refuse(f"{prefix}load_options.{key}", "sub-workflows are read from the server's workflows folder")
        for key in task_options or {}:
            raise refuse(f"{prefix}task_options.{key}", "task options are not supported")
        for path, value in _walk(engine_options or {}, ()):  # any engine, before its options are parsed
            if isinstance(value, str) and ("://" in value or _HOST_PORT.fullmatch(value.strip())):
                raise refuse(f"{prefix}engine_options.{'.'.join(path)}", f"{value!r} names a network address: "
                                                                          "jobs run where the server sends them")

    def check_engine_options(self, options: Any, prefix: str = "") -> None:
        """What the parsed engine options name outside the job (schedulers, files, library settings), refused
        by the core's ExecutionPolicy with nothing allowed (as a Celery worker confines its jobs)."""
        try:
            self.execution.check_engine_options(options)
        except PolicyError as e:
            name = (e.field or "").removeprefix("engine option ")
            message = "options naming or opening network addresses, files or library settings are set by the server"
            raise refuse(f"{prefix}engine_options.{name}", message) from None

    @property
    def execution(self) -> ExecutionPolicy:
        """The core policy of submitted jobs: no scheduler, event store or folder of their own choosing."""
        return ExecutionPolicy.confined(owner="this server")

    # --- the workflow document
    def check_document(self, doc: Mapping[str, Any], prefix: str = "graph", depth: int = 0) -> None:
        """Node varinfo and sub-workflow references of a document (and of the files it references)."""
        nodes = doc.get("nodes") or []
        for i, node in enumerate(nodes if isinstance(nodes, list) else []):
            if not isinstance(node, dict):
                continue
            varinfo = node.get("varinfo") or {}
            if isinstance(varinfo, dict) and varinfo.get("root_uri"):
                raise refuse(f"{prefix}.nodes[{i}].varinfo.root_uri", "the server decides where results are "
                                                                      "written", node_id=node.get("id"))
            if node.get("task_type") == "graph" and isinstance(node.get("task_identifier"), str):
                self._check_subgraph(node["task_identifier"], f"{prefix}.nodes[{i}].task_identifier",
                                     node.get("id"), depth)

    def _check_subgraph(self, identifier: str, field: str, node_id: Any, depth: int) -> None:
        text = identifier.strip()
        if text.startswith(("{", "[")) or "\n" in text:
            return  # the sub-workflow itself, as JSON/YAML text: the loader checks its nodes
        if depth >= _MAX_SUBGRAPH_DEPTH:
            raise refuse(field, "sub-workflows nested too deeply", node_id)
        path = self.subgraph_file(text)
        if path is None:
            raise refuse(field, f"sub-workflow {text!r} is not a workflow of this server (give the id of a "
                                "saved workflow)", node_id)
        from ewoks_core.graph.io import read_document

        self.check_document(read_document(path), f"{field}({text})", depth + 1)

    def subgraph_file(self, name: str) -> Optional[Path]:
        """The saved workflow `name` refers to (id, or id + .json/.yaml/.yml), or None."""
        stem = name
        for suffix in (".json", ".yaml", ".yml"):
            if name.endswith(suffix):
                stem = name[: -len(suffix)]
        if not is_safe_id(stem):
            return None
        for suffix in (".json", ".yaml", ".yml"):
            path = self.workflows_dir / (stem + suffix)
            if path.is_file():
                return path
        return None

    # --- the tasks, after sub-workflows are flattened
    def check_tasks(self, graph: CompiledGraph) -> None:
        """Every node's task module is allowed; scripts and notebooks only when allowed (ewoks_core.allowlist,
        as on Celery workers)."""
        try:
            check_graph(graph, self.allowed_tasks, self.allow_scripts, owner="this server", hint=_server_hint,
                        scripts_hint="Start the server with `ewoks serve --allow-scripts` to run them.")
        except TaskNotAllowedError as e:
            raise ApiError(403, str(e), field=e.field or "task_identifier", type="policy", node_id=e.node_id) from None

    def check_modules(self, modules: Sequence[str], field: str) -> None:
        """Task discovery imports only allowed modules."""
        for i, module in enumerate(modules):
            if not module_allowed(module, self.allowed_tasks):
                raise refuse(f"{field}[{i}]", f"module {module!r} is not in the server's allow-list "
                                              f"({', '.join(self.allowed_tasks) or 'empty'})")


def _server_hint(module: str) -> str:
    return f"Start the server with `ewoks serve --allow {module.split('.')[0]}`."


def _walk(value: Any, path: Tuple[str, ...]) -> Iterator[Tuple[Tuple[str, ...], Any]]:
    """(path, value) of every key and item of nested dicts/lists, depth first."""
    if isinstance(value, Mapping):
        items: Iterator[Tuple[str, Any]] = ((str(k), v) for k, v in value.items())
    elif isinstance(value, (list, tuple)):
        items = ((str(i), v) for i, v in enumerate(value))
    else:
        return
    for key, item in items:
        yield (*path, key), item
        yield from _walk(item, (*path, key))
