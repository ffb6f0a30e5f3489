"""The `orange` engine: a job executed as an Orange canvas workflow (Scheme + SignalManager)."""

from __future__ import annotations

import importlib.util

from ewoks_core.engines.base import Engine, EngineOptions, Job, RunOptions

# Not the import itself (Qt's libraries take ~0.3 s to load): enough for `ewoks engines` to say
# "not installed (orangecanvas): pip install 'ewoks_core[orange]'" when it is missing.
for _module in ("orangecanvas", "AnyQt"):
    if importlib.util.find_spec(_module) is None:
        raise ImportError(f"No module named {_module!r}", name=_module)


class OrangeEngine(Engine):
    """Runs nodes one at a time in the calling thread, in the order Orange's signal manager delivers
    their inputs; JobState decides what runs (conditions, error handlers, loops)."""

    name = "orange"
    description = "Orange canvas workflow (orange-canvas-core Scheme and SignalManager), in this thread"
    capabilities = frozenset({"dag", "conditions", "on_error", "cycles"})
    Options = EngineOptions

    def run(self, job: Job, options: RunOptions) -> None:
        from .run import OrangeRun

        OrangeRun(job, options).execute()
