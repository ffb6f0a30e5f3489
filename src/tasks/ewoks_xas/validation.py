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


WINDOWS = ("hanning", "kaiser", "parzen", "welch", "gaussian", "sine")
"""larch FT windows (a window is named by its first three letters, as larch does)."""


def as_number(value: Any, input_name: str) -> float:
    """A finite float from a number or its text (``-p kmax=14`` arrives as "14")."""
    if isinstance(value, bool):
        raise XasInputError(f"input {input_name!r}: expected a number, got {value!r}")
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise XasInputError(f"input {input_name!r}: expected a number, got {value!r}") from None
    if not np.isfinite(out):
        raise XasInputError(f"input {input_name!r}: expected a finite number, got {value!r}")
    return out


def as_integer(value: Any, input_name: str) -> int:
    """An integer from an integer, an integral float or its text ("3", "3.0"); 3.5 is refused."""
    if isinstance(value, bool):
        raise XasInputError(f"input {input_name!r}: expected an integer, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise XasInputError(f"input {input_name!r}: expected an integer, got {value!r}") from None
    if not number.is_integer():
        raise XasInputError(f"input {input_name!r}: expected an integer, got {value!r}")
    return int(number)


def check_choice(value: Any, choices: Sequence[str], input_name: str) -> str:
    """``value`` when it is one of ``choices``, else an error listing them (with the nearest)."""
    if value not in choices:
        raise XasInputError(f"input {input_name!r}: {value!r} is not one of {list(choices)}."
                            f"{did_you_mean(str(value), choices)}")
    return str(value)


def check_window(window: Any) -> str:
    """A larch FT window name (its first three letters decide, any case)."""
    if str(window).strip().lower()[:3] not in {w[:3] for w in WINDOWS}:
        raise XasInputError(f"input 'window': {window!r} is not one of {list(WINDOWS)}."
                            f"{did_you_mean(str(window), WINDOWS)}")
    return str(window)


def check_rbkg(rbkg: float) -> float:
    """autobk's rbkg must be in (0, 5) Angstrom."""
    if not 0.0 < rbkg < 5.0:
        raise XasInputError(f"input 'rbkg': {rbkg} is outside (0, 5) Angstrom; typical values are 0.8-1.2")
    return rbkg


def check_k_range(kmin: float, kmax: float) -> None:
    """An FT k range needs 0 <= kmin < kmax."""
    if not 0 <= kmin < kmax:
        raise XasInputError(f"input 'kmin'/'kmax': need 0 <= kmin < kmax, got kmin={kmin}, kmax={kmax}")
