"""WAL checkpoints of the SQLite sinks' databases, run by the flusher thread instead of a job's thread.

SQLite checkpoints a database in WAL mode (copies the pages of the write-ahead log into the database
file and syncs both files) in the connection whose commit finds more than `wal_autocheckpoint` (1000)
pages in the log. With that default, about one 1,000-node job in eight paid ~10-25 ms at one of its
commits, often its last one, on the job's own thread. The sinks' write connections raise that limit
to SAFETY_FRAMES and count the pages they add (estimated from rows and commits); from
CHECKPOINT_FRAMES on, the flusher thread runs a PASSIVE checkpoint (what SQLite's automatic one is)
on a connection of its own, which does not hold up the writing connection. A PASSIVE checkpoint copies
the whole log, whoever wrote it; SAFETY_FRAMES bounds the log when this process writes too little to
checkpoint (other processes writing, a reader keeping the database open). The WAL-index (the "-shm"
file) is not read here: a descriptor closed on it would release SQLite's POSIX locks of this process.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from typing import Callable, List, Optional, Set

from ._buffered import run_in_background, wake_flusher

logger = logging.getLogger("ewoks_core.events")

CHECKPOINT_FRAMES = 1000  # SQLite's default wal_autocheckpoint
SAFETY_FRAMES = 10_000  # wal_autocheckpoint of the write connections (~40 MB of log with 4 KiB pages)
ROWS_PER_FRAME = 20  # measured: ~95 frames per 2,000-row commit of node events, 3 per commit of 2 rows
FRAMES_PER_COMMIT = 3


class WalWatch:
    """Pages one write connection added to the log since its last checkpoint, and the connection that
    checkpoints the database (used by the flusher thread only)."""

    def __init__(self, connect: Callable[[], sqlite3.Connection]) -> None:
        self.frames = 0
        self._connect = connect
        self._lock = threading.Lock()
        self._conn: Optional[sqlite3.Connection] = None
        self._closed = False

    def committed(self, rows: int) -> bool:
        """Count a commit of `rows` rows; True when a checkpoint is due (the count starts again)."""
        self.frames += rows // ROWS_PER_FRAME + FRAMES_PER_COMMIT
        if self.frames < CHECKPOINT_FRAMES:
            return False
        self.frames = 0
        return True

    def checkpoint(self) -> None:
        """A PASSIVE checkpoint: copies what no reader still needs, never waits for readers or writers."""
        with self._lock:
            if self._closed:
                return
            if self._conn is None:
                self._conn = self._connect()
            try:
                self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.Error:
                self._conn.close()
                self._conn = None
                raise

    def close(self) -> None:
        with self._lock:
            self._closed = True
            conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def forget(self) -> List[sqlite3.Connection]:
        """In a forked child: the parent's connection, never to be closed here."""
        self._closed = True
        conn, self._conn = self._conn, None
        return [conn] if conn is not None else []


def open_watch(conn: sqlite3.Connection, journal_mode: str,
               connect: Callable[[], sqlite3.Connection]) -> Optional[WalWatch]:
    """Checkpoints of a database in WAL mode in the flusher thread: `conn` checkpoints by itself only past
    SAFETY_FRAMES (None: not in WAL mode, nothing to checkpoint)."""
    if journal_mode.lower() != "wal":
        return None
    conn.execute(f"PRAGMA wal_autocheckpoint = {SAFETY_FRAMES}")
    run_in_background(run_due_checkpoints)  # once: registered when the first database needs it, not at import
    return WalWatch(connect)


_DUE: Set[WalWatch] = set()
_DUE_LOCK = threading.Lock()


def after_commit(watch: WalWatch, rows: int) -> None:
    """Called after each commit of a write connection: ask the flusher for a checkpoint when one is due."""
    if watch.committed(rows):
        with _DUE_LOCK:
            _DUE.add(watch)
        wake_flusher()


def run_due_checkpoints() -> None:
    """The checkpoints asked for (in the flusher thread)."""
    with _DUE_LOCK:
        due = list(_DUE)
        _DUE.clear()
    for watch in due:
        try:
            watch.checkpoint()
        except Exception as e:  # the next commit asks again; SQLite checkpoints when the last connection closes
            logger.warning("cannot checkpoint the event database: %s", e)


def _after_fork_in_child() -> None:
    global _DUE_LOCK
    _DUE.clear()
    _DUE_LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
