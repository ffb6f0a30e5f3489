"""The options every engine accepts, parsed without pydantic when they leave no doubt.

`plain_options` accepts only values that EngineOptions (options.py) certainly accepts unchanged or
converts the same way (exact types, no coercion: an int timeout becomes a float as in the model);
anything else returns None and goes through the model, which converts it or words the error. So the
model stays the one definition of the options (tests/core/test_plain_options.py checks "accepted
here => the model gives the same values"); this only spares a plain run the pydantic import.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Mapping, Optional, Protocol, Tuple

from ..execution.job import DEFAULT_MAX_ITERATIONS

_NO = object()  # "leave it to the model"
_MAX_EXACT_INT = 2**53  # larger ints do not all convert to float exactly


class RunOptions(Protocol):
    """What the driver reads from parsed options: CoreOptions, or an EngineOptions model or subclass."""

    @property
    def max_iterations(self) -> int: ...

    @property
    def timeout(self) -> Optional[float]: ...

    @property
    def cancel_event(self) -> Any: ...

    @property
    def kill_timeout(self) -> Optional[float]: ...

    @property
    def stop_on_signals(self) -> bool: ...

    def locations(self) -> List[Tuple[str, str, Any]]: ...


@dataclass(frozen=True)
class CoreOptions:
    """The fields of EngineOptions with its defaults (see options.py for their meaning)."""

    max_iterations: int = DEFAULT_MAX_ITERATIONS
    timeout: Optional[float] = None
    cancel_event: Any = None
    kill_timeout: Optional[float] = 10.0
    stop_on_signals: bool = True

    def locations(self) -> List[Tuple[str, str, Any]]:
        """Nothing outside this process (as EngineOptions.locations)."""
        return []


def _iterations(value: Any) -> Any:
    return value if type(value) is int and value >= 1 else _NO


def _seconds(value: Any) -> Any:
    if value is None:
        return None
    if type(value) is int and 0 < value <= _MAX_EXACT_INT:
        return float(value)
    return value if type(value) is float and value > 0 else _NO  # nan and negatives: the model says why


def _event(value: Any) -> Any:
    return value if value is None or callable(getattr(value, "is_set", None)) else _NO


def _flag(value: Any) -> Any:
    return value if type(value) is bool else _NO


_FIELDS: Dict[str, Callable[[Any], Any]] = {
    "max_iterations": _iterations, "timeout": _seconds, "cancel_event": _event, "kill_timeout": _seconds,
    "stop_on_signals": _flag}


def plain_options(options: Mapping[str, Any]) -> Optional[CoreOptions]:
    """CoreOptions when every option is known and plain; None: let EngineOptions decide."""
    values: Dict[str, Any] = {}
    for name, value in options.items():
        check = _FIELDS.get(name)
        parsed = _NO if check is None else check(value)
        if parsed is _NO:
            return None
        values[name] = parsed
    return CoreOptions(**values)
