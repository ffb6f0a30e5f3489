"""EventFeed: new events of the event store, as they are written, for every live stream.

One thread reads the rows written since the last read (`rowid > last`) every `poll_interval`
seconds (one indexed query, whatever the number of open streams) and hands each event to the
subscribers of its job. An event's id is its rowid in the event store: a stream that reconnects
with Last-Event-ID N reads the rows after N, then continues live, with no gap and no duplicate.
Job state changes (queued, running, done...) are published here by the job manager.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

from ewoks_core.errors import EwoksError
from ewoks_core.events.sinks.sqlite_reader import SqliteReader

logger = logging.getLogger(__name__)
Row = Tuple[int, Dict[str, Any]]
ALL_JOBS = "*"


@dataclass(eq=False)
class Subscription:
    """What one stream receives: ("event", id, event dict) and ("state", job row) messages."""

    job_id: str
    loop: asyncio.AbstractEventLoop
    queue: "asyncio.Queue[Tuple[Any, ...]]" = field(default_factory=asyncio.Queue)

    def put(self, message: Tuple[Any, ...]) -> None:
        """Thread-safe: queue a message for the stream's coroutine."""
        try:
            self.loop.call_soon_threadsafe(self.queue.put_nowait, message)
        except RuntimeError:  # the loop is closed: the stream ended
            pass


class EventFeed:
    """Tails the server's event store and fans events out to subscriptions."""

    def __init__(self, db_path: Path, poll_interval: float = 0.05,
                 on_job_event: Optional[Callable[[Dict[str, Any]], None]] = None) -> None:
        self.db_path = db_path
        self.poll_interval = poll_interval
        self.on_job_event = on_job_event  # job start/end events, for the job manager
        self._subs: Dict[str, Set[Subscription]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self.last_id = 0

    # --- lifetime
    def start(self) -> None:
        self.last_id = self.max_id()
        self._thread = threading.Thread(target=self._tail, name="ewoks-server-feed", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    # --- subscriptions
    def subscribe(self, job_id: str) -> Subscription:
        """Receive the events and state changes of one job (ALL_JOBS: state changes of every job)."""
        sub = Subscription(job_id, asyncio.get_running_loop())
        with self._lock:
            self._subs.setdefault(job_id, set()).add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            subs = self._subs.get(sub.job_id)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._subs[sub.job_id]

    def publish_state(self, job: Dict[str, Any]) -> None:
        """A job's row changed (thread-safe)."""
        with self._lock:
            subs = list(self._subs.get(job["job_id"], ())) + list(self._subs.get(ALL_JOBS, ()))
        for sub in subs:
            sub.put(("state", job))

    # --- reading the store
    def read(self, job_id: Optional[str], after: int = 0, limit: Optional[int] = None,
             filters: Optional[Dict[str, List[str]]] = None) -> List[Row]:
        """(id, event) rows of one job (None: every job) with id > after, oldest first."""
        wanted = dict(filters or {})
        if job_id is not None:
            wanted["job_id"] = [job_id]
        reader = SqliteReader(str(self.db_path))
        try:
            rows: List[Row] = []
            for row in reader.rows(wanted, after):
                rows.append(row)
                if limit is not None and len(rows) >= limit:
                    break
            return rows
        except (EwoksError, sqlite3.OperationalError):  # no event store yet
            return []
        finally:
            reader.close()

    def max_id(self) -> int:
        """The id of the newest event (0 when there is none)."""
        if not self.db_path.exists():
            return 0
        try:
            conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=10)
            try:
                return int(conn.execute("SELECT MAX(rowid) FROM ewoks_events").fetchone()[0] or 0)
            finally:
                conn.close()
        except sqlite3.Error:
            return 0

    # --- the tail thread
    def _tail(self) -> None:
        reader: Optional[SqliteReader] = None
        while not self._stop.wait(self.poll_interval):
            try:
                if reader is None:
                    if not self.db_path.exists():
                        continue
                    reader = SqliteReader(str(self.db_path))
                rows = list(reader.rows({}, self.last_id))
            except (EwoksError, sqlite3.Error) as exc:
                logger.debug("event store not readable yet: %s", exc)
                if reader is not None:
                    reader.close()
                reader = None
                continue
            if rows:
                self._dispatch(rows)
        if reader is not None:
            reader.close()

    def _dispatch(self, rows: List[Row]) -> None:
        self.last_id = rows[-1][0]
        with self._lock:
            subs = {job_id: list(s) for job_id, s in self._subs.items()}
        for rowid, event in rows:
            for sub in subs.get(str(event.get("job_id")), ()):
                sub.put(("event", rowid, event))
            if event.get("context") == "job" and self.on_job_event is not None:
                try:
                    self.on_job_event(event)
                except Exception:
                    logger.exception("job event handler failed")
