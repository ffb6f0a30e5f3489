"""Checks on spectra with clear messages that name the input, the source and the offending point."""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Sequence

import numpy as np

from ewoks_core.errors import did_you_mean


class XasInputError(ValueError):
    """Bad data given to an ewoks_xas task (the message names the input and what to do)."""


def _where(source: Optional[str]) -> str:
    return f" ({source})" if source else ""


def as_1d_float(values: Any, input_name: str, what: str, source: Optional[str] = None) -> np.ndarray:
    """``values`` as a 1-D float array, or a clear error."""
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as e:
        raise XasInputError(f"input {input_name!r}: {what} is not numeric{_where(source)}: {e}") from None
    if arr.ndim != 1:
        raise XasInputError(f"input {input_name!r}: {what} must be 1-D, got shape {arr.shape}{_where(source)}")
    return arr


def check_finite(values: np.ndarray, input_name: str, what: str, energy: Optional[np.ndarray] = None,
                 source: Optional[str] = None) -> None:
    """Refuse NaN/inf values, naming the first bad point."""
    bad = ~np.isfinite(values)
    if bad.any():
        idx = int(np.argmax(bad))
        at = f" (E={energy[idx]:.2f} eV)" if energy is not None and np.isfinite(energy[idx]) else ""
        raise XasInputError(
            f"input {input_name!r}: {what} has {int(bad.sum())} NaN/inf value(s), first at index {idx}{at}"
            f"{_where(source)}. Remove or mask those points before processing.")


def check_monotonic(energy: np.ndarray, input_name: str, source: Optional[str] = None, what: str = "energy") -> None:
    """Refuse energies that are not strictly increasing, naming the first offending point."""
    if energy.size < 2:
        raise XasInputError(f"input {input_name!r}: {what} has {energy.size} point(s){_where(source)}; "
                            "a spectrum needs many points")
    step = np.diff(energy)
    bad = step <= 0
    if bad.any():
        i = int(np.argmax(bad)) + 1
        kind = "repeated" if step[i - 1] == 0 else "not monotonic"
        raise XasInputError(
            f"input {input_name!r}: {what} {kind} at index {i} (E={energy[i]:.2f} after {energy[i - 1]:.2f})"
            f"{_where(source)}. Energies must be strictly increasing.")


def check_lengths(arrays: Mapping[str, np.ndarray], input_name: str, source: Optional[str] = None) -> None:
    """All arrays must have the same length."""
    sizes = {name: a.size for name, a in arrays.items()}
    if len(set(sizes.values())) > 1:
        detail = ", ".join(f"{n}: {s}" for n, s in sizes.items())
        raise XasInputError(f"input {input_name!r}: arrays have different lengths ({detail}){_where(source)}")


def spectrum_arrays(spectrum: Any, input_name: str, keys: Sequence[str] = ("energy", "mu")) -> Dict[str, np.ndarray]:
    """Checked 1-D float arrays ``keys`` of a spectrum dict (finite; energy strictly increasing)."""
    if not isinstance(spectrum, Mapping):
        raise XasInputError(f"input {input_name!r}: expected a spectrum dict with keys {list(keys)}, "
                            f"got {type(spectrum).__name__}")
    missing = [k for k in keys if k not in spectrum]
    if missing:
        raise XasInputError(f"input {input_name!r}: spectrum has no {missing[0]!r} "
                            f"(keys: {sorted(map(str, spectrum))}).{did_you_mean(missing[0], spectrum)}")
    source = spectrum.get("label") or None
    out = {k: as_1d_float(spectrum[k], input_name, k, source) for k in keys}
    check_lengths(out, input_name, source)
    ref = out.get("energy")
    for k, arr in out.items():
        check_finite(arr, input_name, k, ref, source)
    if ref is not None:
        check_monotonic(ref, input_name, source)
    return out


def optional_float(value: Any, input_name: str) -> Optional[float]:
    """An optional numeric input: None when not given (MISSING/None), else a finite float."""
    if value is None or not value and not isinstance(value, (int, float, np.number)):
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise XasInputError(f"input {input_name!r}: expected a number, got {value!r}") from None
    if not np.isfinite(out):
        raise XasInputError(f"input {input_name!r}: expected a finite number, got {value!r}")
    return out
