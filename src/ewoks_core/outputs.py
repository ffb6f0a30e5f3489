"""Files that tasks write: confined by the execution policy of the process, never over a file of someone else.

Task libraries call `prepare_output(path, creator)` before writing a file and `prepare_folder(path)`
before writing into a folder (then write through ewoks_core.persistence.atomic). Kept apart from
ewoks_core.persistence so that persistence does not import the policy (which imports persistence).
"""

from __future__ import annotations

from pathlib import Path

from .persistence.overwrite import PathLike, check_output_folder, check_replaceable
from .policy import current_policy

__all__ = ["check_confined", "prepare_output", "prepare_folder"]


def check_confined(path: PathLike, input_name: str = "output_file") -> Path:
    """The resolved `path`; raises when the execution policy of this process does not let jobs write there."""
    return current_policy().check_write(path, input_name)


def prepare_output(path: PathLike, creator: str, input_name: str = "output_file") -> Path:
    """Check a file a task is about to write (policy, then ownership); returns `path` as a Path."""
    check_confined(path, input_name)
    check_replaceable(path, creator, input_name)
    return Path(path)


def prepare_folder(path: PathLike, input_name: str = "output_folder") -> Path:
    """Check a folder files are about to be written into (it may exist and hold other files)."""
    check_confined(path, input_name)
    check_output_folder(path, input_name)
    return Path(path)
