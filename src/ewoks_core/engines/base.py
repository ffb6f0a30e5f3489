"""The engine interface: an engine schedules node runs of a JobState and calls run_node for each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Dict, FrozenSet, Optional, Type

from ..errors import EngineError, did_you_mean
from ..execution import JobState, NodeOutcome, NodeRun, RunContext, run_node
from ..graph.compiled import CompiledGraph
from .plain_options import RunOptions, plain_options

if TYPE_CHECKING:
    from .options import EngineOptions

ALL_CAPABILITIES = ("dag", "conditions", "on_error", "cycles", "parallel", "distributed", "gui")


def __getattr__(name: str) -> Any:
    """`from ewoks_core.engines.base import EngineOptions` imports pydantic only when it is asked for."""
    if name == "EngineOptions":
        return _core_model()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _core_model() -> Type["EngineOptions"]:
    from .options import EngineOptions

    return EngineOptions


@dataclass
class Job:
    """One execution: the graph, its scheduling state and run context (what engines drive)."""

    graph: CompiledGraph
    state: JobState
    ctx: RunContext

    def run_local(self, run: NodeRun) -> NodeOutcome:
        """Run a node in this process (thread-safe)."""
        return run_node(self.graph.nodes[run.node_id], run, self.ctx)


class Engine:
    """Base class of engines. Subclasses set name, capabilities, Options (a subclass of EngineOptions;
    None: EngineOptions, the options every engine accepts) and implement run()."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    capabilities: ClassVar[FrozenSet[str]] = frozenset()
    Options: ClassVar[Optional[Type["EngineOptions"]]] = None

    def parse_options(self, options: Dict[str, Any]) -> RunOptions:
        """Parse engine options once at the API boundary into the engine's typed Options (plain options of an
        engine without Options of its own: a CoreOptions, with no pydantic import)."""
        model = self.Options
        if model is None:
            plain = plain_options(options)
            if plain is not None:
                return plain
            model = _core_model()
        from pydantic import ValidationError

        try:
            return model(**options)
        except ValidationError as e:
            err = e.errors()[0]
            name = ".".join(map(str, err["loc"]))
            if err["type"] == "extra_forbidden":
                known = list(model.model_fields)
                raise EngineError(f"engine {self.name!r} has no option {name!r}.{did_you_mean(name, known)}",
                                  field=name, hint=f"Options: {', '.join(known)}.") from None
            if not name:  # a check across options (model validator): its message names them
                raise EngineError(f"engine {self.name!r}: {err['msg']}", field="options") from None
            raise EngineError(f"engine {self.name!r}: invalid option {name!r}: {err['msg']}", field=name) from None

    def run(self, job: Job, options: RunOptions) -> None:
        """Drive job.state until done (or failed); must not raise for task errors."""
        raise NotImplementedError
