"""The engine interface: an engine schedules node runs of a JobState and calls run_node for each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Dict, FrozenSet, List, Optional, Tuple, Type

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..errors import EngineError, did_you_mean
from ..execution import JobState, NodeOutcome, NodeRun, RunContext, run_node
from ..execution.job import DEFAULT_MAX_ITERATIONS
from ..graph.compiled import CompiledGraph

ALL_CAPABILITIES = ("dag", "conditions", "on_error", "cycles", "parallel", "distributed", "gui")


class EngineOptions(BaseModel):
    """Options every engine accepts (the driver applies them). Engines subclass this with their own fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_iterations: int = Field(DEFAULT_MAX_ITERATIONS, ge=1, description="Maximal runs of one node (bounds loops).")
    timeout: Optional[float] = Field(None, gt=0, description="Cancel the workflow after this many seconds.")
    cancel_event: Optional[Any] = Field(
        None, description="An object with is_set() (e.g. threading.Event): setting it cancels the workflow.")
    kill_timeout: Optional[float] = Field(
        10.0, gt=0, description="After a stop, running tasks get this many seconds to return; then they are "
        "abandoned and reported lost, and worker processes are terminated (None: wait for them). A second "
        "Ctrl-C or SIGTERM does it at once.")
    stop_on_signals: bool = Field(
        True, description="SIGTERM stops the workflow cleanly (WorkflowCancelled) when it runs in the main thread "
        "and the application has no SIGTERM handler of its own.")

    @field_validator("cancel_event")
    @classmethod
    def _has_is_set(cls, value: Any) -> Any:
        if value is not None and not callable(getattr(value, "is_set", None)):
            raise ValueError("must have an is_set() method, e.g. a threading.Event")
        return value

    def locations(self) -> List[Tuple[str, str, Any]]:
        """(option, kind, value) of what these options name outside this process, for the execution policy
        of a worker (ewoks_core.policy): kind "address" (a server the engine connects to), "path" (a file it
        writes) or "settings" (arguments of a library it starts, which cannot be checked). None here."""
        return []


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
    """Base class of engines. Subclasses set name, capabilities, Options and implement run()."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    capabilities: ClassVar[FrozenSet[str]] = frozenset()
    Options: ClassVar[Type[EngineOptions]] = EngineOptions

    def parse_options(self, options: Dict[str, Any]) -> EngineOptions:
        """Parse engine options once at the API boundary into the engine's typed Options."""
        try:
            return self.Options(**options)
        except ValidationError as e:
            err = e.errors()[0]
            name = ".".join(map(str, err["loc"]))
            if err["type"] == "extra_forbidden":
                known = list(self.Options.model_fields)
                raise EngineError(f"engine {self.name!r} has no option {name!r}.{did_you_mean(name, known)}",
                                  field=name, hint=f"Options: {', '.join(known)}.") from None
            if not name:  # a check across options (model validator): its message names them
                raise EngineError(f"engine {self.name!r}: {err['msg']}", field="options") from None
            raise EngineError(f"engine {self.name!r}: invalid option {name!r}: {err['msg']}", field=name) from None

    def run(self, job: Job, options: EngineOptions) -> None:
        """Drive job.state until done (or failed); must not raise for task errors."""
        raise NotImplementedError
