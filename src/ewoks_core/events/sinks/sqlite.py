"""SQLite sink: table `ewoks_events`, one column per event field (as ewoks).

Several threads and processes may write the same database: it is in WAL mode,
each process has its own connection with a busy timeout, and each batch of
events is inserted in one transaction. One index, (job_id, node_id), serves
lookups by job and by job and node (a separate (job_id) index would only slow
down inserts).

Records (see events/record.py) of one job are inserted with one statement that
reads them from a JSON array (`json_each`): one call that SQLite runs without the
GIL, instead of one `executemany` step per row, each binding 18 parameters (binding
None costs Python's sqlite3 an adapter lookup).
"""

from __future__ import annotations

import atexit
import json
import operator
import os
import sqlite3
import threading
import time
from collections import OrderedDict
from typing import Any, List, Optional, Sequence, Tuple
from urllib.parse import parse_qs, unquote, urlsplit

from ..record import EVENT_FIELDS, SHORT_RECORD, JobInfo, SecondFormat, record_event, second_format
from . import offload
from ._buffered import BufferedSink
from .jsonl import encode, file_id
from .sqlite_wal import WalWatch, after_commit, open_watch

TABLE = "ewoks_events"
_JSON_FIELDS = ("input_uris", "output_uris")
_SQL_TYPES = {"process_id": "INTEGER", "error": "INTEGER", "progress": "REAL"}
_SCHEMA = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} ("
    + ", ".join(f"{name} {_SQL_TYPES.get(name, 'TEXT')}" for name in EVENT_FIELDS) + ")",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_job_node ON {TABLE} (job_id, node_id)",
)
_INSERT = f"INSERT INTO {TABLE} ({', '.join(EVENT_FIELDS)}) VALUES ({', '.join('?' * len(EVENT_FIELDS))})"
# Records of one job: its shared fields as parameters, the others from a JSON array of arrays, one per
# event: context, type, node_id, task_id, time, error[, error_message, error_traceback, task_uri,
# input_uris, output_uris] (absent elements are NULL; records with progress are inserted as rows:
# SQLite need not read floats back exactly as Python writes them).
_JOB_COLUMNS = ("host_name", "process_id", "user_name", "job_id", "engine", "workflow_id")
_JSON_COLUMNS = ("context", "type", "node_id", "task_id", "time", "error", "error_message", "error_traceback",
                 "task_uri", "input_uris", "output_uris")


def _bulk_insert(n_fields: int) -> str:
    """INSERT of records whose JSON arrays hold the first `n_fields` of _JSON_COLUMNS (fewer: fewer calls)."""
    columns = _JOB_COLUMNS + _JSON_COLUMNS[:n_fields]
    values = ["?"] * len(_JOB_COLUMNS) + [f"json_extract(value, '$[{i}]')" for i in range(n_fields)]
    return f"INSERT INTO {TABLE} ({', '.join(columns)}) SELECT {', '.join(values)} FROM json_each(?)"


_BULK_INSERT = _bulk_insert(len(_JSON_COLUMNS))
_BULK_SHORT = _bulk_insert(SHORT_RECORD - 1)  # short records only
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
_PROGRESS = SHORT_RECORD + 2  # index of progress in a long record


def sqlite_path(uri: str) -> Optional[str]:
    """File system path of a path or "file:" URI (None for in-memory databases)."""
    uri = os.fspath(uri)
    if not uri.startswith("file:"):
        return None if uri == ":memory:" else uri
    parts = urlsplit(uri)
    if parse_qs(parts.query).get("mode") == ["memory"] or parts.path in ("", ":memory:"):
        return None
    return unquote(parts.path)


