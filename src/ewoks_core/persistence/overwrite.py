"""Never replace a file that holds someone else's data (a raw scan given as output by mistake)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Union


def written_by(path: Union[str, Path], creator: str) -> bool:
    """True when `path` is an HDF5 file whose root attribute 'creator' is `creator`."""
    try:
        import h5py

        with h5py.File(path, "r") as f:
            value = f.attrs.get("creator")
    except (OSError, ValueError):
        return False
    if isinstance(value, bytes):
        value = value.decode(errors="replace")
    return value == creator


def check_replaceable(path: Union[str, Path], creator: str, input_name: str = "output_file") -> None:
    """Raise ValueError when `path` exists and was not written by `creator` (a previous result of
    the same program may be replaced; anything else, a raw scan above all, may not)."""
    if not os.path.lexists(path):
        return
    if os.path.isdir(path):
        raise ValueError(f"input {input_name!r}: {os.fspath(path)!r} is a folder; give a file name")
    if not written_by(path, creator):
        raise ValueError(f"input {input_name!r}: {os.fspath(path)!r} exists and was not written by {creator} "
                         "(it may hold raw data): choose another file name, or move that file away first")
