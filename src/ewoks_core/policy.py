"""What a job may reach outside its own process: folders it writes into, event stores and schedulers.

A local run (`ewoks execute`, `execute_graph`) trusts its caller: the policy is
`ExecutionPolicy.unrestricted()`. A process that runs jobs for others (a Celery worker,
the workflow server) builds one from its own configuration and

- applies it once where a request comes in, before any node runs: `policy.check_job(graph=...,
  varinfo=..., handlers=..., engine_options=...)` refuses, by name, a result root, an event file or
  event store, or a scheduler address it does not allow (PolicyError: one line naming the field);
- installs it in its processes (`install_policy`), so that the writers of task libraries
  (`ewoks_core.outputs.prepare_output`) are confined too.

Paths are compared after resolving symbolic links and `..`, so neither escapes an allowed folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from .errors import EwoksError

PathLike = Union[str, "os.PathLike[str]"]
# handler arguments that name where events go: a file (path, SQLite uri) or a server (url)
FILE_ARGUMENTS = ("path", "uri", "filename", "file", "database")
URL_ARGUMENTS = ("url",)


class PolicyError(EwoksError):
    """A job names a place (folder, event store, scheduler) that the process running it does not allow."""


@dataclass(frozen=True)
class ExecutionPolicy:
    """Where jobs may write and what they may connect to; None for a field means: anything."""

    write_roots: Optional[Tuple[str, ...]] = None  # folders (or single files) jobs may write into
    event_urls: Optional[Tuple[str, ...]] = None  # event store URLs (redis://...) jobs may send events to
    schedulers: Optional[Tuple[str, ...]] = None  # scheduler addresses (tcp://host:port) jobs may use
    owner: str = "this worker"  # who refuses, in messages
    hint: str = ""  # how to allow more, appended to messages

    @classmethod
    def unrestricted(cls) -> "ExecutionPolicy":
        """The policy of a local run: the caller is trusted."""
        return cls()

    @classmethod
    def confined(cls, write_roots: Iterable[PathLike] = (), event_urls: Iterable[str] = (),
                 schedulers: Iterable[str] = (), owner: str = "this worker", hint: str = "") -> "ExecutionPolicy":
        """A policy allowing only the given folders, event store URLs and scheduler addresses."""
        return cls(write_roots=tuple(os.fspath(p) for p in write_roots), event_urls=tuple(event_urls),
                   schedulers=tuple(normalize_address(a) for a in schedulers), owner=owner, hint=hint)

    @property
    def restricted(self) -> bool:
        return self.write_roots is not None or self.event_urls is not None or self.schedulers is not None

    # --- single checks
    def check_write(self, path: PathLike, field: str, node_id: Any = None) -> Path:
        """The resolved path; PolicyError when it is outside every allowed folder."""
        resolved = resolve(path)
        if self.write_roots is None:
            return resolved
        for root in self.write_roots:
            allowed = resolve(root)
            if resolved == allowed or allowed in resolved.parents:
                return resolved
        raise PolicyError(f"{self.owner} does not let jobs write to {os.fspath(path)!r}: it is outside the folders "
                          f"it allows ({_listed(self.write_roots)})", field=field, node_id=node_id, hint=self.hint)

    def check_event_url(self, url: str, field: str) -> None:
        """PolicyError when `url` is not one of the allowed event stores."""
        if self.event_urls is None or _same_url(url, self.event_urls):
            return
        from .redact import mask_secrets

        raise PolicyError(f"{self.owner} does not send events to {mask_secrets(url)!r}; it allows "
                          f"{_listed(mask_secrets(u) for u in self.event_urls)}", field=field, hint=self.hint)

    def check_scheduler(self, address: str, field: str) -> None:
        """PolicyError when `address` is not one of the allowed schedulers."""
        if self.schedulers is None or normalize_address(address) in self.schedulers:
            return
        raise PolicyError(f"{self.owner} does not connect jobs to scheduler {address!r}; it allows "
                          f"{_listed(self.schedulers)}", field=field, hint=self.hint)

    # --- what a request names
    def check_handlers(self, handlers: Sequence[Any]) -> None:
        """Event handlers of execinfo: every file, SQLite database and server they name."""
        if not self.restricted:
            return
        for index, handler in enumerate(handlers or ()):
            self.check_handler(handler, f"execinfo.handlers[{index}]")

    def check_handler(self, handler: Any, where: str = "execinfo.handlers") -> None:
        """One event handler ({"class": ..., "arguments": [{"name": ..., "value": ...}]})."""
        if not self.restricted:
            return
        if not isinstance(handler, Mapping):
            raise PolicyError(f"{self.owner} only takes event handlers given as configuration "
                              f"({{'class': ..., 'arguments': [...]}}), not a {type(handler).__name__}", field=where)
        located = False
        for argument in handler.get("arguments") or ():
            if not isinstance(argument, Mapping) or argument.get("name") not in FILE_ARGUMENTS + URL_ARGUMENTS:
                continue
            value = argument.get("value")
            if not isinstance(value, (str, os.PathLike)):
                continue
            located = True
            value, field = os.fspath(value), f"{where}.arguments.{argument['name']}"
            if "://" in value and not value.startswith("file:"):
                self.check_event_url(value, field)
            else:
                path = _sqlite_file(value)
                if path is not None:
                    self.check_write(path, field)
        if not located:
            raise PolicyError(f"{self.owner} needs the file or URL of every event handler to check it; "
                              f"handler {handler.get('class')!r} names none (its default would be used)",
                              field=where)

    def check_varinfo(self, varinfo: Optional[Mapping[str, Any]], field: str = "varinfo",
                      node_id: Any = None) -> None:
        """Every file and folder the result store of `varinfo` writes to."""
        if self.write_roots is None or not varinfo or not varinfo.get("root_uri"):
            return
        from .persistence import open_store

        store = open_store(varinfo)
        if store is None:
            return
        for location in store.write_locations():
            self.check_write(location, f"{field}.root_uri", node_id)

    def check_graph(self, graph: Any, varinfo: Optional[Mapping[str, Any]] = None) -> None:
        """The job's varinfo and each node's own varinfo (merged over the job's, as nodes use them)."""
        if self.write_roots is None:
            return
        self.check_varinfo(varinfo)
        for node in graph.nodes.values():
            own = node.spec.varinfo
            if own:
                self.check_varinfo({**(varinfo or {}), **own}, "varinfo", node.id)

    def check_engine_options(self, options: Any) -> None:
        """Addresses, paths and library settings named by parsed engine options (EngineOptions.locations)."""
        if not self.restricted or options is None:
            return
        for name, kind, value in options.locations():
            field = f"engine option {name}"
            if kind == "address":
                self.check_scheduler(str(value), field)
            elif kind == "path":
                self.check_write(value, field)
            else:
                raise PolicyError(f"{self.owner} does not let jobs set {name}={value!r} (settings it cannot check)",
                                  field=field, hint="Leave it out: the worker's own defaults apply.")

    def check_job(self, *, graph: Any = None, varinfo: Optional[Mapping[str, Any]] = None,
                  handlers: Sequence[Any] = (), engine_options: Any = None) -> None:
        """Everything a request names, checked once before any node runs (raises PolicyError)."""
        if not self.restricted:
            return
        self.check_handlers(handlers)
        if graph is not None:
            self.check_graph(graph, varinfo)
        else:
            self.check_varinfo(varinfo)
        self.check_engine_options(engine_options)

    # --- plain data (sent to worker processes with the run context)
    def to_config(self) -> Dict[str, Any]:
        return {"write_roots": _as_list(self.write_roots), "event_urls": _as_list(self.event_urls),
                "schedulers": _as_list(self.schedulers), "owner": self.owner, "hint": self.hint}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "ExecutionPolicy":
        return cls(write_roots=_as_tuple(config.get("write_roots")), event_urls=_as_tuple(config.get("event_urls")),
                   schedulers=_as_tuple(config.get("schedulers")), owner=str(config.get("owner") or "this worker"),
                   hint=str(config.get("hint") or ""))


_UNRESTRICTED = ExecutionPolicy()
_current: ExecutionPolicy = _UNRESTRICTED


def install_policy(policy: Optional[ExecutionPolicy]) -> None:
    """Make `policy` the policy of this process (None: unrestricted). Workers do this; local runs never."""
    global _current
    _current = policy or _UNRESTRICTED


def current_policy() -> ExecutionPolicy:
    """The policy of this process (unrestricted unless a worker installed one)."""
    return _current


def resolve(path: PathLike) -> Path:
    """Absolute path with `~`, symbolic links and `..` resolved (the part that exists is followed)."""
    return Path(os.path.realpath(os.path.expanduser(os.fspath(path))))


def normalize_address(address: str) -> str:
    """`host:port` -> `tcp://host:port`; other addresses unchanged (trailing '/' removed)."""
    text = str(address).strip().rstrip("/")
    if "://" not in text and ":" in text and text.rsplit(":", 1)[1].isdigit():
        return "tcp://" + text
    return text


def _sqlite_file(value: str) -> Optional[str]:
    """The file of a path or SQLite 'file:' URI (None for in-memory databases)."""
    if value == ":memory:":
        return None
    if value.startswith("file:"):
        from urllib.parse import parse_qs, unquote, urlsplit

        parts = urlsplit(value)
        if parse_qs(parts.query).get("mode") == ["memory"]:
            return None
        return unquote(parts.path) or None
    return value


def _same_url(url: str, allowed: Iterable[str]) -> bool:
    text = url.strip().rstrip("/")
    return any(text == other.strip().rstrip("/") for other in allowed)


def _listed(values: Iterable[str]) -> str:
    values = list(values)
    return ", ".join(values) if values else "none"


def _as_list(values: Optional[Tuple[str, ...]]) -> Optional[List[str]]:
    return None if values is None else list(values)


def _as_tuple(values: Any) -> Optional[Tuple[str, ...]]:
    return None if values is None else tuple(str(v) for v in values)
