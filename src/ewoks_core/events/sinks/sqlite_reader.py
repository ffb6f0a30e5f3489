"""Reading an events database that SQLite sinks write (any process may be writing it meanwhile, or none:
a database left with its write-ahead log, on a read-only medium, is opened immutable)."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from ...errors import EwoksError
from ..record import EVENT_FIELDS
from .sqlite import _JSON_FIELDS, TABLE, connect, sqlite_path


def read_only_uri(uri: str, immutable: bool = False) -> str:
    """A "file:" URI opening the database of a path or URI read-only (readers never write, and
    an archived database in a read-only folder stays readable)."""
    uri = os.fspath(uri)
    if uri.startswith("file:"):
        parts = urlsplit(uri)
        query = [(k, v) for k, values in parse_qs(parts.query).items() for v in values
                 if k not in ("mode", "immutable")]
        path = parts.path
    else:
        query, path = [], os.path.abspath(uri)
    query.append(("mode", "ro"))
    if immutable:
        query.append(("immutable", "1"))
    return "file:" + quote(path) + "?" + urlencode(query)


def _wal_without_log(path: str) -> bool:
    """A database in WAL mode whose write-ahead log ("-wal") does not exist: no writer has it open."""
    if os.path.exists(path + "-wal"):
        return False
    try:
        with open(path, "rb") as f:
            header = f.read(20)
    except OSError:
        return False
    return header.startswith(b"SQLite format 3") and header[18:19] == b"\x02"


def connect_read_only(uri: str, timeout: float) -> Tuple[sqlite3.Connection, bool]:
    """A read-only connection that creates no file next to the database, and whether it is immutable.

    A database in WAL mode that no writer has open (no "-wal") is read as immutable: opened
    read-only, SQLite would create its "-shm" index next to it and leave it behind (the reader
    reconnects when a writer appears). Otherwise read-only with the writers' files; in a folder
    nobody may write (an archive) the database is then immutable, unless the write-ahead log
    holds events not yet in the database file."""
    path = sqlite_path(uri)
    if path is None:
        return connect(uri, timeout), False
    if _wal_without_log(path):
        return connect(read_only_uri(uri, immutable=True), timeout), True
    conn = connect(read_only_uri(uri), timeout)
    try:
        conn.execute("PRAGMA schema_version").fetchone()
        return conn, False
    except sqlite3.OperationalError as e:
        conn.close()
        if "unable to open" not in str(e):
            raise
        wal = path + "-wal"
        if os.path.exists(wal) and os.path.getsize(wal) > 0:
            raise EwoksError(f"cannot open it read-only: {e}; its write-ahead log {wal!r} holds events not "
                             "yet in the database", source=path,
                             hint="Copy the .db file with its -wal file to a folder you can write to and read "
                                  "the copy.") from None
    return connect(read_only_uri(uri, immutable=True), timeout), True


def _to_dict(columns: Sequence[str], row: Sequence[Any]) -> Dict[str, Any]:
    data = dict(zip(columns, row, strict=True))
    for name in _JSON_FIELDS:
        if isinstance(data.get(name), str):
            try:
                data[name] = json.loads(data[name])
            except ValueError:
                pass
    if data.get("error") is not None:
        data["error"] = data["error"] not in (0, "0", "False", "false")
    return data


_JOBS_SQL = (f"SELECT job_id, MIN(time), MAX(CASE WHEN context='job' AND type='start' THEN time END), "
             f"MAX(CASE WHEN context='job' AND type='end' THEN time END), "
             f"MAX(CASE WHEN context='job' AND type='end' THEN COALESCE(error, 0) END), "
             f"MAX(workflow_id), COUNT(*) FROM {TABLE} GROUP BY job_id ORDER BY MIN(rowid)")


class SqliteReader:
    """Reads `ewoks_events` of an existing database (used by ewoks_core.events.readers)."""

    def __init__(self, uri: str, timeout: float = 10.0) -> None:
        self.uri, self.timeout = os.fspath(uri), timeout
        self._conn: Optional[sqlite3.Connection] = None
        self._immutable = False

    def _connection(self) -> sqlite3.Connection:
        path = sqlite_path(self.uri)
        if self._conn is not None and self._immutable and path and os.path.exists(path + "-wal"):
            self.close()  # a writer opened the database: read what it writes
        if self._conn is None:
            if path is not None and not os.path.exists(path):
                raise EwoksError("event database not found", source=path,
                                 hint="Check the path given to the SQLite event handler.")
            self._conn, self._immutable = connect_read_only(self.uri, self.timeout)
        return self._conn

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        """Database errors (not a database, a folder, no permission, damaged pages) as one EwoksError."""
        try:
            yield
        except sqlite3.DatabaseError as e:
            raise EwoksError(f"cannot read it as an SQLite event database: {e}",
                             source=sqlite_path(self.uri) or self.uri,
                             hint="Give the .db file an SQLite event handler wrote, or a .jsonl file.") from None

    def _columns(self) -> List[str]:
        with self._errors():
            present = {row[1] for row in self._connection().execute(f"PRAGMA table_info({TABLE})")}
        return [name for name in EVENT_FIELDS if name in present]  # ewoks' tables may lack some

    def rows(self, filters: Mapping[str, Iterable[str]], after_rowid: int = 0) -> Iterator[Tuple[int, Dict[str, Any]]]:
        """(rowid, event dict) in insertion order with `field IN values` filters; none without table."""
        columns = self._columns()
        if not columns:
            return
        where: List[str] = ["rowid > ?"]
        params: List[Any] = [after_rowid]
        for name, values in filters.items():
            if name not in EVENT_FIELDS:
                raise ValueError(f"not an event field: {name!r}")
            values = list(values)
            where.append(f"{name} IN ({', '.join('?' * len(values))})")
            params.extend(values)
        sql = f"SELECT rowid, {', '.join(columns)} FROM {TABLE} WHERE {' AND '.join(where)} ORDER BY rowid"
        with self._errors():
            rows = self._connection().execute(sql, params)
            while True:
                chunk = rows.fetchmany(1000)
                if not chunk:
                    break
                for row in chunk:
                    yield row[0], _to_dict(columns, row[1:])

    def dicts(self, filters: Dict[str, Iterable[str]]) -> Iterator[Dict[str, Any]]:
        """Event dicts passing the `field IN values` filters."""
        return (data for _, data in self.rows(filters))

    def jobs(self) -> List[Dict[str, Any]]:
        """One summary dict per job, in order of first event."""
        if not self._columns():
            return []
        jobs = []
        with self._errors():
            summaries = self._connection().execute(_JOBS_SQL).fetchall()
        for job_id, first, start, end, failed, workflow_id, count in summaries:
            status = "running" if end is None else ("failed" if failed not in (0, "0", None) else "success")
            jobs.append({"job_id": job_id, "workflow_id": workflow_id, "status": status,
                         "start_time": start or first, "end_time": end, "n_events": count})
        return jobs

    def new_events(self, job_id: str, cursor: Optional[int]) -> Tuple[List[Dict[str, Any]], Optional[int]]:
        """The job's events after rowid `cursor` (none while the database is being created)."""
        try:
            rows = list(self.rows({} if job_id is None else {"job_id": [job_id]}, cursor or 0))
        except (EwoksError, sqlite3.OperationalError):
            return [], cursor
        return [data for _, data in rows], (rows[-1][0] if rows else cursor)

    def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            conn.close()
