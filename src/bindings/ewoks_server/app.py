"""create_app(config): the FastAPI application of `ewoks serve` (API, streams and the web monitor)."""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import Any, AsyncIterator, Optional

from fastapi import FastAPI
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from .config import ServerConfig
from .deps import Server
from .errors import install_handlers
from .feed import EventFeed
from .jobs.manager import JobManager
from .policy import Policy
from .tasks import TaskStore
from .workflows import WorkflowStore

logger = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).parent / "static"
API_PREFIXES = ("/api", "/api/v2", "/api/v2_0_0")  # ewoksserver's latest, major and full version paths


def build_server(config: ServerConfig) -> Server:
    """The server's parts (nothing started yet)."""
    config.make_dirs()
    policy = Policy(tuple(config.allowed_tasks), config.allow_scripts, config.workflows_dir)
    feed = EventFeed(config.events_db, config.poll_interval)
    jobs = JobManager(config, policy, feed)
    feed.on_job_event = jobs.on_job_event
    return Server(config, policy, WorkflowStore(config.workflows_dir), TaskStore(config.tasks_dir), feed, jobs)


def create_app(config: Optional[ServerConfig] = None) -> FastAPI:
    """The application; its lifespan starts the event feed and the job executor and stops them."""
    from .routes import compat, jobs

    config = config or ServerConfig()
    state = build_server(config)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state.feed.start()
        state.jobs.start()
        try:
            yield
        finally:
            state.jobs.shutdown()
            state.feed.stop()

    app = FastAPI(title="ewoks", summary="Run and monitor ewoks workflows", version="1.0.0", lifespan=lifespan,
                  docs_url="/docs", redoc_url=None, openapi_url="/openapi.json")
    app.state.server = state
    install_handlers(app)
    app.add_middleware(BodyLimit, limit=config.max_body_bytes)
    if config.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=list(config.cors_origins), allow_methods=["*"],
                           allow_headers=["*"], expose_headers=["ETag"])
    for i, prefix in enumerate(API_PREFIXES):
        app.include_router(compat.router, prefix=prefix, include_in_schema=(i == 0))
    app.include_router(jobs.router, prefix="/api")
    app.mount("/monitor", StaticFiles(directory=STATIC_DIR, html=True), name="monitor")

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/monitor/")

    @app.get("/api/info", tags=["server"], summary="What this server runs jobs with")
    def info() -> dict:
        from ewoks_core.engines.registry import list_engines

        return {"executor": state.jobs.executor.name, "token_required": bool(config.token),
                "allowed_tasks": list(config.allowed_tasks), "pool_size": config.pool_size,
                "engines": [engine.name for engine in list_engines() if engine.engine is not None]}

    return app


class BodyLimit:
    """ASGI middleware: a request whose Content-Length exceeds `limit` gets 413 (no streaming overhead)."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            for name, value in scope.get("headers") or ():
                if name == b"content-length" and value.isdigit() and int(value) > self.limit:
                    response = JSONResponse({"message": f"request body larger than {self.limit} bytes",
                                             "field": None, "type": "request"}, status_code=413)
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)
