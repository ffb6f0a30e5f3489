"""ExecuteRequest: execute_graph's ewoks-shaped arguments, parsed once at the API boundary.

Every way of starting a job (execute_graph, ppf's submit, submit_graph's Celery message, the
server's POST /api/jobs) builds one of these with `ExecuteRequest.parse(...)`: a bad argument is
refused here, by name, before any event is sent or any node runs. The object is frozen; its
JSON form (`to_json` / `from_json`) is what crosses a process boundary (no pickle).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any, Dict, List, Optional, Tuple

from .errors import EwoksError, did_you_mean
from .events.emitter import events_lost_policy, job_id_of
from .events.handlers import handler_list
from .graph.workflow import LoadOptions
from .persistence import check_varinfo

INPUT_KEYS = ("id", "label", "task_identifier", "all", "name", "value")
OUTPUT_KEYS = ("id", "label", "task_identifier", "all", "name", "new_name")
REQUEST_VERSION = 1
_EMPTY: Mapping[str, Any] = MappingProxyType({})


def _frozen(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(value))


def _mapping(value: Any, name: str) -> Optional[Dict[str, Any]]:
    """None, or a shallow copy of a mapping (the caller's dict is never kept nor changed)."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise EwoksError(f"{name} must be a mapping, got {type(value).__name__} {value!r}", field=name)
    return dict(value)


def _unknown_keys(given: Mapping[str, Any], known: Sequence[str], name: str) -> None:
    if all(k in known for k in given):
        return
    unknown = sorted(str(k) for k in given if k not in known)
    if unknown:
        raise EwoksError(f"unknown {name} key(s) {unknown}.{did_you_mean(unknown[0], known)}", field=name,
                    hint=f"{name} takes {', '.join(known)}.")


def _items(value: Any, name: str, known: Sequence[str]) -> Tuple[Mapping[str, Any], ...]:
    """ewoks' inputs/outputs lists: a sequence of mappings with known keys, frozen."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise EwoksError(f"{name} must be a list of mappings, got {type(value).__name__}", field=name)
    items = []
    for i, item in enumerate(value):
        if not isinstance(item, Mapping):
            raise EwoksError(f"{name}[{i}] must be a mapping, got {type(item).__name__} {item!r}",
                             field=f"{name}[{i}]")
        _unknown_keys(item, known, f"{name}[{i}]")
        items.append(_frozen(item))
    return tuple(items)


def _check_execinfo(execinfo: Optional[Dict[str, Any]]) -> None:
    if execinfo:
        job_id_of(execinfo)
        events_lost_policy(execinfo)
        handler_list(execinfo.get("handlers"))


@dataclass(frozen=True)
class ExecuteRequest:
    """execute_graph's arguments (except the graph), checked and frozen.

    inputs/outputs: ewoks' item lists; varinfo: {"root_uri", "scheme"}; execinfo: {"job_id", "handlers",
    "on_events_lost"}; load_options: LoadOptions; engine_options: the engine's own options (the engine
    parses them when the job is prepared)."""

    engine: Optional[str] = None
    inputs: Tuple[Mapping[str, Any], ...] = ()
    outputs: Optional[Tuple[Mapping[str, Any], ...]] = None
    merge_outputs: bool = True
    varinfo: Optional[Mapping[str, Any]] = None
    execinfo: Optional[Mapping[str, Any]] = None
    task_options: Optional[Mapping[str, Any]] = None
    load_options: LoadOptions = field(default_factory=LoadOptions)
    engine_options: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)

    @classmethod
    def parse(cls, *, engine: Optional[str] = None, inputs: Any = None, outputs: Any = None,
              merge_outputs: Any = True, varinfo: Any = None, execinfo: Any = None, task_options: Any = None,
              load_options: Any = None, engine_options: Optional[Mapping[str, Any]] = None) -> "ExecuteRequest":
        """Check every argument (EwoksError naming the field); nothing is run, nothing is emitted."""
        if engine is not None and not isinstance(engine, str):
            raise EwoksError(f"engine must be an engine name, got {type(engine).__name__}", field="engine")
        if not isinstance(merge_outputs, bool):
            raise EwoksError(f"merge_outputs must be True or False, got {merge_outputs!r}", field="merge_outputs")
        options = _mapping(engine_options, "engine_options") or {}
        _ewoks_only_arguments(options)
        execinfo_copy = _mapping(execinfo, "execinfo")
        _check_execinfo(execinfo_copy)
        varinfo_copy = check_varinfo(varinfo)
        task_copy = _mapping(task_options, "task_options")
        return cls(engine=engine or None,
                   inputs=() if inputs is None else _items(inputs, "inputs", INPUT_KEYS),
                   outputs=None if outputs is None else _items(outputs, "outputs", OUTPUT_KEYS),
                   merge_outputs=merge_outputs,
                   varinfo=None if varinfo_copy is None else _frozen(varinfo_copy),
                   execinfo=None if execinfo_copy is None else _frozen(execinfo_copy),
                   task_options=None if task_copy is None else _frozen(task_copy),
                   load_options=LoadOptions.parse(load_options),
                   engine_options=_frozen(options))

    # --- plain forms for the layers below (copies: nobody can change the request) ---------------

    def input_list(self) -> Optional[List[dict]]:
        """inputs as a list of dicts (None when there are none)."""
        return [dict(item) for item in self.inputs] or None

    def output_list(self) -> Optional[List[dict]]:
        """outputs as a list of dicts (None: the default selection)."""
        return None if self.outputs is None else [dict(item) for item in self.outputs]

    def varinfo_dict(self) -> Optional[dict]:
        return None if self.varinfo is None else dict(self.varinfo)

    def execinfo_dict(self) -> Optional[dict]:
        return None if self.execinfo is None else dict(self.execinfo)

    def engine_options_dict(self) -> Dict[str, Any]:
        return dict(self.engine_options)

    def to_json(self) -> Dict[str, Any]:
        """Plain data (dicts and lists); from_json(to_json()) == self. Values are not encoded here:
        a transport that needs JSON encodes them (e.g. ewoks_celery.codec)."""
        return {"version": REQUEST_VERSION, "engine": self.engine, "inputs": self.input_list() or [],
                "outputs": self.output_list(), "merge_outputs": self.merge_outputs, "varinfo": self.varinfo_dict(),
                "execinfo": self.execinfo_dict(),
                "task_options": None if self.task_options is None else dict(self.task_options),
                "load_options": self.load_options.kwargs(), "engine_options": self.engine_options_dict()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "ExecuteRequest":
        """Parse (and check again) the form written by to_json."""
        data = dict(data)
        version = data.pop("version", None)
        if version != REQUEST_VERSION:
            raise EwoksError(f"request version {version!r} is not supported here (expects {REQUEST_VERSION})",
                             hint="Use the same ewoks_core version on both sides.")
        _unknown_keys(data, [f.name for f in fields(cls)], "request")
        return cls.parse(**data)


def _ewoks_only_arguments(engine_options: Dict[str, Any]) -> None:
    """ewoks' raise_on_error and output_tasks: their default values are what happens here; the others
    are refused with what to do instead (ewoks' engines disagree on what raise_on_error=False returns)."""
    if engine_options.pop("raise_on_error", True) is not True:
        raise EwoksError("raise_on_error=False is not supported: a failed task always raises TaskFailedError",
                         field="raise_on_error", hint="Catch TaskFailedError (it has node_id and the original "
                                                      "exception), or handle failures in the workflow with on_error "
                                                      "links or a default_error_node.")
    if engine_options.pop("output_tasks", False) is not False:
        raise EwoksError("output_tasks=True is not supported: results are the tasks' output values",
                         field="output_tasks", hint="Use outputs=[{'all': True}], merge_outputs=False.")
