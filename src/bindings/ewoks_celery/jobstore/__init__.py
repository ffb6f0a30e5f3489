"""The job index (see base.JobStore): SQLite next to embedded results, Redis next to Redis results."""

from __future__ import annotations

import threading
from typing import Dict

from ..config import CeleryConfig
from .base import FAILURE, FINAL_STATES, PENDING, REVOKED, STARTED, SUCCESS, JobRecord, JobStore

__all__ = ["JobRecord", "JobStore", "open_jobstore", "PENDING", "STARTED", "SUCCESS", "FAILURE", "REVOKED",
           "FINAL_STATES"]

_STORES: Dict[CeleryConfig, JobStore] = {}
_LOCK = threading.Lock()


def open_jobstore(config: CeleryConfig) -> JobStore:
    """The job index of a configuration (one instance per configuration and process)."""
    with _LOCK:
        store = _STORES.get(config)
        if store is None:
            if config.results_in_redis:
                from .redis import RedisJobStore

                store = RedisJobStore(config.results_url, config.lost_after, config.result_expires)
            else:
                from .sqlite import SqliteJobStore

                store = SqliteJobStore(config.sqlite_results_path, config.lost_after, config.result_expires)
            _STORES[config] = store
        return store
