"""What running a node produced, in a form that crosses process boundaries."""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from typing import Any, Dict, Optional

from ..errors import RemoteTaskError


@dataclass
class NodeRun:
    """A node ready to run with its assembled inputs."""

    node_id: Any
    inputs: Dict[Any, Any]
    run_index: int = 0
    input_uris: Optional[Dict[str, Any]] = None
    start_mark: Optional[str] = None  # see execution.startmarks (local process pools, events on)


@dataclass
class NodeOutcome:
    """Outputs of a successful run, or the error of a failed one."""

    outputs: Optional[Dict[str, Any]] = None
    error: Optional[BaseException] = None
    error_traceback: Optional[str] = None
    task_uri: Optional[str] = None
    output_uris: Optional[Dict[str, Any]] = None
    cached: bool = False
    extra: Dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.error is not None

    @classmethod
    def from_exception(cls, error: BaseException) -> "NodeOutcome":
        return cls(error=error, error_traceback="".join(traceback.format_exception(error)))

    def __getstate__(self) -> dict:
        # Exceptions that do not pickle (or unpickle) are replaced by a stand-in with the same type name and text.
        state = dict(self.__dict__)
        error = state.get("error")
        if error is not None:
            import pickle  # only when an outcome with an error crosses a process boundary

            try:
                pickle.loads(pickle.dumps(error))
            except Exception:
                state["error"] = RemoteTaskError(type(error).__name__, str(error), state.get("error_traceback") or "")
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
