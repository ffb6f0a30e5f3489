"""Frames between a process and its event writer process (offload.py, writer_process.py): a 4-byte
big-endian length followed by that many bytes."""

from __future__ import annotations

import os
import struct
from typing import Optional

_LENGTH = struct.Struct(">I")
SEQ = struct.Struct(">Q")  # the sequence number at the start of a frame holding a batch
UNREADABLE = "unreadable"  # the answer to a frame the writer could not unpickle
RELEASE = "release"  # a frame holding (RELEASE,): the writer closes every file and database it has open


def send_frame(fd: int, payload: bytes) -> None:
    """Write one frame (blocks while the pipe is full; BrokenPipeError once the reader is gone)."""
    view = memoryview(_LENGTH.pack(len(payload)) + payload)
    while view:
        view = view[os.write(fd, view):]


def read_frame(fd: int) -> Optional[bytes]:
    """Read one frame (blocking); None at the end of the stream."""
    head = _read_exactly(fd, _LENGTH.size)
    if head is None:
        return None
    return _read_exactly(fd, _LENGTH.unpack(head)[0])


def _read_exactly(fd: int, size: int) -> Optional[bytes]:
    chunks = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)
