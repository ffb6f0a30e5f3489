"""Engine discovery through the `ewoks.engines` entry-point group (loaded on first use, not at import)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set

from ..errors import CapabilityError, EngineError, WorkflowCancelled, did_you_mean, name_list, node_label
from ..plugins import load, targets
from .base import Engine

ENTRY_POINT_GROUP = "ewoks.engines"
ALIASES = {None: "sequential", "": "sequential", "core": "sequential", "none": "sequential", "None": "sequential"}
# The core's own engine, also known when the package metadata is not installed (running from a source tree),
# and found without reading the entry points (~30 ms of importlib.metadata at every start); every other engine
# is an entry point of the group (pyproject.toml).
CORE_ENGINES = {"sequential": "ewoks_core.engines.sequential:SequentialEngine"}


@dataclass
class EngineInfo:
    """An engine known to this installation, loaded or not."""

    name: str
    target: str
    engine: Optional[Engine] = None
    error: Optional[str] = None
    capabilities: Set[str] = field(default_factory=set)
    description: str = ""


_ENGINES: Dict[str, EngineInfo] = {}


def _targets() -> Dict[str, str]:
    return targets(ENTRY_POINT_GROUP, CORE_ENGINES)


def _load(name: str, target: str) -> EngineInfo:
    """Import and instantiate one engine; a cancel that arrives while importing propagates (never an error)."""
    info = EngineInfo(name, target)
    try:
        cls = load(target)
        info.engine = cls()
        info.capabilities = set(cls.capabilities)
        info.description = cls.description
    except WorkflowCancelled:
        raise
    except ImportError as e:
        info.error = f"not installed ({e.name or e}): pip install 'ewoks_core[{name}]'"
    except Exception as e:
        info.error = f"failed to load: {type(e).__name__}: {e}"
    return info


def _remember(name: str, target: str) -> EngineInfo:
    """Load `name` once: a loaded engine or a missing package is remembered; any other failure is retried at the
    next use (a worker process must not be left unable to run jobs by one failure while importing)."""
    info = _ENGINES.get(name)
    if info is None:
        info = _load(name, target)
        if info.engine is not None or info.error is None or info.error.startswith("not installed"):
            _ENGINES[name] = info
    return info


def list_engines() -> List[EngineInfo]:
    """Every engine registered here, loaded (with capabilities) or with the reason it cannot load."""
    infos = {name: _remember(name, target) for name, target in _targets().items()}
    infos.update(_ENGINES)
    return [infos[name] for name in sorted(infos)]


def get_engine(name: Optional[str]) -> Engine:
    """The engine registered under `name` (None/'core' mean sequential)."""
    key = ALIASES[name] if name in ALIASES else str(name)  # None is an alias: str() only for mypy
    info = _ENGINES.get(key)
    if info is None and key in CORE_ENGINES:
        info = _remember(key, CORE_ENGINES[key])
    if info is None:
        targets = _targets()
        if key not in targets:
            raise EngineError(f"unknown engine {key!r}.{did_you_mean(key, targets)}",
                              hint=f"Installed engines: {', '.join(sorted(targets))}.")
        info = _remember(key, targets[key])
    if info.engine is None:
        raise EngineError(f"engine {key!r} {info.error}")
    return info.engine


def check_capabilities(engine: Engine, needs: Set[str], graph) -> None:
    """Refuse a graph that needs what the engine lacks, naming engines that can run it."""
    lacking = needs - set(engine.capabilities)
    if not lacking:
        return
    able = [info.name for info in list_engines() if info.engine is not None and needs <= info.capabilities]
    detail = ""
    if "cycles" in lacking:
        detail = f" (nodes {name_list(map(node_label, graph.cycle_example()))} form a cycle)"
    raise CapabilityError(
        f"engine {engine.name!r} cannot run this graph: it needs {', '.join(sorted(lacking))}{detail}",
        source=graph.source,
        hint=(f"Use engine {' or '.join(repr(a) for a in able)}." if able else "No installed engine can run it."))
