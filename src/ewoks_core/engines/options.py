"""EngineOptions: the pydantic model of the options every engine accepts; engines subclass it.

Importing pydantic costs more than a one-node run, so the core imports this module only when it is
needed: an engine with its own Options, or options that the plain parser (plain_options.py) leaves
to the model (unknown names, values to convert, invalid values: the model words the error).
"""

from __future__ import annotations

from typing import Any, List, Optional, Tuple

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..execution.job import DEFAULT_MAX_ITERATIONS


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
