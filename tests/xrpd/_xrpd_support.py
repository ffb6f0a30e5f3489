"""Helpers of the ewoks_xrpd tests (a uniquely named module, see tests/server/_server_support.py)."""

from __future__ import annotations

from pathlib import Path

NFRAMES = 6


def list_files(folder: Path) -> list:
    """Every file under `folder` (hidden temporary files included)."""
    return sorted(str(p.relative_to(folder)) for p in Path(folder).rglob("*") if p.is_file())
