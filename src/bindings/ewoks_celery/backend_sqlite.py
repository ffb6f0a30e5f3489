"""A Celery result backend in one SQLite file (embedded mode: no server to run).

Celery's key/value backend protocol on a table `celery_kv(key, value, expires)`.
Every write is one autocommit statement, so readers never see a partial result;
WAL mode lets clients read while workers write. Each process opens its own
connection (workers fork). Expired rows are deleted now and then on writes.

Celery URL: "ewoks_celery.backend_sqlite:SqliteBackend+sqlite:///abs/path.db".
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional

from celery.backends.base import KeyValueStoreBackend
from kombu.utils.encoding import bytes_to_str

CLASS_PATH = f"{__name__}:SqliteBackend"
_SCHEMA = ("CREATE TABLE IF NOT EXISTS celery_kv (key TEXT PRIMARY KEY, value TEXT, expires REAL)",
           "CREATE INDEX IF NOT EXISTS celery_kv_expires ON celery_kv (expires)")
_CLEANUP_EVERY = 200  # writes


class SqliteConnections:
    """One connection per process and thread to an SQLite file in WAL mode (tables created on first use)."""

    def __init__(self, path: os.PathLike, schema: Iterable[str], timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.schema = tuple(schema)
        self.timeout = timeout
        self._local = threading.local()

    def get(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is not None and self._local.pid == os.getpid():
            return conn
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(self.path), timeout=self.timeout, isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
        _retry(lambda: conn.execute("PRAGMA journal_mode = WAL"), self.timeout)
        conn.execute("PRAGMA synchronous = NORMAL")
        for statement in self.schema:
            _retry(lambda statement=statement: conn.execute(statement), self.timeout)
        self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    def execute(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Cursor:
        conn = self.get()
        return _retry(lambda: conn.execute(sql, tuple(params)), self.timeout)

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None and self._local.pid == os.getpid():
            conn.close()
        self._local.conn = None


def _retry(action: Any, timeout: float) -> Any:
    """Run action(), retrying while the database is locked (schema changes can bypass the busy handler)."""
    deadline = time.monotonic() + timeout
    delay = 0.001
    while True:
        try:
            return action()
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.05)


class SqliteBackend(KeyValueStoreBackend):
    """Celery results in an SQLite file."""

    key_t = str  # keys are stored as text

    def __init__(self, url: Optional[str] = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, url=url, **kwargs)
        url = url or self.url or ""
        if not url.startswith("sqlite://"):
            raise ValueError(f"SqliteBackend needs an sqlite:///path URL, got {url!r}")
        self.path = Path(url[len("sqlite://"):])
        self.db = SqliteConnections(self.path, _SCHEMA)
        self._writes = 0

    def __reduce__(self, args: tuple = (), kwargs: Optional[Dict[str, Any]] = None) -> Any:
        return super().__reduce__(args, dict(kwargs or {}, url=self.url))

    def as_uri(self, include_password: bool = False) -> str:
        return f"sqlite://{self.path}"

    def get(self, key: Any) -> Optional[str]:
        row = self.db.execute("SELECT value, expires FROM celery_kv WHERE key = ?", (bytes_to_str(key),)).fetchone()
        if row is None or (row[1] is not None and row[1] < time.time()):
            return None
        return row[0]

    def mget(self, keys: Iterable[Any]) -> List[Optional[str]]:
        return [self.get(key) for key in keys]

    def set(self, key: Any, value: Any) -> None:
        expires = time.time() + self.expires if self.expires else None
        self.db.execute("INSERT OR REPLACE INTO celery_kv (key, value, expires) VALUES (?, ?, ?)",
                        (bytes_to_str(key), bytes_to_str(value), expires))
        self._writes += 1
        if self._writes % _CLEANUP_EVERY == 1:
            self.cleanup()

    def delete(self, key: Any) -> None:
        self.db.execute("DELETE FROM celery_kv WHERE key = ?", (bytes_to_str(key),))

    def incr(self, key: Any) -> int:
        conn, key = self.db.get(), bytes_to_str(key)
        _retry(lambda: conn.execute("BEGIN IMMEDIATE"), self.db.timeout)
        try:
            conn.execute("INSERT OR IGNORE INTO celery_kv (key, value, expires) VALUES (?, '0', NULL)", (key,))
            conn.execute("UPDATE celery_kv SET value = CAST(value AS INTEGER) + 1 WHERE key = ?", (key,))
            value = int(conn.execute("SELECT value FROM celery_kv WHERE key = ?", (key,)).fetchone()[0])
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return value

    def expire(self, key: Any, value: float) -> None:
        self.db.execute("UPDATE celery_kv SET expires = ? WHERE key = ?", (time.time() + value, bytes_to_str(key)))

    def cleanup(self) -> None:
        """Delete expired results."""
        self.db.execute("DELETE FROM celery_kv WHERE expires IS NOT NULL AND expires < ?", (time.time(),))
