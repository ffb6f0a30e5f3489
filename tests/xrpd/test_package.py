"""Package hygiene: listing the tasks is quick (no heavy import), modules stay small."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "tasks" / "ewoks_xrpd"


def test_listing_tasks_imports_no_heavy_module():
    code = (
        "import sys\n"
        "from ewoks_core.task.discovery import discover_tasks\n"
        "tasks = discover_tasks('ewoks_xrpd')\n"
        "heavy = [m for m in ('pyFAI', 'h5py', 'matplotlib', 'fabio', 'silx', 'scipy') if m in sys.modules]\n"
        "print(len(tasks), heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=_env()).stdout.split("\n")[0]
    assert out == "16 []", out  # 14 + the online pair IntegrateFrame1D, StackPatterns


def test_every_task_is_documented():
    from ewoks_core.task.discovery import discover_tasks

    for description in discover_tasks("ewoks_xrpd"):
        assert description["description"], description["task_identifier"]
        assert description["output_names"], description["task_identifier"]


def test_modules_are_small():
    for path in PACKAGE.rglob("*.py"):
        assert len(path.read_text().splitlines()) < 300, path


def _env():
    import os

    env = dict(os.environ)
    root = PACKAGE.parents[2]
    env["PYTHONPATH"] = os.pathsep.join([str(root / "src"), str(root / "src" / "tasks"), env.get("PYTHONPATH", "")])
    return env
