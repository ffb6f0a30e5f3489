"""Helpers for tests, benchmarks and the screenshot script: a server in a thread, Debian's Chromium.

    with serve_in_thread(ServerConfig(data_dir=...)) as url:
        ...  # url = "http://127.0.0.1:PORT"
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import threading
import time
from typing import Any, Dict, Iterator

from .config import ServerConfig

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-dev-shm-usage"]


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free on `host` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serve_in_thread(config: ServerConfig, host: str = "127.0.0.1", startup_timeout: float = 30.0) -> Iterator[str]:
    """Run the server (uvicorn) in a thread of this process on a free loopback port; yield its base URL."""
    import uvicorn

    from .app import create_app

    port = free_port(host)
    server = uvicorn.Server(uvicorn.Config(create_app(config), host=host, port=port, log_level="warning",
                                           timeout_graceful_shutdown=2, lifespan="on"))
    thread = threading.Thread(target=server.run, name="ewoks-serve-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the server did not start on {host}:{port}")
        time.sleep(0.02)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


def chromium_path() -> str:
    """Debian's chromium (apt-get install chromium), or $EWOKS_CHROMIUM."""
    return os.environ.get("EWOKS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


def chromium_launch_args() -> Dict[str, Any]:
    """Playwright's launch arguments for the system Chromium (no browser download needed)."""
    return {"executable_path": chromium_path(), "args": list(CHROMIUM_ARGS), "headless": True}
