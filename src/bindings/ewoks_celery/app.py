"""The Celery application of a configuration: JSON only, late acknowledgement, three tasks.

Tasks: TASK_NAME runs one workflow job (see runner.py); ITEM_NAME runs one node run of a
stream item of a job (items.py, item_task.py); PING_NAME returns its argument (readiness
checks and the bare-Celery baseline of the benchmark).
"""

from __future__ import annotations

import threading
import warnings
from typing import Any, Dict

from celery import Celery, signals
from ewoks_core.errors import EwoksError

from . import liveness, transport_fs
from .backend_sqlite import CLASS_PATH as SQLITE_BACKEND
from .config import ITEM_NAME, PING_NAME, TASK_NAME, CeleryConfig

_APPS: Dict[CeleryConfig, Celery] = {}
_LOCK = threading.Lock()


def result_backend_url(config: CeleryConfig) -> str:
    """The Celery result_backend setting (our SQLite backend, or Redis)."""
    url = config.results_url
    if url.startswith("sqlite://"):
        return f"{SQLITE_BACKEND}+sqlite://{config.sqlite_results_path}"
    if config.results_in_redis:
        return url
    raise EwoksError(f"unsupported result store {url!r}", source=config.source, field="results",
                     hint="Use a redis:// URL or an SQLite file (sqlite:///path/results.db); "
                          "jobs are looked up by id from any process, which RabbitMQ's rpc:// cannot do.")


def broker_transport_options(config: CeleryConfig) -> Dict[str, Any]:
    if config.embedded_broker:
        folders = config.broker_folders
        for folder in folders.values():
            folder.mkdir(parents=True, exist_ok=True)
        return {"data_folder_in": str(folders["queue"]), "data_folder_out": str(folders["queue"]),
                "control_folder": str(folders["control"]), "polling_interval": config.polling_interval,
                "fsync": False}
    if config.broker.startswith(("redis://", "rediss://", "unix://")):
        return {"visibility_timeout": config.visibility_timeout}
    return {}


def celery_settings(config: CeleryConfig) -> Dict[str, Any]:
    """Every Celery setting derived from the configuration (extra `celery` settings last)."""
    settings: Dict[str, Any] = dict(
        broker_url=config.broker_url,
        result_backend=result_backend_url(config),
        broker_transport_options=broker_transport_options(config),
        # only JSON crosses the wire
        task_serializer="json", result_serializer="json", accept_content=["json"], result_accept_content=["json"],
        event_serializer="json",
        # a job's message is acknowledged when the job ended; a killed pool process fails the job
        task_acks_late=True, task_reject_on_worker_lost=False, task_acks_on_failure_or_timeout=True,
        # a pool process that died is reported after 1 s, not Celery's 10 s (its job could only have published a
        # result in that window, and a stored SUCCESS is never overwritten): see liveness.py
        worker_lost_wait=1.0,
        worker_prefetch_multiplier=1, task_track_started=False,  # runner.py records STARTED after its checks
        worker_cancel_long_running_tasks_on_connection_loss=False,  # a broker restart must not kill running jobs
        broker_connection_retry_on_startup=True, broker_connection_max_retries=None,
        task_publish_retry=True,
        task_publish_retry_policy={"max_retries": 30, "interval_start": 0, "interval_step": 0.5, "interval_max": 1},
        result_backend_always_retry=True, result_backend_max_retries=30,
        result_expires=int(config.result_expires),
        task_default_queue=config.queue, task_create_missing_queues=True,
        worker_send_task_events=False, task_send_sent_event=False,
        worker_hijack_root_logger=False, worker_redirect_stdouts=False,
    )
    if config.embedded_broker:  # nothing uses broadcasts here: workers poll one queue folder less
        settings["worker_enable_remote_control"] = False
    if config.results_in_redis:
        settings["redis_backend_health_check_interval"] = 30
        settings["result_backend_transport_options"] = {"retry_policy": {"timeout": 30.0}}
    for name, value in config.celery_options.items():  # dict settings (transport options, ...) are merged
        if isinstance(value, dict) and isinstance(settings.get(name), dict):
            settings[name] = {**settings[name], **value}
        else:
            settings[name] = value
    return settings


def make_app(config: CeleryConfig) -> Celery:
    """A new Celery application for `config` (use get_app() to share one per configuration)."""
    transport_fs.register()
    liveness.connect()
    signals.worker_init.connect(_preload_engine, weak=False, dispatch_uid="ewoks-preload-engine")
    app = Celery("ewoks", set_as_current=False)
    app.conf.update(celery_settings(config))
    app.ewoks_config = config

    from .errors import RemoteJobError
    from .item_task import execute_item_task
    from .runner import execute_graph_task

    # RemoteJobError is the expected way a job fails: logged without a Celery traceback
    app.task(name=TASK_NAME, bind=True, throws=(RemoteJobError,), Request=liveness.JobRequest)(execute_graph_task)
    app.task(name=ITEM_NAME, bind=True)(execute_item_task)
    app.task(name=PING_NAME)(_ping)
    return app


def _preload_engine(**_: Any) -> None:
    """Import the default engine before the pool forks: no job pays for the import, and no cancel can land
    inside it."""
    from ewoks_core.engines.registry import get_engine

    get_engine(None)


def _ping(value: Any = None) -> Any:
    return value


def get_app(config: CeleryConfig) -> Celery:
    """The shared Celery application of `config` in this process."""
    with _LOCK:
        app = _APPS.get(config)
        if app is None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                app = _APPS[config] = make_app(config)
        return app
