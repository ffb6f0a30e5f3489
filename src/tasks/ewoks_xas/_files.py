"""Small file helpers shared by the writers: confinement and ownership checks, atomic replace.

`prepare_output(path)` is called before writing: on a worker it refuses paths outside the folders
the worker allows, and it never lets a writer replace a file that ewoks_xas did not write (see
ewoks_core.outputs). `atomic_output(path)` then writes a temporary file and renames
it (mode 0666 & ~umask), so a reader never sees a partial file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Union

from ewoks_core.outputs import prepare_output as _prepare_output
from ewoks_core.persistence.atomic import atomic_shared_path as atomic_output

from .validation import XasInputError

CREATOR = "ewoks_xas"
DEMO_CREATOR = "ewoks_xas.demo_data"

__all__ = ["atomic_output", "prepare_output", "CREATOR", "DEMO_CREATOR"]


def prepare_output(path: Union[str, Path], input_name: str = "output_file", creator: str = CREATOR) -> Path:
    """Check a file about to be written; XasInputError (naming the input) when it is refused."""
    try:
        return _prepare_output(path, creator, input_name)
    except ValueError as e:
        raise XasInputError(str(e)) from None
