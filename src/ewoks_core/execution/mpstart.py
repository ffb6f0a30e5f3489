"""Fast, fork-safe worker processes for the process pools of engines (dask, ppf): a forkserver
that has the imports loaded.

Forking the calling process itself (Linux's default) copies a process full of threads
(the driver's timer, pool threads, the event flusher): a child forked while another thread holds a
lock can deadlock. A forkserver forks from a small single-threaded server instead.

With the `forkserver` start method every pool process is forked from one server
process, so what the server has imported is free for each worker. The server
imports ewoks_core, numpy and the modules the main script imports at its top
level (those already imported here, so known to import fine). It does not run
the main script (`set_forkserver_preload(["__main__"])` would, on Python >= 3.13.8,
and an unguarded script would then run its workflows in the server): each worker
re-runs it as `__mp_main__`, as with `spawn`, but with its imports already loaded.
"""

from __future__ import annotations

import ast
import importlib
import json
import logging
import multiprocessing
import os
import sys
import threading
from typing import Any, Iterable, List, Sequence

logger = logging.getLogger(__name__)

_ENV = "EWOKS_FORKSERVER_PRELOAD"
PRELOAD = ["ewoks_core.execution.mpstart", "ewoks_core", "ewoks_core.execution", "ewoks_core.execution.remote", "numpy"]
_LOCK = threading.Lock()


def mp_context(name: str, preload: Sequence[str] = ()) -> Any:
    """The multiprocessing context `name`; for forkserver, a server started with our preloads
    (and `preload`, the caller's worker module: only the first caller's list is used)."""
    ctx = multiprocessing.get_context(name)
    if name == "forkserver":
        _ensure_forkserver(ctx, list(preload))
    return ctx


def default_start_method() -> str:
    """forkserver where the platform has it, else spawn (never a plain fork of a threaded process)."""
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


def _ensure_forkserver(ctx: Any, extra: List[str]) -> None:
    from multiprocessing import forkserver

    server = getattr(forkserver, "_forkserver", None)
    if server is None or getattr(server, "_forkserver_pid", 0) is not None:
        return  # running already (ours, or configured by the application): use it as it is
    with _LOCK:
        if server._forkserver_pid is not None or getattr(server, "_preload_modules", None) != ["__main__"]:
            return
        ctx.set_forkserver_preload(PRELOAD + [m for m in extra if m not in PRELOAD])
        os.environ[_ENV] = json.dumps({"modules": main_imports(), "sys_path": sys.path})
        try:
            forkserver.ensure_running()
        finally:
            os.environ.pop(_ENV, None)


def main_imports() -> List[str]:
    """Modules imported at the top level of the main script that are imported in this process too."""
    path = getattr(sys.modules.get("__main__"), "__file__", None)
    if not path or not str(path).endswith(".py"):
        return []
    try:
        with open(path, "rb") as f:
            tree = ast.parse(f.read(), filename=str(path))
    except (OSError, SyntaxError, ValueError):
        return []
    names: List[str] = []
    for node in _top_level(tree.body):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return [n for n in dict.fromkeys(names) if n in sys.modules]


def _top_level(body: Iterable[ast.AST]) -> Iterable[ast.AST]:
    """Statements (and except handlers) run when the module is imported (not function or class bodies, nor the
    __main__ guard)."""
    for node in body:
        yield node
        if isinstance(node, ast.If) and "__main__" in ast.dump(node.test):
            continue
        for field in ("body", "orelse", "finalbody", "handlers"):
            children = getattr(node, field, None)
            if isinstance(children, list) and not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                                     ast.ClassDef)):
                yield from _top_level(c for c in children if isinstance(c, (ast.stmt, ast.excepthandler)))


def _preload_in_server() -> None:
    """Runs in the forkserver process when it imports this module."""
    config = os.environ.pop(_ENV, None)
    if not config or multiprocessing.parent_process() is not None:
        return
    data = json.loads(config)
    for path in reversed(data.get("sys_path") or []):  # Python < 3.12 ignores the parent's sys.path here
        if path not in sys.path:
            sys.path.insert(0, path)
    for name in data.get("modules") or []:
        try:
            importlib.import_module(name)
        except BaseException as e:  # never let a module break the server: workers import it themselves
            logger.debug("forkserver could not preload %s: %s", name, e)


_preload_in_server()
