"""kombu's filesystem transport, made safe for concurrent producers and consumers.

Upstream (kombu issue 1551) a message file is created and only then written, so a
consumer listing the folder in between reads an empty or half-written file and the
worker dies on a JSON decode error; the exchange tables have the same race. Here:

- a message is written to a hidden temporary file, fsynced and renamed into the
  queue folder: consumers only ever see complete messages;
- a consumer claims a message by renaming it to a hidden name in the same folder
  (atomic: exactly one consumer wins) before reading and deleting it;
- exchange tables are rewritten whole (temporary file + rename) under a lock file.

Registered as the kombu transport alias "ewoksfs" (URL "ewoksfs://").
"""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from queue import Empty
from time import monotonic
from typing import Any, Iterator, List

from kombu.exceptions import ChannelError
from kombu.transport import TRANSPORT_ALIASES
from kombu.transport import filesystem as upstream
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: renames are still atomic, locks are skipped
    fcntl = None  # type: ignore[assignment]

ALIAS = "ewoksfs"


def write_atomic(path: str, data: bytes, fsync: bool = True) -> None:
    """Write `data` to a hidden temporary file next to `path`, then rename it to `path`."""
    folder, name = os.path.split(path)
    tmp = os.path.join(folder, f".{name}.{uuid.uuid4().hex}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        if fsync:
            os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


@contextmanager
def locked(path: str) -> Iterator[None]:
    """An exclusive lock held on the file `path` (created if missing)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


class Channel(upstream.Channel):
    """Filesystem channel with atomic message and exchange-table writes."""

    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:  # type: ignore[override]
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        try:
            write_atomic(os.path.join(self.data_folder_out, name), str_to_bytes(dumps(payload)),
                         fsync=self.transport_options.get("fsync", True))
        except OSError as exc:
            raise ChannelError(f"Cannot add message {name!r} to {self.data_folder_out!r}: {exc}") from exc

    def _get(self, queue: str, timeout: Any = None) -> Any:
        wanted = f"{queue}.msg"
        folder = self.data_folder_in
        for name in sorted(os.listdir(folder)):
            if name.startswith(".") or name.partition(".")[2] != wanted:
                continue
            claimed = os.path.join(folder, f".{name}.{uuid.uuid4().hex}.claimed")
            try:
                os.rename(os.path.join(folder, name), claimed)  # one consumer wins
            except OSError:
                continue  # taken by another consumer
            try:
                with open(claimed, "rb") as f:
                    payload = f.read()
                if self.store_processed:
                    os.replace(claimed, os.path.join(self.processed_folder, name))
                else:
                    os.remove(claimed)
            except OSError as exc:
                raise ChannelError(f"Cannot read message {name!r} from {folder!r}: {exc}") from exc
            return loads(bytes_to_str(payload))
        raise Empty()

    def _update_table(self, exchange: str, change: Any) -> None:
        """Apply change(list of bindings) -> list|None to the exchange table, atomically and under a lock."""
        file = self._exchange_file(exchange)
        self.control_folder.mkdir(parents=True, exist_ok=True)
        with locked(str(file) + ".lock"):
            queues: List[Any] = self.get_table(exchange)
            new = change(list(queues))
            if new is not None and new != queues:
                write_atomic(str(file), str_to_bytes(dumps([list(q) for q in new])))

    def _queue_bind(self, exchange: str, routing_key: str, pattern: str, queue: str) -> None:
        value = upstream.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        self._update_table(exchange, lambda queues: None if value in queues else [value] + queues)

    def _delete(self, queue: str, exchange: str, routing_key: str, pattern: str, *args: Any, **kwargs: Any) -> None:
        upstream.virtual.Channel._delete(self, queue, exchange, routing_key, pattern, *args, **kwargs)
        value = upstream.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        if self._exchange_file(exchange).exists():
            self._update_table(exchange, lambda queues: [q for q in queues if q != value])


class Transport(upstream.Transport):
    """The safe filesystem transport."""

    Channel = Channel
    global_state = upstream.virtual.BrokerState()
    driver_type = "filesystem"
    driver_name = "ewoksfs"


def register() -> None:
    """Make "ewoksfs://" URLs resolve to this transport."""
    TRANSPORT_ALIASES.setdefault(ALIAS, f"{__name__}:Transport")
