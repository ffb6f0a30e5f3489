"""Event handlers of `execinfo["handlers"]`: build a sink from {"class": ..., "arguments": [...]}, describe it.

Every mistake in a handler entry (not a mapping, unknown class, an argument the sink does not
take, a value its constructor refuses) is one EwoksError naming the entry and what it accepts.
"""

from __future__ import annotations

import functools
import importlib
import inspect
from typing import Any, Dict, List, Optional, Tuple

from ..errors import EwoksError, did_you_mean, name_list
from ..redact import mask_secrets
from .sinks.base import EventSink

# Short names and ewoks' handler class names -> our sink classes
SINK_ALIASES = {
    "memory": "ewoks_core.events.sinks.memory.MemorySink",
    "jsonl": "ewoks_core.events.sinks.jsonl.JsonLinesSink",
    "sqlite": "ewoks_core.events.sinks.sqlite.SqliteSink",
    "redis": "ewoks_core.events.sinks.redis.RedisSink",
    "ewokscore.events.handlers.Sqlite3EwoksEventHandler": "ewoks_core.events.sinks.sqlite.SqliteSink",
    "ewoksjob.events.handlers.RedisEwoksEventHandler": "ewoks_core.events.sinks.redis.RedisSink",
    "ewoksjob.events.handlers.Sqlite3EwoksEventHandler": "ewoks_core.events.sinks.sqlite.SqliteSink",
}
SHORT_NAMES = sorted(k for k in SINK_ALIASES if "." not in k)


def _field(index: Optional[int]) -> str:
    return "execinfo.handlers" if index is None else f"execinfo.handlers[{index}]"


def _arguments(handler: Dict[str, Any], field: str) -> Dict[str, Any]:
    """The handler's arguments as keywords."""
    arguments = handler.get("arguments") or []
    if not isinstance(arguments, list) or not all(isinstance(a, dict) and isinstance(a.get("name"), str)
                                                  for a in arguments):
        raise EwoksError("'arguments' must be a list of {'name': ..., 'value': ...}", field=field)
    return {a["name"]: a.get("value") for a in arguments}


def _sink_class(handler: Dict[str, Any], field: str) -> type:
    name = handler.get("class")
    if not isinstance(name, str):
        raise EwoksError(f"event handler 'class' must be a name, got {name!r}", field=field,
                         hint=f"Use one of {name_list(SHORT_NAMES)} or the import path of a sink class.")
    class_path = SINK_ALIASES.get(name, name)
    module_name, _, class_name = class_path.rpartition(".")
    if not module_name or not class_name:
        raise EwoksError(f"event handler class {name!r} is not 'module.Class'.{did_you_mean(name, SHORT_NAMES)}",
                         field=field, hint=f"Use one of {name_list(SHORT_NAMES)} or an import path.")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError, ValueError) as e:
        raise EwoksError(f"cannot import event handler {class_path!r}: {e}", field=field) from e
    if not isinstance(cls, type) or not callable(getattr(cls, "emit", None)):
        raise EwoksError(f"event handler {class_path!r} is not an event sink class", field=field,
                         hint="Subclass ewoks_core.events.sinks.base.EventSink.")
    return cls


@functools.lru_cache(maxsize=64)
def _parameters(cls: type) -> Optional[Tuple[Tuple[str, ...], Tuple[str, ...]]]:
    """(accepted, required) keyword names of a sink constructor; None when it takes **kwargs or has
    no signature to check (computed once per class: inspect.signature costs ~50 us)."""
    try:
        parameters = list(inspect.signature(cls).parameters.values())
    except (TypeError, ValueError):
        return None
    if any(p.kind is p.VAR_KEYWORD for p in parameters):
        return None
    named = [p for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    return tuple(p.name for p in named), tuple(p.name for p in named if p.default is p.empty)


def _check_arguments(cls: type, kwargs: Dict[str, Any], label: str, field: str) -> None:
    """Argument names the constructor does not take, or required ones missing: one line listing them."""
    names = _parameters(cls)
    if names is None:
        return
    accepted, required = names
    for name in kwargs:
        if name not in accepted:
            takes = f"its arguments are {name_list(accepted)}" if accepted else "it takes no arguments"
            raise EwoksError(f"event handler {label!r} takes no argument {name!r}: {takes}."
                             f"{did_you_mean(name, accepted)}", field=field)
    missing = [name for name in required if name not in kwargs]
    if missing:
        raise EwoksError(f"event handler {label!r} needs the argument(s) {name_list(missing)}", field=field,
                         hint="Add them as {'name': ..., 'value': ...} to its 'arguments'.")


def make_sink(handler: Any, index: Optional[int] = None) -> EventSink:
    """Instantiate one handler entry {"class": ..., "arguments": [{"name":..., "value":...}]} (a sink
    instance is returned as is); `index`: its position in execinfo["handlers"], for messages."""
    if isinstance(handler, EventSink):
        return handler
    field = _field(index)
    if not isinstance(handler, dict):
        raise EwoksError(f"an event handler is {{'class': ..., 'arguments': [...]}} or a sink, got {handler!r}",
                         field=field)
    cls = _sink_class(handler, field)
    kwargs = _arguments(handler, field)
    label = str(handler["class"])
    _check_arguments(cls, kwargs, label, field)
    try:
        return cls(**kwargs)
    except EwoksError:
        raise
    except Exception as e:  # a value the constructor refuses (timeout="soon", a path that is not text...)
        raise EwoksError(f"event handler {describe_handler(handler)} cannot be created: {type(e).__name__}: {e}",
                         field=field) from e


def describe_handler(handler: Any) -> str:
    """How messages name a handler: its class as given and its arguments, e.g. "sqlite (uri='e.db')"."""
    if isinstance(handler, EventSink):
        return mask_secrets(repr(handler))
    if not isinstance(handler, dict):
        return mask_secrets(repr(handler))
    try:
        kwargs = _arguments(handler, "")
    except EwoksError:
        kwargs = {}
    args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    return mask_secrets(f"{handler.get('class')} ({args})" if args else str(handler.get("class")))


def handler_list(handlers: Any) -> List[Any]:
    """execinfo["handlers"] as a list (None: no handler)."""
    if handlers is None:
        return []
    if not isinstance(handlers, (list, tuple)):
        raise EwoksError(f"'handlers' must be a list of event handlers, got {type(handlers).__name__}",
                         field="execinfo.handlers")
    return list(handlers)
