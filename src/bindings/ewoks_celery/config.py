"""The one configuration of clients and workers, parsed once into a frozen `CeleryConfig`.

Sources, later ones winning: built-in defaults (embedded mode: nothing to start),
the file named by $EWOKS_CELERY_CONFIG (YAML, or Python defining the same names
as module variables), an explicit file, then explicit overrides (CLI flags).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import runpy
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Dict, Mapping, Tuple, Union

from ewoks_core.errors import EwoksError, did_you_mean
from ewoks_core.policy import ExecutionPolicy
from ewoks_core.redact import mask_secrets

ENV_VAR = "EWOKS_CELERY_CONFIG"
DATA_DIR_ENV_VAR = "EWOKS_DATA_DIR"
# Task libraries of this repository; workers add their own with --allow or `allowed_tasks`.
DEFAULT_ALLOWED = ("ewoks_core.testing", "ewoks_xrpd", "ewoks_xas")
EMBEDDED_TRANSPORT = "ewoksfs"
TASK_NAME = "ewoks.execute_graph"  # the Celery task that runs one job (runner.py)
ITEM_NAME = "ewoks.item"  # the Celery task that runs one node run of a stream item (items.py)
STREAM_ITEMS = ("tasks", "inline")
PING_NAME = "ewoks.ping"
_REDIS = ("redis://", "rediss://", "unix://")


@dataclass(frozen=True)
class CeleryConfig:
    """Broker, result store, events and worker policy. Empty URLs mean "embedded" (files in data_dir)."""

    broker: str = ""  # "" embedded filesystem broker | redis://... | amqp://...
    results: str = ""  # "" embedded SQLite file | redis://... | sqlite:///path.db
    events: str = ""  # "" derived (Redis when results are in Redis, else SQLite file) | redis:// | path.db | path.jsonl
    data_dir: str = ""  # "" per-user folder (see default_data_dir)
    queue: str = "ewoks"
    allowed_tasks: Tuple[str, ...] = DEFAULT_ALLOWED  # module prefixes a worker may import; "*" allows all
    allow_scripts: bool = False  # task_type "script" runs arbitrary programs
    allowed_paths: Tuple[str, ...] = ()  # folders jobs may write into: result roots, event files, task outputs
    allowed_schedulers: Tuple[str, ...] = ()  # dask scheduler addresses (tcp://host:port) jobs may use
    polling_interval: float = 0.01  # embedded broker and SQLite result store poll at this interval (s)
    visibility_timeout: float = 3600.0  # Redis: an unacknowledged message is redelivered after this (s)
    heartbeat_interval: float = 1.0  # a worker's main process proves its running jobs alive this often (s)
    lost_after: float = 4.0  # a running job without heartbeat for this long is failed (worker lost)
    # stream items of jobs on the default engine: "tasks" (item tasks on the job's queue) | "inline" (in the job)
    stream_items: str = "tasks"
    result_expires: float = 7 * 24 * 3600.0  # results, job records and events are kept this long (s)
    celery: Tuple[Tuple[str, str], ...] = ()  # extra Celery settings (name, JSON text of the value): hashable
    source: str = field(default="defaults", compare=False)  # where the configuration came from

    def __repr__(self) -> str:  # printed in logs and tracebacks: no password
        values = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in dataclasses.fields(self))
        return mask_secrets(f"CeleryConfig({values})")

    # --- derived values
    @cached_property  # the configuration is frozen; paths are resolved once
    def root(self) -> Path:
        """The data folder, absolute (created on demand by the users of the embedded stores)."""
        return (Path(self.data_dir).expanduser() if self.data_dir else default_data_dir()).resolve()

    @property
    def embedded_broker(self) -> bool:
        return not self.broker

    @property
    def broker_url(self) -> str:
        return self.broker or f"{EMBEDDED_TRANSPORT}://localhost//"

    @property
    def broker_folders(self) -> Dict[str, Path]:
        base = self.root / "broker"
        return {"queue": base / "queue", "control": base / "control"}

    @cached_property
    def results_url(self) -> str:
        """redis://... or sqlite:///absolute/path.db."""
        if not self.results:
            return "sqlite://" + str((self.root / "results.db").resolve())
        if self.results.lower().endswith((".db", ".sqlite", ".sqlite3")) and "://" not in self.results:
            return "sqlite://" + str(Path(self.results).expanduser().resolve())
        return self.results

    @property
    def results_in_redis(self) -> bool:
        return self.results_url.startswith(_REDIS)

    @property
    def sqlite_results_path(self) -> Path:
        url = self.results_url
        if not url.startswith("sqlite://"):
            raise EwoksError(f"result store {url!r} is not an SQLite file")
        return Path(url[len("sqlite://"):]).expanduser().resolve()

    @cached_property
    def events_source(self) -> str:
        """Where workers write events and clients read them: a redis:// URL or a file path."""
        if self.events:
            return self.events
        if self.results_in_redis:
            return self.results_url
        return str(self.root / "events.db")

    @property
    def events_handler(self) -> dict:
        """The execinfo handler of events_source."""
        source = self.events_source
        if source.startswith(_REDIS):
            return {"class": "redis", "arguments": [{"name": "url", "value": source}]}
        if source.lower().endswith((".jsonl", ".ndjson")):
            return {"class": "jsonl", "arguments": [{"name": "path", "value": source}]}
        return {"class": "sqlite", "arguments": [{"name": "uri", "value": source}]}

    @cached_property
    def policy(self) -> ExecutionPolicy:
        """What the jobs a worker runs may reach: allowed_paths (and its own event file), its own event store
        when it is a server, allowed_schedulers."""
        source = self.events_source
        is_url = source.startswith(_REDIS)
        return ExecutionPolicy.confined(write_roots=list(self.allowed_paths) + ([] if is_url else [source]),
                                        event_urls=[source] if is_url else [],
                                        schedulers=self.allowed_schedulers, owner="this worker", hint=POLICY_HINT)

    @property
    def celery_options(self) -> Dict[str, Any]:
        """The extra Celery settings."""
        return {name: json.loads(value) for name, value in self.celery}

    def with_overrides(self, **overrides: Any) -> "CeleryConfig":
        """A copy with the non-None overrides applied (validated like file values)."""
        values = {k: v for k, v in overrides.items() if v is not None}
        if not values:
            return self
        parsed = _parse(values, "command line")
        return dataclasses.replace(self, **parsed, source=f"{self.source} + command line")


