"""What every route needs: the server's parts, and the token check of write endpoints."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from .config import ServerConfig
from .errors import ApiError
from .feed import EventFeed
from .jobs.manager import JobManager
from .policy import Policy
from .tasks import TaskStore
from .workflows import WorkflowStore


@dataclass
class Server:
    """The parts of one running server (app.state.server)."""

    config: ServerConfig
    policy: Policy
    workflows: WorkflowStore
    tasks: TaskStore
    feed: EventFeed
    jobs: JobManager


def server(request: Request) -> Server:
    """FastAPI dependency: the running server."""
    return request.app.state.server


ServerDep = Annotated[Server, Depends(server)]


def write_access(request: Request) -> None:
    """FastAPI dependency of every write endpoint: with a token configured, require it
    (`Authorization: Bearer TOKEN`)."""
    token = request.app.state.server.config.token
    if not token:
        return
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise ApiError(401, "this server needs a token to change anything: send 'Authorization: Bearer TOKEN'",
                       field="Authorization", type="auth", headers={"WWW-Authenticate": "Bearer"})
