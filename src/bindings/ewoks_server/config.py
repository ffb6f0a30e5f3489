"""The server's configuration, parsed once (command line, environment) into a frozen ServerConfig.

Everything the server writes lives under `data_dir`:

    workflows/<id>.json      saved workflows (the ewoksserver "resource directory")
    tasks/<identifier>.json  task descriptions (filled by POST /api/tasks/discover)
    events.db                the event store of every job (SQLite, ewoks_events table)
    jobs.db                  the job index (state, times, error) for the job list
    jobs/<job id>/           one folder per job: request.json, outcome.json, results/ (node results,
                             the cache of re-runs) and the files its tasks write (its working directory)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Tuple

TOKEN_ENV_VAR = "EWOKS_SERVER_TOKEN"
DATA_DIR_ENV_VAR = "EWOKS_DATA_DIR"
# Task libraries of this repository (as the Celery workers' default allow-list).
DEFAULT_ALLOWED_TASKS = ("ewoks_core.testing", "ewoks_xrpd", "ewoks_xas")


@dataclass(frozen=True)
class ServerConfig:
    """What `ewoks serve` was started with."""

    data_dir: str = ""  # "" -> $EWOKS_DATA_DIR/server or ~/.local/share/ewoks/server
    token: Optional[str] = None  # required on every write endpoint when set (Authorization: Bearer TOKEN)
    cors_origins: Tuple[str, ...] = ()  # CORS is off unless origins are given
    workers: int = 0  # jobs running at once in the local pool (0: number of CPUs)
    allowed_tasks: Tuple[str, ...] = DEFAULT_ALLOWED_TASKS  # module prefixes jobs may use ("*": any)
    allow_scripts: bool = False  # task_type "script" runs programs: off unless asked for
    celery_config: Optional[str] = None  # run jobs on Celery workers with this configuration ("" = defaults)
    poll_interval: float = 0.05  # seconds between reads of new events (live streams)
    cancel_grace: float = 5.0  # seconds a cancelled job may take to end before it is killed
    max_body_bytes: int = 64 * 1024 * 1024  # larger request bodies are refused (413)

    @property
    def root(self) -> Path:
        """The data folder, absolute."""
        if self.data_dir:
            return Path(self.data_dir).expanduser().resolve()
        return default_data_dir()

    @property
    def workflows_dir(self) -> Path:
        return self.root / "workflows"

    @property
    def tasks_dir(self) -> Path:
        return self.root / "tasks"

    @property
    def jobs_dir(self) -> Path:
        return self.root / "jobs"

    @property
    def events_db(self) -> Path:
        return self.root / "events.db"

    @property
    def jobs_db(self) -> Path:
        return self.root / "jobs.db"

    @property
    def pool_size(self) -> int:
        return self.workers if self.workers > 0 else max(1, os.cpu_count() or 1)

    @property
    def uses_celery(self) -> bool:
        return self.celery_config is not None

    def events_handler(self) -> dict:
        """The execinfo handler every job of this server writes its events with."""
        return {"class": "sqlite", "arguments": [{"name": "uri", "value": str(self.events_db)}]}

    def make_dirs(self) -> None:
        """Create the data folders (at start-up, not at import)."""
        for path in (self.workflows_dir, self.tasks_dir, self.jobs_dir):
            path.mkdir(parents=True, exist_ok=True)


def default_data_dir() -> Path:
    """$EWOKS_DATA_DIR/server, else $XDG_DATA_HOME/ewoks/server, else ~/.local/share/ewoks/server."""
    if os.environ.get(DATA_DIR_ENV_VAR):
        return (Path(os.environ[DATA_DIR_ENV_VAR]).expanduser() / "server").resolve()
    xdg = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return (Path(xdg) / "ewoks" / "server").resolve()
