"""`ewoks serve`: the sub-command this package adds to the ewoks CLI (entry point group ewoks.cli).

Importing this module needs nothing beyond the core: without the [server] extra, `ewoks serve`
says what to install.
"""

from __future__ import annotations

import os
from typing import Any

from ewoks_core.errors import EwoksError

from .config import DEFAULT_ALLOWED_TASKS, TOKEN_ENV_VAR, ServerConfig


def add_commands(sub: Any) -> None:
    """Add `ewoks serve` to the CLI."""
    p = sub.add_parser("serve", help="serve the REST API and the web monitor (runs workflows)")
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000; 0: any free port)")
    p.add_argument("--data-dir", default="", help="folder for workflows, events, jobs and their results "
                                                  "(default: $EWOKS_DATA_DIR/server or ~/.local/share/ewoks/server)")
    p.add_argument("--token", default=None, help=f"require this token on every write request "
                                                 f"(Authorization: Bearer TOKEN; default ${TOKEN_ENV_VAR})")
    p.add_argument("--workers", type=int, default=0, help="jobs running at once (default: number of CPUs)")
    p.add_argument("--allow", action="append", metavar="MODULE", default=None,
                   help=f"task module prefix jobs may use; repeatable ('*': any). "
                        f"Default: {', '.join(DEFAULT_ALLOWED_TASKS)}")
    p.add_argument("--allow-scripts", action="store_true", help="let jobs run script tasks (programs)")
    p.add_argument("--cors-origin", action="append", metavar="ORIGIN", default=[],
                   help="allow browser pages of this origin to call the API (CORS is off by default)")
    p.add_argument("--celery", nargs="?", const="", default=None, metavar="CONFIG",
                   help="run jobs on Celery workers (CONFIG: their configuration file; without it "
                        "$EWOKS_CELERY_CONFIG or the embedded defaults)")
    p.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    p.set_defaults(func=cmd_serve)


def config_from_args(args: Any) -> ServerConfig:
    """The ServerConfig of the command line (and $EWOKS_SERVER_TOKEN, $EWOKS_CELERY_CONFIG)."""
    if args.workers < 0:
        raise EwoksError(f"--workers {args.workers}: give a number of jobs >= 1 (0: number of CPUs)",
                         field="--workers")
    celery = args.celery
    if celery is None and os.environ.get("EWOKS_CELERY_CONFIG"):
        celery = ""  # a broker is configured: jobs go to its workers
    return ServerConfig(data_dir=args.data_dir, token=args.token or os.environ.get(TOKEN_ENV_VAR) or None,
                        cors_origins=tuple(args.cors_origin), workers=args.workers,
                        allowed_tasks=tuple(args.allow) if args.allow else DEFAULT_ALLOWED_TASKS,
                        allow_scripts=args.allow_scripts, celery_config=celery)


def cmd_serve(args: Any) -> int:
    try:
        import uvicorn

        from .app import create_app
    except ImportError as e:
        raise EwoksError(f"ewoks serve needs the server extra ({e})", field="serve",
                         hint="pip install 'ewoks_core[server]'") from None
    config = config_from_args(args)
    app = create_app(config)
    server = uvicorn.Server(uvicorn.Config(app, host=args.host, port=args.port, log_level=args.log_level,
                                           timeout_graceful_shutdown=3, lifespan="on"))
    _announce(server, config, args.host)
    server.run()
    return 0


def _announce(server: Any, config: ServerConfig, host: str) -> None:
    """Print the address once uvicorn listens (the port may be chosen by the system)."""
    import sys

    startup = server.startup

    async def announced_startup(*a: Any, **k: Any) -> None:
        await startup(*a, **k)
        for s in getattr(server, "servers", []):
            for sock in s.sockets:
                address = sock.getsockname()
                shown = f"[{address[0]}]" if ":" in address[0] else address[0]
                print(f"ewoks serve: http://{shown}:{address[1]}/ (data in {config.root})", file=sys.stderr,
                      flush=True)

    server.startup = announced_startup
