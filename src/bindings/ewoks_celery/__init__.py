"""Remote execution of ewoks workflows on Celery workers.

    future = submit_graph("wf.yaml", inputs=[{"name": "a", "value": 1}], queue="ewoks")
    future.result(timeout=60)

With nothing configured, broker and result store are files in a per-user folder
(`ewoks worker &` then `ewoks submit wf.yaml` works on a laptop); production sets
Redis or RabbitMQ in the file named by $EWOKS_CELERY_CONFIG (see config.py and
docs/engines/celery.md).
"""

from importlib import import_module
from typing import Any

# Imported on first use: `ewoks --help` loads ewoks_celery.cli without Celery.
_EXPORTS = {"submit_graph": "client", "get_future": "client", "cancel_job": "client", "list_jobs": "client",
            "EwoksFuture": "future", "CeleryConfig": "config", "load_config": "config", "JobLostError": "errors",
            "JobNotFoundError": "errors", "TaskNotAllowedError": "errors"}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
