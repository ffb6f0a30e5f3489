"""One rule for every writer of this repository: replace only what this library wrote, delete nothing else.

Each writer marks its files with its name (the *creator*) in a place that belongs to the
format, and a file is recognised by that mark, never by its name:

- HDF5: the root attribute ``creator`` (NeXus' own ``NXroot@creator``);
- PNG: a ``tEXt`` chunk ``creator`` (``fig.savefig(..., metadata=png_metadata(creator))``);
- text formats (JSON, ``.xy``, ``.poni``, ``.dat``, the EDF header): a line ``creator: <name>``
  (``# creator: <name>``, ``"creator": "<name>"``, ``creator = <name> ;``) within the first lines;
- an empty file holds nothing to lose and may be replaced.

`prepare_output` is what a writer calls before writing: it applies the execution policy
of this process (a worker confines where submitted jobs may write; see ewoks_core.policy)
and refuses to replace a file some other program wrote.
"""

from __future__ import annotations

import os
import re
from typing import Dict, Optional, Union

PathLike = Union[str, "os.PathLike[str]"]

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
HEAD_BYTES = 4096  # text markers are looked for in the first lines only
HEAD_LINES = 40
_TEXT_MARKER = re.compile(rb'^[ \t#{;"\']*creator["\']?[ \t]*[:=][ \t]*["\']?([A-Za-z0-9_.+-]+)')
# JSON results written before the "creator" key existed start with their format name
_LEGACY_JSON = re.compile(rb'^\s*\{\s*"format"\s*:\s*"ewoks_core\.result"')


def text_marker(creator: str) -> str:
    """The header line text writers put in their text files (add the format's comment character)."""
    return f"creator: {creator}"


def png_metadata(creator: str) -> Dict[str, str]:
    """PNG text chunks of a figure written by `creator` (matplotlib's `savefig(metadata=...)`)."""
    return {"creator": creator}


def creator_of(path: PathLike) -> Optional[str]:
    """The creator recorded in a file, or None (no mark, unreadable, not a regular file)."""
    try:
        with open(path, "rb") as f:
            head = f.read(HEAD_BYTES)
    except OSError:
        return None
    if head.startswith(HDF5_SIGNATURE):
        return _hdf5_creator(path, head)
    if head.startswith(PNG_SIGNATURE):
        return _png_creator(path)
    if _LEGACY_JSON.match(head):
        return "ewoks_core"
    text = head.partition(b"\x00")[0]  # the text header of a binary format (EDF) ends at the data
    for line in text.splitlines()[:HEAD_LINES]:
        match = _TEXT_MARKER.match(line)
        if match:
            return match.group(1).decode("ascii")
    return None


def written_by(path: PathLike, creator: str) -> bool:
    """True when the file at `path` carries the mark of `creator`."""
    return creator_of(path) == creator


def replaceable(path: PathLike, creator: str) -> bool:
    """True when writing `path` loses nothing of others: no file there, an empty file, or one `creator` wrote."""
    if not os.path.lexists(path):
        return True
    if os.path.islink(path) or not os.path.isfile(path):
        return False
    return os.path.getsize(path) == 0 or written_by(path, creator)


def check_replaceable(path: PathLike, creator: str, input_name: str = "output_file") -> None:
    """Raise ValueError when `path` exists and was not written by `creator` (a previous result of
    the same program may be replaced; anything else, a raw scan above all, may not)."""
    if not os.path.lexists(path):
        return
    if os.path.isdir(path):
        raise ValueError(f"input {input_name!r}: {os.fspath(path)!r} is a folder; give a file name")
    if not replaceable(path, creator):
        raise ValueError(f"input {input_name!r}: {os.fspath(path)!r} exists and was not written by {creator} "
                         "(it may hold raw data): choose another file name, or move that file away first")


def check_output_folder(path: PathLike, input_name: str = "output_folder") -> None:
    """Raise ValueError when `path` exists and is not a folder."""
    if os.path.lexists(path) and not os.path.isdir(path):
        raise ValueError(f"input {input_name!r}: {os.fspath(path)!r} is a file; give a folder")


def _hdf5_creator(path: PathLike, head: bytes) -> Optional[str]:
    try:
        import h5py

        with h5py.File(path, "r") as f:
            value = f.attrs.get("creator")
    except (OSError, ValueError):
        # An unreadable HDF5 file (truncated by a crash): its root attributes sit in the first
        # blocks, so a file this library wrote still shows its name there.
        return _raw_attribute(head)
    if isinstance(value, bytes):
        value = value.decode(errors="replace")
    return value if isinstance(value, str) else None


def _raw_attribute(head: bytes) -> Optional[str]:
    """The creator of an unreadable HDF5 file written by a library of this repository (h5py keeps the
    attribute name in the root object header and its string value in a heap a few blocks later)."""
    if b"creator" not in head:
        return None
    match = re.search(rb"\x00(ewoks_[A-Za-z0-9_.]+)\x00", head)
    return match.group(1).decode("ascii") if match else None


def _png_creator(path: PathLike) -> Optional[str]:
    """The `creator` tEXt chunk of a PNG (chunks before the image data only)."""
    try:
        with open(path, "rb") as f:
            f.seek(len(PNG_SIGNATURE))
            while True:
                header = f.read(8)
                if len(header) < 8:
                    return None
                length, kind = int.from_bytes(header[:4], "big"), header[4:]
                if kind in (b"IDAT", b"IEND") or length > 1 << 20:
                    return None
                data = f.read(length)
                f.seek(4, os.SEEK_CUR)  # CRC
                if kind == b"tEXt":
                    key, _, value = data.partition(b"\x00")
                    if key == b"creator":
                        return value.decode("latin-1")
    except OSError:
        return None
