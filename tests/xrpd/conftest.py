"""Shared fixtures of the ewoks_xrpd tests: one small demo scan written per session."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Dict

import pytest

try:
    import ewoks_xrpd  # noqa: F401
except ImportError:  # not installed: use the source tree
    _root = Path(__file__).resolve().parents[2]
    sys.path[:0] = [str(_root / "src"), str(_root / "src" / "tasks")]

pytest.importorskip("pyFAI", reason="ewoks_xrpd needs pyFAI (pip install 'ewoks_core[xrpd]')")
pytest.importorskip("fabio", reason="ewoks_xrpd needs fabio (pip install 'ewoks_core[xrpd]')")

from _xrpd_support import NFRAMES  # noqa: E402


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, str]:
    """Paths of a 6-frame LaB6 demo scan (Pilatus1M, 30 keV, 0.3 m): scan_url, monitor_url, poni_path..."""
    from ewoks_xrpd.demo_data import generate_scan

    folder = tmp_path_factory.mktemp("xrpd_demo")
    return generate_scan(folder / "demo_scan.h5", nframes=NFRAMES, seed=1)


@pytest.fixture(scope="session")
def integration_inputs(demo: Dict[str, str]) -> Dict[str, Any]:
    """Inputs of IntegrateScan1D for the demo scan, with mask, monitor and polarization."""
    return {"frames_url": demo["scan_url"], "poni": demo["poni_path"], "monitor_url": demo["monitor_url"],
            "mask": demo["mask_path"], "polarization_factor": 0.99, "npt": 800}


@pytest.fixture(scope="session")
def plain_ai(demo: Dict[str, str]) -> Any:
    """A plain pyFAI integrator of the demo geometry, independent of ewoks_xrpd's cache."""
    import pyFAI

    return pyFAI.load(demo["poni_path"])


@pytest.fixture(scope="session")
def plain_mask(demo: Dict[str, str], plain_ai: Any) -> Any:
    """The demo beam-stop mask combined with the detector mask (as ewoks_xrpd does)."""
    import fabio

    return fabio.open(demo["mask_path"]).data.astype(bool) | plain_ai.detector.mask.astype(bool)


@pytest.fixture(scope="session")
def frames_and_monitor(demo: Dict[str, str]) -> Any:
    """The demo frames (int32 stack) and monitor read with plain h5py."""
    import h5py

    with h5py.File(demo["scan_file"], "r") as f:
        return f["/1.1/measurement/pilatus"][()], f["/1.1/measurement/mon"][()]
