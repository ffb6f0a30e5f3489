"""The benchmark scripts still run against the current code (they import engine internals: a refactoring
broke bench_dask's static prototype once, unnoticed until the tables were regenerated). No timing is checked."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_bench_dask_quick_runs():
    proc = subprocess.run([sys.executable, str(BENCHMARKS / "bench_dask.py"), "--quick", "--no-cluster"],
                          capture_output=True, text=True, timeout=280)
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = [line for line in proc.stdout.splitlines() if line.startswith(("chain", "fan-out/in", "cpu"))]
    assert len(rows) >= 8 and not any(" nan " in row for row in rows), proc.stdout