def default_data_dir() -> Path:
    """$EWOKS_DATA_DIR, else $XDG_DATA_HOME/ewoks, else ~/.local/share/ewoks; with a 'celery' sub-folder."""
    if os.environ.get(DATA_DIR_ENV_VAR):
        return Path(os.environ[DATA_DIR_ENV_VAR]).expanduser() / "celery"
    xdg = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(xdg) / "ewoks" / "celery"


_FIELDS = {f.name: f for f in dataclasses.fields(CeleryConfig) if f.name != "source"}
_ALIASES = {"broker_url": "broker", "result_backend": "results", "result_url": "results", "events_url": "events",
            "allowed": "allowed_tasks", "allow": "allowed_tasks", "allow_path": "allowed_paths",
            "allow_scheduler": "allowed_schedulers"}
_LISTS = ("allowed_tasks", "allowed_paths", "allowed_schedulers")
POLICY_HINT = ("The worker's configuration says what jobs may use: allowed_paths, allowed_schedulers "
               "(ewoks worker --allow-path DIR --allow-scheduler ADDRESS).")


def _parse(values: Mapping[str, Any], source: str) -> Dict[str, Any]:
    """Check names and types of raw values; return CeleryConfig keyword arguments."""
    parsed: Dict[str, Any] = {}
    for raw_name, value in values.items():
        name = _ALIASES.get(raw_name, raw_name)
        if name not in _FIELDS:
            raise EwoksError(f"unknown setting {raw_name!r}.{did_you_mean(raw_name, _FIELDS)}", source=source,
                             hint=f"Settings: {', '.join(_FIELDS)}.")
        default = _FIELDS[name].default
        try:
            if name in _LISTS:
                value = (value,) if isinstance(value, str) else tuple(str(v) for v in value)
            elif name == "celery":
                value = tuple(sorted((str(k), json.dumps(v, sort_keys=True)) for k, v in dict(value).items()))
            elif isinstance(default, bool):
                value = value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes", "on")
            elif isinstance(default, float):
                value = float(value)
                if value <= 0:
                    raise ValueError("must be > 0")
            elif value is None:
                value = ""
            else:
                value = str(value)
        except (TypeError, ValueError) as e:
            raise EwoksError(f"invalid value {value!r} for {raw_name!r}: {e}", source=source) from None
        parsed[name] = value
    if parsed.get("stream_items", "tasks") not in STREAM_ITEMS:
        raise EwoksError(f"invalid value {parsed['stream_items']!r} for 'stream_items'", source=source,
                         field="stream_items", hint=f"Use one of: {', '.join(STREAM_ITEMS)}.")
    if "lost_after" in parsed or "heartbeat_interval" in parsed:
        beat = parsed.get("heartbeat_interval", _FIELDS["heartbeat_interval"].default)
        lost = parsed.get("lost_after", _FIELDS["lost_after"].default)
        if lost < 2 * beat:
            raise EwoksError(f"lost_after ({lost} s) must be at least twice heartbeat_interval ({beat} s)",
                             source=source)
    return parsed


