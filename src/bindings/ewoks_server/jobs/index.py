"""The job index: one SQLite row per job (state, times, error summary) for the job list.

Its own database file (jobs.db), not the event store: job list queries never wait for event
writers. Indexed for the list's filters, so a page of the newest jobs of 10,000 answers in ~ms.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

QUEUED, RUNNING, SUCCESS, FAILED, CANCELLED = "queued", "running", "success", "failed", "cancelled"
STATES = (QUEUED, RUNNING, SUCCESS, FAILED, CANCELLED)
FINAL_STATES = (SUCCESS, FAILED, CANCELLED)

COLUMNS = ("job_id", "workflow_id", "label", "state", "engine", "executor", "submitted", "started", "finished",
           "parent_job_id", "rerun", "n_nodes", "message", "error")
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS jobs (job_id TEXT PRIMARY KEY, workflow_id TEXT, label TEXT, state TEXT NOT NULL, "
    "engine TEXT, executor TEXT, submitted REAL NOT NULL, started REAL, finished REAL, parent_job_id TEXT, "
    "rerun TEXT, n_nodes INTEGER, message TEXT, error TEXT)",
    "CREATE INDEX IF NOT EXISTS jobs_submitted ON jobs (submitted)",
    "CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state, submitted)",
    "CREATE INDEX IF NOT EXISTS jobs_workflow ON jobs (workflow_id, submitted)",
)


class JobIndex:
    """Thread-safe access to jobs.db (one connection, short statements under a lock)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
        self._lock = threading.Lock()
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            for statement in _SCHEMA:
                self._conn.execute(statement)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def add(self, row: Dict[str, Any]) -> None:
        """Insert a new job (job_id, state and submitted are required)."""
        values = {name: row.get(name) for name in COLUMNS}
        values["error"] = _dump(values["error"])
        with self._lock:
            self._conn.execute(f"INSERT INTO jobs ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                               [values[name] for name in COLUMNS])

    def add_many(self, rows: Iterable[Dict[str, Any]]) -> None:
        """Insert many jobs in one transaction (benchmarks, imports)."""
        params = [[_dump(r.get(n)) if n == "error" else r.get(n) for n in COLUMNS] for r in rows]
        with self._lock:
            self._conn.execute("BEGIN")
            try:
                self._conn.executemany(
                    f"INSERT INTO jobs ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})", params)
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def update(self, job_id: str, only_from: Sequence[str] = (), **fields: Any) -> bool:
        """Set fields of a job; with `only_from`, only when its state is one of these. True when updated."""
        if "error" in fields:
            fields["error"] = _dump(fields["error"])
        sets = ", ".join(f"{name} = ?" for name in fields)
        sql, params = f"UPDATE jobs SET {sets} WHERE job_id = ?", [*fields.values(), job_id]
        if only_from:
            sql += f" AND state IN ({', '.join('?' * len(only_from))})"
            params.extend(only_from)
        with self._lock:
            return self._conn.execute(sql, params).rowcount > 0

    def get(self, job_id: str) -> Optional[Dict[str, Any]]:
        with self._lock:
            row = self._conn.execute(f"SELECT {', '.join(COLUMNS)} FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
        return None if row is None else _row(row)

    def with_states(self, states: Sequence[str]) -> List[Dict[str, Any]]:
        """Jobs in these states, oldest first."""
        with self._lock:
            rows = self._conn.execute(f"SELECT {', '.join(COLUMNS)} FROM jobs WHERE state IN "
                                      f"({', '.join('?' * len(states))}) ORDER BY submitted", list(states)).fetchall()
        return [_row(r) for r in rows]

    def search(self, *, states: Sequence[str] = (), workflow_id: Optional[str] = None, since: Optional[float] = None,
               until: Optional[float] = None, limit: int = 50, offset: int = 0) -> Tuple[List[Dict[str, Any]], int]:
        """(a page of jobs, newest first; the number of jobs matching the filters)."""
        where: List[str] = []
        params: List[Any] = []
        if states:
            where.append(f"state IN ({', '.join('?' * len(states))})")
            params.extend(states)
        if workflow_id:
            where.append("workflow_id = ?")
            params.append(workflow_id)
        if since is not None:
            where.append("submitted >= ?")
            params.append(since)
        if until is not None:
            where.append("submitted < ?")
            params.append(until)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        with self._lock:
            total = self._conn.execute(f"SELECT COUNT(*) FROM jobs{clause}", params).fetchone()[0]
            rows = self._conn.execute(f"SELECT {', '.join(COLUMNS)} FROM jobs{clause} ORDER BY submitted DESC "
                                      "LIMIT ? OFFSET ?", [*params, limit, offset]).fetchall()
        return [_row(r) for r in rows], total

    def counts(self) -> Dict[str, int]:
        """Number of jobs per state."""
        with self._lock:
            rows = self._conn.execute("SELECT state, COUNT(*) FROM jobs GROUP BY state").fetchall()
        return {state: count for state, count in rows}

    def workflow_ids(self) -> List[str]:
        """Workflow ids that have jobs (for the list's filter)."""
        with self._lock:
            rows = self._conn.execute("SELECT DISTINCT workflow_id FROM jobs ORDER BY workflow_id").fetchall()
        return [r[0] for r in rows if r[0] is not None]


def _dump(value: Any) -> Optional[str]:
    return None if value is None else json.dumps(value)


def _row(row: Sequence[Any]) -> Dict[str, Any]:
    data = dict(zip(COLUMNS, row, strict=True))
    if data["error"]:
        try:
            data["error"] = json.loads(data["error"])
        except ValueError:
            data["error"] = {"message": data["error"]}
    started, finished = data["started"], data["finished"]
    data["duration"] = None if started is None else round((finished or time.time()) - started, 3)
    return data
