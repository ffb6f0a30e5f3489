"""Job index in an SQLite table `ewoks_jobs` (embedded mode; the same file as the results)."""

from __future__ import annotations

import os
import threading
import time
from typing import List, Optional

from ..backend_sqlite import SqliteConnections
from .base import FINAL_STATES, PENDING, STARTED, JobRecord, JobStore

_COLUMNS = ("job_id", "workflow_id", "queue", "engine", "state", "submitted", "started", "finished", "worker",
            "cancel", "message")
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS ewoks_jobs (job_id TEXT PRIMARY KEY, workflow_id TEXT, queue TEXT, engine TEXT, "
    "state TEXT, submitted REAL, started REAL, finished REAL, worker TEXT, cancel INTEGER DEFAULT 0, "
    "message TEXT, heartbeat REAL)",
    "CREATE INDEX IF NOT EXISTS ewoks_jobs_submitted ON ewoks_jobs (submitted)",
)
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM ewoks_jobs"
_CLEANUP_EVERY = 100  # additions


def _record(row: tuple) -> JobRecord:
    values = dict(zip(_COLUMNS, row, strict=True))
    values["cancel"] = bool(values["cancel"])
    for key in ("workflow_id", "queue", "engine", "worker", "message"):
        values[key] = values[key] or ""
    return JobRecord(**values)


class SqliteJobStore(JobStore):
    """Job records in an SQLite file; heartbeats are local wall-clock times (one machine or a shared disk)."""

    def __init__(self, path: os.PathLike, lost_after: float, expires: float) -> None:
        super().__init__(lost_after, expires)
        self.db = SqliteConnections(path, _SCHEMA)
        self._adds = 0

    def add(self, record: JobRecord) -> None:
        values = record.to_dict()
        values["cancel"] = int(values["cancel"])
        self.db.execute(f"INSERT OR REPLACE INTO ewoks_jobs ({', '.join(_COLUMNS)}) "
                        f"VALUES ({', '.join('?' * len(_COLUMNS))})", [values[c] for c in _COLUMNS])
        self._adds += 1
        if self._adds % _CLEANUP_EVERY == 1:
            self.db.execute("DELETE FROM ewoks_jobs WHERE submitted < ?", (time.time() - self.expires,))

    def get(self, job_id: str) -> Optional[JobRecord]:
        row = self.db.execute(f"{_SELECT} WHERE job_id = ?", (job_id,)).fetchone()
        return None if row is None else _record(row)

    def recent(self, limit: int = 50) -> List[JobRecord]:
        # the records of stream items (claimed under "<job>:item:<n>", never added) are not jobs
        rows = self.db.execute(f"{_SELECT} WHERE job_id NOT LIKE '%:item:%' ORDER BY submitted DESC LIMIT ?",
                               (int(limit),)).fetchall()
        return [_record(row) for row in rows]

    def items(self, job_id: str) -> List[JobRecord]:
        prefix = f"{job_id}:item:".replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = self.db.execute(f"{_SELECT} WHERE job_id LIKE ? ESCAPE '\\'", (prefix + "%",)).fetchall()
        return [_record(row) for row in rows]

    def claim(self, job_id: str, worker: str) -> str:
        now = time.time()
        self.db.execute("INSERT OR IGNORE INTO ewoks_jobs (job_id, state, submitted) VALUES (?, ?, ?)",
                        (job_id, PENDING, now))
        cursor = self.db.execute("UPDATE ewoks_jobs SET state = ?, started = ?, heartbeat = ?, worker = ? "
                                 "WHERE job_id = ? AND state = ? AND cancel = 0",
                                 (STARTED, now, now, worker, job_id, PENDING))
        if cursor.rowcount == 1:
            return "claimed"
        record = self.get(job_id)
        if record is not None and record.cancel and record.state not in FINAL_STATES and record.state != STARTED:
            return "cancelled"
        return record.state if record is not None else PENDING

    def alive(self, job_id: str) -> bool:
        row = self.db.execute("SELECT heartbeat FROM ewoks_jobs WHERE job_id = ?", (job_id,)).fetchone()
        return bool(row and row[0] is not None and time.time() - row[0] < self.lost_after)

    def beat(self, job_ids: List[str]) -> None:
        marks = ", ".join("?" * len(job_ids))
        self.db.execute(f"UPDATE ewoks_jobs SET heartbeat = ? WHERE job_id IN ({marks})", [time.time(), *job_ids])

    def wait_cancel(self, job_ids: List[str], timeout: float, wake: threading.Event) -> List[str]:
        wake.wait(timeout)  # SQLite cannot notify: the cancel flags are read once per heartbeat
        marks = ", ".join("?" * len(job_ids))
        rows = self.db.execute(f"SELECT job_id FROM ewoks_jobs WHERE cancel = 1 AND job_id IN ({marks})", job_ids)
        return [row[0] for row in rows.fetchall()]

    def finish(self, job_id: str, state: str, message: str = "", only_if_started: bool = False,
               only_if_pending: bool = False) -> bool:
        condition = " AND state = 'STARTED'" if only_if_started else " AND state = 'PENDING'" if only_if_pending else ""
        cursor = self.db.execute(f"UPDATE ewoks_jobs SET state = ?, finished = ?, message = ? WHERE job_id = ?"
                                 f"{condition}", (state, time.time(), message[:2000], job_id))
        return cursor.rowcount == 1

    def request_cancel(self, job_id: str) -> None:
        self.db.execute("UPDATE ewoks_jobs SET cancel = 1 WHERE job_id = ?", (job_id,))

    def close(self) -> None:
        self.db.close()
