"""Redis sink. Keys (prefix "ewoks"), all expiring after `ttl` seconds:

- `ewoks:events:<job_id>`: list of the job's events as JSON objects, in emit order;
- `ewoks:job:<job_id>`: hash summarising the job (workflow_id, start_time, end_time, status);
- `ewoks:jobs`: sorted set of job ids scored by the unix time they were first seen.

Each batch is also published on channel `ewoks:live:<job_id>` as a JSON array so
that followers wake up at once. The `redis` package is imported on instantiation.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
from typing import Any, Dict, Iterator, List, Optional, Tuple

from ...errors import EwoksError
from ._buffered import BufferedSink
from .jsonl import encode, event_dict

DEFAULT_URL = "redis://127.0.0.1:6379/0"


def import_redis() -> Any:
    """The `redis` module, or an EwoksError saying how to install it."""
    try:
        import redis
    except ImportError as e:
        raise EwoksError("the Redis event sink/reader needs the Python package 'redis'",
                         hint="pip install 'ewoks_core[celery]'") from e
    return redis


def make_client(url: str, timeout: float, role: str) -> Any:
    """A redis.Redis client for `url` returning str."""
    redis = import_redis()
    return redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout, decode_responses=True,
                                client_name=f"ewoks:{role}:{socket.gethostname()}:{os.getpid()}")


class Keys:
    """Key and channel names under a prefix."""

    def __init__(self, prefix: str = "ewoks") -> None:
        self.prefix = prefix
        self.jobs = f"{prefix}:jobs"

    def events(self, job_id: Any) -> str:
        return f"{self.prefix}:events:{job_id}"

    def job(self, job_id: Any) -> str:
        return f"{self.prefix}:job:{job_id}"

    def live(self, job_id: Any) -> str:
        return f"{self.prefix}:live:{job_id}"


class RedisSink(BufferedSink):
    """Appends events to per-job Redis lists (see the module docstring)."""

    def __init__(self, url: str = DEFAULT_URL, ttl: Optional[int] = 7 * 24 * 3600, timeout: float = 10.0,
                 prefix: str = "ewoks", disconnect_on_error: bool = False) -> None:
        import_redis()
        self.url = url
        self.ttl = int(ttl) if ttl else None
        self.timeout = float(timeout)
        self.keys = Keys(prefix)
        super().__init__(url=url, ttl=ttl, timeout=timeout, prefix=prefix)

    def _write(self, events: List[Any]) -> None:
        by_job: Dict[str, List[Dict[str, Any]]] = {}
        for event in events:
            data = event_dict(event)
            by_job.setdefault(str(data["job_id"]), []).append(data)
        keys, ttl, now = self.keys, self.ttl, time.time()
        pipe = _shared_client(self.url, self.timeout).pipeline(transaction=True)
        for job_id, dicts in by_job.items():
            payloads = [encode(d) for d in dicts]
            job_key = keys.job(job_id)
            pipe.rpush(keys.events(job_id), *payloads)
            pipe.zadd(keys.jobs, {job_id: now}, nx=True)
            pipe.hsetnx(job_key, "first_time", dicts[0]["time"])
            workflow_id = next((d["workflow_id"] for d in dicts if d["workflow_id"] is not None), None)
            if workflow_id is not None:
                pipe.hsetnx(job_key, "workflow_id", str(workflow_id))
            for d in dicts:
                if d["context"] == "job" and d["type"] == "start":
                    pipe.hset(job_key, "start_time", d["time"])
                    pipe.hsetnx(job_key, "status", "running")
                elif d["context"] == "job" and d["type"] == "end":
                    pipe.hset(job_key, mapping={"end_time": d["time"],
                                                "status": "failed" if d["error"] else "success"})
            pipe.publish(keys.live(job_id), "[" + ",".join(payloads) + "]")
            if ttl:
                pipe.expire(keys.events(job_id), ttl)
                pipe.expire(job_key, ttl)
        if ttl:
            pipe.zremrangebyscore(keys.jobs, "-inf", now - ttl)
        pipe.execute()

    def _open(self) -> None:
        _shared_client(self.url, self.timeout).ping()

    def has_job(self, job_id: str) -> Optional[bool]:
        """Whether the job's event list exists (jobs older than `ttl` are forgotten)."""
        return bool(_shared_client(self.url, self.timeout).exists(self.keys.events(job_id)))


