"""Files named by the user (workflow files, event files): read only what can be one.

A folder, a device, a FIFO (reading it blocks forever), a socket, a kernel pseudo-file under
/proc or /sys (its size says 0, reading it may never end or fail with EIO), a file we may not
read: each is one EwoksError naming the path, before anything reads it.
"""

from __future__ import annotations

import os
import stat
from typing import Type

from .errors import EwoksError

PSEUDO_FILE_SYSTEMS = ("/proc", "/sys")


def check_input_file(path: str, what: str, error: Type[EwoksError] = EwoksError) -> os.stat_result:
    """The stat of `path` when it is a regular file this process may read, else `error` naming it."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise error("file not found", source=path) from None
    except OSError as e:
        raise error(f"cannot be read: {e.strerror or e}", source=path) from None
    except ValueError as e:  # a NUL character or a lone surrogate
        raise error(f"is not a valid file name: {e}", source=repr(path)) from None
    if stat.S_ISDIR(info.st_mode):
        raise error(f"is a folder, not {what}", source=path, hint="Give the file inside it.")
    if not stat.S_ISREG(info.st_mode):
        raise error(f"is not a regular file (a device, FIFO or socket), not {what}", source=path)
    real = os.path.realpath(path)
    if any(real == root or real.startswith(root + os.sep) for root in PSEUDO_FILE_SYSTEMS):
        raise error(f"is a file of the kernel's {real.split(os.sep)[1]} file system, not {what}", source=path)
    if not os.access(path, os.R_OK):
        raise error("cannot be read: permission denied", source=path)
    return info


def read_bytes(path: str, limit: int, what: str, error: Type[EwoksError] = EwoksError) -> bytes:
    """The content of a checked file, at most `limit` bytes (a larger file is `error`)."""
    check_input_file(path, what, error)
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError as e:
        raise error(f"cannot be read: {e.strerror or e}", source=path) from None
    if len(data) > limit:
        raise error(f"file is larger than the {limit / 2**20:g} MiB limit of {what}", source=path,
                    hint="Store large data outside the workflow and pass a path or URI.")
    return data
