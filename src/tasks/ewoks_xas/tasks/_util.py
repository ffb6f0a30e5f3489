"""Helpers for reading optional task inputs."""

from __future__ import annotations

from typing import Any, Dict, Iterable

from ewoks_core.task import MISSING


def given(task: Any, names: Iterable[str]) -> Dict[str, Any]:
    """The inputs among ``names`` that have a value (neither MISSING nor None), as a dict."""
    out = {}
    for name in names:
        value = task.get_input_value(name, MISSING)
        if value is not MISSING and value is not None:
            out[name] = value
    return out


def options(task: Any, floats: Iterable[str] = (), ints: Iterable[str] = (),
            strs: Iterable[str] = ()) -> Dict[str, Any]:
    """The given inputs among ``floats``/``ints``/``strs``, converted (``-p kmax=14`` may arrive as text)."""
    from ..validation import XasInputError, optional_float

    out: Dict[str, Any] = {name: optional_float(v, name) for name, v in given(task, floats).items()}
    for name, value in given(task, ints).items():
        try:
            out[name] = int(value)
        except (TypeError, ValueError):
            raise XasInputError(f"input {name!r}: expected an integer, got {value!r}") from None
    out.update({name: str(value) for name, value in given(task, strs).items()})
    return out