_CLIENTS: Dict[Tuple[str, float], Any] = {}
_CLIENTS_LOCK = threading.Lock()


def _shared_client(url: str, timeout: float) -> Any:
    """One client (thread- and fork-safe connection pool) per URL and process, kept between jobs."""
    with _CLIENTS_LOCK:
        client = _CLIENTS.get((url, timeout))
        if client is None:
            client = _CLIENTS[(url, timeout)] = make_client(url, timeout, "writer")
        return client


class RedisReader:
    """Reads what RedisSink wrote; `wait()` blocks on the job's live channel."""

    follows_one_job_only = True  # live events are published per job

    def __init__(self, url: str = DEFAULT_URL, prefix: str = "ewoks", timeout: float = 10.0) -> None:
        self.url = url
        self.keys = Keys(prefix)
        self._client = make_client(url, timeout, "reader")
        self._pubsub: Any = None

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        redis = import_redis()
        try:
            yield
        except (redis.ConnectionError, redis.TimeoutError) as e:
            raise EwoksError(f"cannot read events from Redis: {e}", source=self.url) from e

    def job_ids(self) -> List[str]:
        """Ids of the known jobs, oldest first."""
        with self._errors():
            return list(self._client.zrange(self.keys.jobs, 0, -1))

    def events(self, job_id: Any, start: int = 0, stop: int = -1) -> List[Dict[str, Any]]:
        """Event dicts of one job from list index `start` to `stop` (included)."""
        with self._errors():
            return [json.loads(s) for s in self._client.lrange(self.keys.events(job_id), start, stop)]

    def jobs(self) -> List[Dict[str, Any]]:
        """One summary dict per job still stored, oldest first."""
        ids = self.job_ids()
        with self._errors():
            pipe = self._client.pipeline(transaction=False)
            for job_id in ids:
                pipe.hgetall(self.keys.job(job_id))
                pipe.llen(self.keys.events(job_id))
            replies = pipe.execute()
        jobs = []
        for job_id, info, count in zip(ids, replies[::2], replies[1::2], strict=True):
            if count:
                jobs.append({"job_id": job_id, "workflow_id": info.get("workflow_id"),
                             "status": info.get("status", "running"),
                             "start_time": info.get("start_time") or info.get("first_time"),
                             "end_time": info.get("end_time"), "n_events": count})
        return jobs

    def dicts(self, filters: Dict[str, Any]) -> Iterator[Dict[str, Any]]:
        """Event dicts of the jobs in filters["job_id"] (else of every job)."""
        for job_id in sorted(filters["job_id"]) if "job_id" in filters else self.job_ids():
            start = 0
            while True:  # in chunks: jobs may have millions of events
                chunk = self.events(job_id, start, start + 9999)
                yield from chunk
                if len(chunk) < 10000:
                    break
                start += len(chunk)

    def new_events(self, job_id: str, cursor: Optional[int]) -> Tuple[List[Dict[str, Any]], int]:
        """The job's events from list index `cursor`; subscribes on the first call."""
        if cursor is None:
            self.subscribe(job_id)
        dicts = self.events(job_id, cursor or 0)
        return dicts, (cursor or 0) + len(dicts)

    def subscribe(self, job_id: Any) -> None:
        """Listen to the job's live channel (call before reading, so nothing is missed)."""
        with self._errors():
            self._pubsub = self._client.pubsub(ignore_subscribe_messages=True)
            self._pubsub.subscribe(self.keys.live(job_id))

    def wait(self, seconds: float) -> None:
        """Block until the subscribed job publishes or `seconds` pass."""
        if self._pubsub is None:
            time.sleep(seconds)
            return
        deadline = time.monotonic() + seconds
        with self._errors():
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._pubsub.get_message(timeout=remaining) is not None:
                    return

    def close(self) -> None:
        """Release the connections."""
        if self._pubsub is not None:
            self._pubsub.close()
        self._client.close()
