"""Job index in Redis (production): a hash per job, a sorted set of job ids, TTL heartbeats.

Keys (prefix "ewoks:celery"): `<p>:job:<id>` (hash), `<p>:jobs` (sorted set by
submission time), `<p>:alive:<id>` (exists while the worker beats: its TTL is
lost_after, so no clock comparison between machines) and `<p>:cancel:<id>` (a
list the heartbeat blocks on, so a cancel request wakes it at once).
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any, Dict, List, Optional

from .base import PENDING, STARTED, JobRecord, JobStore

RETRIES = 70  # with the backoff capped at 1 s: about one minute

# KEYS: job hash, alive key. ARGV: now, worker, lost_after (ms), job id, expires (s).
_CLAIM = """
local state = redis.call('HGET', KEYS[1], 'state')
if state and state ~= 'PENDING' then return state end
if redis.call('HGET', KEYS[1], 'cancel') == '1' then return 'cancelled' end
redis.call('HSET', KEYS[1], 'job_id', ARGV[4], 'state', 'STARTED', 'started', ARGV[1], 'worker', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
return 'claimed'
"""
# KEYS: job hash, alive key. ARGV: state, finished, message, required current state ('' for any)
_FINISH = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local state = redis.call('HGET', KEYS[1], 'state') or 'PENDING'
if ARGV[4] ~= '' and state ~= ARGV[4] then return 0 end
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[1], 'state', ARGV[1], 'finished', ARGV[2], 'message', ARGV[3])
return 1
"""


def _record(job_id: str, values: Dict[str, str]) -> JobRecord:
    def number(name: str) -> Optional[float]:
        return float(values[name]) if values.get(name) else None

    return JobRecord(job_id=job_id, workflow_id=values.get("workflow_id", ""), queue=values.get("queue", ""),
                     engine=values.get("engine", ""), state=values.get("state", PENDING),
                     submitted=number("submitted") or 0.0, started=number("started"), finished=number("finished"),
                     worker=values.get("worker", ""), cancel=values.get("cancel") == "1",
                     message=values.get("message", ""))


class RedisJobStore(JobStore):
    """Job records in Redis."""

    def __init__(self, url: str, lost_after: float, expires: float, prefix: str = "ewoks:celery") -> None:
        super().__init__(lost_after, expires)
        self.url = url
        self.prefix = prefix
        self._clients: Dict[Any, Any] = {}
        self._adds = 0
        self._lock = threading.Lock()

    def reachable(self) -> bool:
        import redis

        try:
            with redis.Redis.from_url(self.url, socket_timeout=2.0, socket_connect_timeout=2.0) as probe:
                return bool(probe.ping())
        except (redis.RedisError, OSError):
            return False

    def _client(self, blocking: bool = False) -> Any:
        key = (os.getpid(), blocking)  # blocking calls (BLPOP) need a client without socket timeout
        client = self._clients.get(key)
        if client is None:
            import redis
            from redis.backoff import ExponentialBackoff
            from redis.retry import Retry

            # a restarting Redis is waited for (~1 min) instead of failing the job that writes
            retry = None if blocking else Retry(ExponentialBackoff(cap=1.0, base=0.02), RETRIES)
            client = redis.Redis.from_url(self.url, decode_responses=True, socket_timeout=None if blocking else 30.0,
                                          socket_connect_timeout=10.0, health_check_interval=30, retry=retry,
                                          retry_on_error=[redis.ConnectionError, redis.TimeoutError])
            with self._lock:
                self._clients[key] = client
        return client

    def _job(self, job_id: str) -> str:
        return f"{self.prefix}:job:{job_id}"

    def add(self, record: JobRecord) -> None:
        values = {k: ("1" if v is True else "0" if v is False else str(v)) for k, v in record.to_dict().items()
                  if v is not None and v != ""}
        pipe = self._client().pipeline(transaction=False)
        pipe.hset(self._job(record.job_id), mapping=values)
        pipe.expire(self._job(record.job_id), int(self.expires))
        pipe.zadd(f"{self.prefix}:jobs", {record.job_id: record.submitted})
        self._adds += 1
        if self._adds % 100 == 1:
            pipe.zremrangebyscore(f"{self.prefix}:jobs", "-inf", time.time() - self.expires)
        pipe.execute()

    def get(self, job_id: str) -> Optional[JobRecord]:
        values = self._client().hgetall(self._job(job_id))
        return _record(job_id, values) if values else None

    def recent(self, limit: int = 50) -> List[JobRecord]:
        client = self._client()
        ids = client.zrevrange(f"{self.prefix}:jobs", 0, int(limit) - 1)
        pipe = client.pipeline(transaction=False)
        for job_id in ids:
            pipe.hgetall(self._job(job_id))
        return [_record(job_id, values) for job_id, values in zip(ids, pipe.execute(), strict=True) if values]

    def items(self, job_id: str) -> List[JobRecord]:
        client = self._client()
        pattern = _glob_escape(self._job(f"{job_id}:item:")) + "*"
        keys = list(client.scan_iter(match=pattern, count=1000))
        pipe = client.pipeline(transaction=False)
        for key in keys:
            pipe.hgetall(key)
        start = len(self._job(""))
        return [_record(key[start:], values) for key, values in zip(keys, pipe.execute(), strict=True) if values]

    def claim(self, job_id: str, worker: str) -> str:
        return self._client().eval(_CLAIM, 2, self._job(job_id), f"{self.prefix}:alive:{job_id}", time.time(),
                                   worker, int(self.lost_after * 1000), job_id, int(self.expires))

    def alive(self, job_id: str) -> bool:
        return bool(self._client().exists(f"{self.prefix}:alive:{job_id}"))

    def beat(self, job_ids: List[str]) -> None:
        pipe = self._client().pipeline(transaction=False)
        for job_id in job_ids:
            pipe.set(f"{self.prefix}:alive:{job_id}", "1", px=int(self.lost_after * 1000))
        pipe.execute()

    def wait_cancel(self, job_ids: List[str], timeout: float, wake: threading.Event) -> List[str]:
        # BLPOP waits for the next beat and wakes up at once when a cancel is requested
        popped = self._client(blocking=True).blpop([f"{self.prefix}:cancel:{j}" for j in job_ids], timeout=timeout)
        # the key names the job: ids may hold ":" (the items of a stream job, "<job>:item:<n>")
        return [] if popped is None else [popped[0][len(f"{self.prefix}:cancel:"):]]

    def finish(self, job_id: str, state: str, message: str = "", only_if_started: bool = False,
               only_if_pending: bool = False) -> bool:
        required = STARTED if only_if_started else PENDING if only_if_pending else ""
        return bool(self._client().eval(_FINISH, 2, self._job(job_id), f"{self.prefix}:alive:{job_id}", state,
                                        time.time(), message[:2000], required))

    def request_cancel(self, job_id: str) -> None:
        pipe = self._client().pipeline(transaction=True)
        pipe.hset(self._job(job_id), "cancel", "1")
        pipe.rpush(f"{self.prefix}:cancel:{job_id}", "1")
        pipe.expire(f"{self.prefix}:cancel:{job_id}", int(self.expires))
        pipe.execute()

    def close(self) -> None:
        with self._lock:
            clients = [c for (pid, _), c in self._clients.items() if pid == os.getpid()]
            self._clients.clear()
        for client in clients:
            client.close()


def _glob_escape(text: str) -> str:
    """`text` matched literally by a Redis glob pattern."""
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)
