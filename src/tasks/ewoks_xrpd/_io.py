"""Outputs of ewoks_xrpd: atomic (complete or absent), usual permissions, never over a file it did not write.

Every writer calls `prepare_output(path, input_name)` first: on a worker it refuses paths outside
the folders the worker allows, and everywhere it refuses to replace a file that ewoks_xrpd did not
write (see ewoks_core.outputs), then writes through `atomic_path`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Union

from ewoks_core.outputs import prepare_folder
from ewoks_core.outputs import prepare_output as _prepare_output
from ewoks_core.persistence.atomic import atomic_shared_path as atomic_path

CREATOR = "ewoks_xrpd"
DEMO_CREATOR = "ewoks_xrpd.demo_data"

__all__ = ["atomic_path", "prepare_output", "prepare_folder", "CREATOR", "DEMO_CREATOR"]


def prepare_output(path: Union[str, Path], input_name: str = "output_file", creator: str = CREATOR) -> Path:
    """Check a file about to be written (confinement on workers, then ownership); ValueError when refused."""
    return _prepare_output(path, creator, input_name)
