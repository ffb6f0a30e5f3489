"""`.ci/run` runs exactly the README's test command (split around the lint checks)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ci_runs_the_readme_test_command() -> None:
    """The install line and the pytest line of .ci/run, joined by ' && ', are README command 2."""
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"^```bash\n(.*?)\n```", readme, flags=re.S | re.M)
    assert len(commands) >= 2, "README.md lost its install/test commands"
    lines = [line.split("  #")[0].strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    install = [line for line in lines if line.startswith("python3 -m venv .venv")]
    pytest = [line for line in lines if line.startswith(".venv/bin/python -m pytest")]
    assert len(install) == 1 and len(pytest) == 1, ".ci/run must have one install line and one pytest line"
    assert f"{install[0]} && {pytest[0]}" == commands[1].strip()
    ruff_at = lines.index(".venv/bin/ruff check src tests benchmarks")
    mypy_at = lines.index(".venv/bin/mypy")
    assert lines.index(install[0]) < ruff_at < mypy_at < lines.index(pytest[0])
