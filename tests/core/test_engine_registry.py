"""The engine registry: what it remembers after a failed load (a Celery pool process lives for many jobs)."""

from __future__ import annotations

import pytest

from ewoks_core.engines import registry
from ewoks_core.errors import EngineError, WorkflowCancelled


@pytest.fixture
def fresh_registry(monkeypatch):
    monkeypatch.setattr(registry, "_ENGINES", {})
    return registry


def test_cancel_while_importing_propagates_and_is_not_remembered(fresh_registry, monkeypatch):
    real_load = registry.load
    calls = []

    def load_cancelled_once(target):
        calls.append(target)
        if len(calls) == 1:  # the job's SIGTERM handler raising inside the import, as on a Celery worker
            raise WorkflowCancelled("job j1 cancelled")
        return real_load(target)

    monkeypatch.setattr(registry, "load", load_cancelled_once)
    with pytest.raises(WorkflowCancelled):
        registry.get_engine("sequential")
    assert registry.get_engine("sequential").name == "sequential"  # the next job of the process runs
    assert len(calls) == 2


def test_a_failing_engine_is_retried_and_a_missing_one_remembered(fresh_registry, monkeypatch):
    monkeypatch.setattr(registry, "CORE_ENGINES", {"sequential": registry.CORE_ENGINES["sequential"],
                                                   "broken": "ewoks_core.errors:no_such_class",
                                                   "absent": "no_such_package_xyz.engine:Engine"})
    with pytest.raises(EngineError, match="'broken' failed to load: AttributeError"):
        registry.get_engine("broken")
    assert "broken" not in registry._ENGINES
    with pytest.raises(EngineError, match=r"'absent' not installed \(no_such_package_xyz\).*ewoks_core\[absent\]"):
        registry.get_engine("absent")
    assert registry._ENGINES["absent"].engine is None