def read_config_file(path: Union[str, os.PathLike]) -> Dict[str, Any]:
    """Raw settings of a YAML or Python configuration file."""
    path = Path(path)
    if not path.is_file():
        raise EwoksError("configuration file not found", source=str(path),
                         hint=f"Check ${ENV_VAR} or --config.")
    if path.suffix == ".py":
        namespace = runpy.run_path(str(path))
        return {k: v for k, v in namespace.items() if k in _FIELDS or k in _ALIASES}
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise EwoksError(f"invalid YAML: {e}", source=str(path)) from None
    if not isinstance(data, dict):
        raise EwoksError("a configuration file holds a mapping of settings", source=str(path))
    return data.get("ewoks_celery", data) if isinstance(data.get("ewoks_celery"), dict) else data


def load_config(path: Union[str, os.PathLike, None] = None, **overrides: Any) -> CeleryConfig:
    """Defaults, then $EWOKS_CELERY_CONFIG (or `path`), then non-None `overrides`."""
    source = path or os.environ.get(ENV_VAR) or None
    config = CeleryConfig()
    if source:
        config = CeleryConfig(**_parse(read_config_file(source), str(source)), source=str(source))
    return _resolved(config.with_overrides(**overrides))


def _resolved(config: CeleryConfig) -> CeleryConfig:
    """The data folder resolved now (the environment may change later)."""
    if config.data_dir:
        return config
    return dataclasses.replace(config, data_dir=str(default_data_dir()))


def as_config(config: Any = None) -> CeleryConfig:
    """A CeleryConfig from None (load_config()), a path, a mapping or a CeleryConfig."""
    if isinstance(config, CeleryConfig):
        return config
    if config is None:
        return load_config()
    if isinstance(config, Mapping):
        return _resolved(CeleryConfig(**_parse(config, "config argument"), source="config argument"))
    return load_config(config)


def mask_password(url: object) -> str:
    """A URL (or any text) with its passwords replaced by ***, for logs and banners (ewoks_core.redact)."""
    return mask_secrets(url)


# --- command-line options (shared by `ewoks worker|submit|...` and `python -m ewoks_celery.worker`)
def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    """--config/--broker/--results/--events/--data-dir, shared by every sub-command."""
    group = parser.add_argument_group("configuration (default: $EWOKS_CELERY_CONFIG, else embedded files)")
    group.add_argument("--config", default=None, metavar="FILE", help="YAML or Python configuration file")
    group.add_argument("--broker", default=None, metavar="URL", help="broker URL (redis://, amqp://)")
    group.add_argument("--results", default=None, metavar="URL", help="result store (redis:// or sqlite:///file)")
    group.add_argument("--events", default=None, metavar="URL", help="event store (redis:// URL or .db/.jsonl file)")
    group.add_argument("--data-dir", default=None, metavar="DIR", help="folder of the embedded broker and stores")


def config_from_args(args: argparse.Namespace) -> CeleryConfig:
    """The configuration selected by the command-line options."""
    return load_config(args.config, broker=args.broker, results=args.results, events=args.events,
                       data_dir=args.data_dir)
