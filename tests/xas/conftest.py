"""Shared fixtures of the ewoks_xas tests: demo scans written once per session."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List

import pytest

pytest.importorskip("larch", reason="ewoks_xas needs xraylarch (pip install 'ewoks_core[xas]')")

from ewoks_xas.demo_data import generate_spectra  # noqa: E402
from ewoks_xas.io import read_spectrum  # noqa: E402


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with 3 ASCII scans and one HDF5 file with 3 scans (seed 0)."""
    folder = tmp_path_factory.mktemp("xas_demo")
    generate_spectra(folder, nscans=3, seed=0, fmt="ascii")
    generate_spectra(folder, nscans=3, seed=0, fmt="hdf5")
    return folder


@pytest.fixture(scope="session")
def ascii_paths(demo_dir: Path) -> List[str]:
    return sorted(str(p) for p in demo_dir.glob("cu_exafs_scan*.dat"))


@pytest.fixture(scope="session")
def hdf5_file(demo_dir: Path) -> str:
    return str(demo_dir / "cu_exafs_demo.h5")


@pytest.fixture(scope="session")
def spectra(ascii_paths: List[str]) -> List[Dict]:
    """The 3 demo scans read in transmission."""
    return [read_spectrum(p) for p in ascii_paths]