def connect(uri: str, timeout: float) -> sqlite3.Connection:
    """A connection in autocommit mode with a busy timeout, usable from any thread."""
    uri = os.fspath(uri)
    conn = sqlite3.connect(uri, uri=uri.startswith("file:"), timeout=timeout, isolation_level=None,
                           check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
    return conn


_values = operator.itemgetter(*EVENT_FIELDS)
_first = operator.itemgetter(0)
_time = operator.itemgetter(5)
_IN, _OUT = EVENT_FIELDS.index("input_uris"), EVENT_FIELDS.index("output_uris")


def _row(event: Any) -> Sequence[Any]:
    """Parameters of _INSERT; fast path: only the JSON fields need converting."""
    if type(event) is tuple:
        event = record_event(event)
    row = _values(event if isinstance(event, dict) else vars(event))
    if row[_IN] is None and row[_OUT] is None:
        return row
    row = list(row)
    for i in (_IN, _OUT):
        if row[i] is not None:
            row[i] = encode(row[i])
    return row


def _safe_row(event: Any) -> Sequence[Any]:
    """Parameters of _INSERT for events with unexpected value types (these become text)."""
    if type(event) is tuple:
        event = record_event(event)
    get = event.get if isinstance(event, dict) else lambda name: getattr(event, name, None)
    return [_safe_value(name, get(name)) for name in EVENT_FIELDS]


def _safe_value(name: str, value: Any) -> Any:
    if value is None or (isinstance(value, (str, int, float)) and name not in _JSON_FIELDS):
        return value
    return encode(value) if name in _JSON_FIELDS else str(value)


def _insert(conn: sqlite3.Connection, rows: List[Sequence[Any]]) -> None:
    """Insert the rows in one transaction (rolled back on any error)."""
    _transaction(conn, [(None, rows)])


Part = Tuple[Optional[str], Any]  # (a bulk INSERT, its parameters) or (None, rows of _INSERT)


def _transaction(conn: sqlite3.Connection, parts: List[Part]) -> None:
    """Run the parts in one transaction (rolled back on any error); one bulk part is one statement."""
    if not parts:
        return
    sql, data = parts[0]
    if len(parts) == 1 and sql is not None:
        conn.execute(sql, data)  # autocommit: one transaction
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        for sql, data in parts:
            if sql is not None:
                conn.execute(sql, data)
            else:
                conn.executemany(_INSERT, data)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _job_parameters(job: JobInfo) -> Tuple[Any, ...]:
    return (job.host_name, job.process_id, job.user_name, job.job_id, job.engine, job.workflow_id)


def _json_row(record: Any, format_time: SecondFormat) -> Any:
    """The JSON array of a record (None: insert it as a row)."""
    if len(record) == SHORT_RECORD:
        _, context, kind, node_id, task_id, time, error = record
        return context, kind, node_id, task_id, format_time(time), error
    if record[_PROGRESS] is not None:
        return None
    _, context, kind, node_id, task_id, time, error, message, traceback_text, _, task_uri, inputs, outputs = record
    if not all(type(v) in _TEXT_OR_NONE for v in (message, traceback_text, task_uri)):
        return None
    return (context, kind, node_id, task_id, format_time(time), error, message, traceback_text, task_uri,
            None if inputs is None else encode(inputs), None if outputs is None else encode(outputs))


def _one_second(events: List[Any]) -> Any:
    """The JSON arrays of short records of one job emitted within one second (None: they are not)."""
    try:  # C-level checks (Event objects are not subscriptable, dicts have no key 0)
        if len(set(map(_first, events))) != 1 or set(map(len, events)) != {SHORT_RECORD}:
            return None
        times = list(map(_time, events))
    except (TypeError, KeyError, IndexError):
        return None
    sec = int(min(times))
    if int(max(times)) != sec:
        return None
    fmt = second_format(sec)
    return [(context, kind, node_id, task_id, fmt % ((time - sec) * 1e6), error)
            for _, context, kind, node_id, task_id, time, error in events]


_TEXT_OR_NONE = (str, type(None))


def _parts(events: List[Any], bulk: bool) -> List[Part]:
    """The statements inserting a batch in order: consecutive records of one job in one bulk part (when
    the connection has SQLite's JSON functions), everything else as rows."""
    if bulk:  # the common batch first
        common = _one_second(events)
        if common is not None:
            return [_bulk_part(events, common)]
    parts: List[Part] = []
    rows: List[Any] = []
    run: List[Any] = []  # records of one job for a bulk part
    arrays: List[Any] = []  # their JSON arrays
    format_time = SecondFormat()
    for event in events:
        array = _json_row(event, format_time) if bulk and type(event) is tuple else None
        if run and (array is None or event[0] is not run[0][0]):
            parts.append(_bulk_part(run, arrays))
            run, arrays = [], []
        if array is None:
            rows.append(_row(event))
            continue
        if rows:
            parts.append((None, rows))
            rows = []
        run.append(event)
        arrays.append(array)
    if run:
        parts.append(_bulk_part(run, arrays))
    if rows:
        parts.append((None, rows))
    return parts


def _bulk_part(records: List[Any], arrays: List[Any]) -> Part:
    """The bulk part of records of one job (as rows if a string holds a NUL: SQLite's JSON text ends there)."""
    text = _JSON.encode(arrays)
    if "\\u0000" in text:
        return None, [_row(record) for record in records]
    short = set(map(len, arrays)) == {SHORT_RECORD - 1}
    return _BULK_SHORT if short else _BULK_INSERT, _job_parameters(records[0][0]) + (text,)


class SqliteSink(BufferedSink):
    """Inserts events into `ewoks_events` of an SQLite database (path or "file:" URI).

    Sinks of one process writing the same database share one connection, which
    `close()` keeps for the next job (reopening and checkpointing costs ~ms per
    job); it is closed at exit or by `close_connections()`."""

    offloadable = True

    def __init__(self, uri: str, timeout: float = 10.0, disconnect_on_error: bool = False) -> None:
        self.uri = os.fspath(uri)
        self.timeout = float(timeout)
        super().__init__(uri=self.uri, timeout=self.timeout)

    def _write(self, events: List[Any]) -> None:
        writer = _writer(self.uri, self.timeout)
        try:
            parts = _parts(events, writer.bulk)
        except Exception:  # dicts missing fields, objects without __dict__, values JSON cannot encode
            parts = [(None, [_safe_row(e) for e in events])]
        writer.insert(parts, events)

    def _open(self) -> None:
        _writer(self.uri, self.timeout).connection()

    def has_job(self, job_id: str) -> Optional[bool]:
        """Whether the table has a row of this job (one indexed lookup)."""
        return _writer(self.uri, self.timeout).has_job(job_id)


class _Writer:
    """The connection of this process to one database."""

    def __init__(self, uri: str, timeout: float) -> None:
        self.uri, self.timeout, self.path = uri, timeout, sqlite_path(uri)
        self.lock = threading.Lock()
        self.conn: Optional[sqlite3.Connection] = None
        self.opened_id: Any = None
        self.watch: Optional[WalWatch] = None  # its checkpoints, in the flusher thread (sqlite_wal.py)
        self.bulk = True  # SQLite has json_each and json_extract (known once the database is opened)

    def _open(self) -> sqlite3.Connection:
        if self.path:
            os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
        conn = connect(self.uri, self.timeout)
        deadline = time.monotonic() + self.timeout
        while True:  # several processes may create the database at the same time
            try:
                journal_mode = str(conn.execute("PRAGMA journal_mode = WAL").fetchone()[0])
                conn.execute("PRAGMA synchronous = NORMAL")
                for statement in _SCHEMA:
                    conn.execute(statement)
                break
            except sqlite3.OperationalError as e:
                if "locked" not in str(e) or time.monotonic() > deadline:
                    conn.close()
                    raise
                time.sleep(0.02)
        self.opened_id = file_id(self.path)
        self.watch = open_watch(conn, journal_mode, lambda: connect(self.uri, self.timeout))
        try:
            conn.execute("SELECT json_extract(value, '$[0]') FROM json_each('[[1]]')").fetchall()
        except sqlite3.Error:  # built without its JSON functions
            self.bulk = False
        return conn

    def _current(self) -> sqlite3.Connection:
        """The open connection (called under the lock), reopened when the file was replaced."""
        if self.conn is not None and self.path and file_id(self.path) != self.opened_id:
            self._close()  # the file was deleted or replaced: write to the new one
        if self.conn is None:
            self.conn = self._open()
        return self.conn

    def connection(self) -> None:
        """Open the database now (raises when it cannot be opened and its table created)."""
        with self.lock:
            self._current()

    def has_job(self, job_id: str) -> bool:
        with self.lock:
            conn = self._current()
            try:
                return conn.execute(f"SELECT 1 FROM {TABLE} WHERE job_id = ? LIMIT 1", (str(job_id),)).fetchone() \
                    is not None
            except sqlite3.Error:
                self._close()
                raise

    def insert(self, parts: List[Part], events: List[Any]) -> None:
        with self.lock:
            conn = self._current()
            if not self.bulk and any(sql is not None for sql, _ in parts):  # first write: now we know
                parts = [(None, [_row(e) for e in events])]
            try:
                try:
                    _transaction(conn, parts)
                except (sqlite3.InterfaceError, sqlite3.ProgrammingError, OverflowError, ValueError):
                    _insert(conn, [_safe_row(e) for e in events])  # unexpected value types
            except sqlite3.Error:
                self._close()  # reconnect next time
                raise
            if self.watch is not None:
                after_commit(self.watch, len(events))

    def _close(self) -> None:
        conn, self.conn = self.conn, None
        watch, self.watch = self.watch, None
        if watch is not None:
            watch.close()
        if conn is not None:
            conn.close()

    def close(self) -> None:
        with self.lock:
            self._close()


MAX_CONNECTIONS = 8  # databases kept open per process (least recently used closed first)
_WRITERS: "OrderedDict[str, _Writer]" = OrderedDict()
_WRITERS_LOCK = threading.Lock()
_INHERITED: List[Any] = []  # connections of the parent process after fork: never closed


def _writer(uri: str, timeout: float) -> _Writer:
    with _WRITERS_LOCK:
        writer = _WRITERS.pop(uri, None) or _Writer(uri, timeout)
        _WRITERS[uri] = writer
        evicted = [_WRITERS.popitem(last=False)[1] for _ in range(len(_WRITERS) - MAX_CONNECTIONS)]
    for old in evicted:
        old.close()
    return writer


def close_connections() -> None:
    """Close the connections the SQLite sinks of this process, and its event writer process, keep open."""
    with _WRITERS_LOCK:
        writers = list(_WRITERS.values())
        _WRITERS.clear()
    for writer in writers:
        writer.close()
    offload.release()


def _after_fork_in_child() -> None:
    global _WRITERS_LOCK
    _INHERITED.extend(w.conn for w in _WRITERS.values() if w.conn is not None)
    for writer in _WRITERS.values():
        if writer.watch is not None:
            _INHERITED.extend(writer.watch.forget())
    _WRITERS.clear()
    _WRITERS_LOCK = threading.Lock()


atexit.register(close_connections)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
