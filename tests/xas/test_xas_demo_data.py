"""The demo data generator: realistic Cu K-edge scans from a real FEFF6 chi(k), fast after the first time."""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np
import pytest

from ewoks_core.errors import TaskInputError
from ewoks_xas import CU_K_EDGE
from ewoks_xas.demo_data import energy_grid, generate_spectra
from ewoks_xas.feff_model import PACKAGE_CACHE, first_shell_distance, load_cu_chi
from ewoks_xas.io import read_ascii_columns
from ewoks_xas.tasks.demo import GenerateDemoSpectra


def test_ascii_files(ascii_paths):
    assert len(ascii_paths) == 3
    cols = read_ascii_columns(ascii_paths[0])
    assert list(cols) == ["energy", "I0", "It", "If"]
    energy = cols["energy"]
    assert energy[0] < CU_K_EDGE - 150 and energy[-1] > CU_K_EDGE + 900
    assert np.all(np.diff(energy) > 0)
    assert cols["I0"].min() > 1e5 and cols["It"].min() > 1e5  # counts, not mu
    mu = np.log(cols["I0"] / cols["It"])
    assert mu[energy > CU_K_EDGE + 30].mean() - mu[energy < CU_K_EDGE - 30].mean() > 1.0  # an edge step


def test_hdf5_layout(hdf5_file):
    with h5py.File(hdf5_file, "r") as f:
        assert sorted(f) == ["1.1", "2.1", "3.1"]
        for name in ("energy", "I0", "It", "If"):
            assert f[f"/1.1/measurement/{name}"].ndim == 1
        assert f["/1.1"].attrs["NX_class"] == "NXentry"


def test_scans_are_repeats_with_independent_noise(ascii_paths):
    a, b = (read_ascii_columns(p) for p in ascii_paths[:2])
    assert a["energy"].size == b["energy"].size
    assert not np.array_equal(a["It"], b["It"])
    np.testing.assert_allclose(a["energy"], b["energy"], atol=0.2)


def test_deterministic(tmp_path: Path):
    first = generate_spectra(tmp_path / "a", nscans=2, seed=7)
    second = generate_spectra(tmp_path / "b", nscans=2, seed=7)
    assert Path(first[1]).read_text() == Path(second[1]).read_text()
    assert not list((tmp_path / "a").glob(".*.tmp"))


def test_package_feff_cache_is_a_real_feff6_result():
    data = json.loads(PACKAGE_CACHE.read_text())
    assert data["paths"][0]["nleg"] == 2 and data["paths"][0]["degen"] == 12.0
    assert first_shell_distance(data) == pytest.approx(3.615 / np.sqrt(2), abs=0.005)  # fcc Cu: a/sqrt(2)
    chi = load_cu_chi()
    assert chi["k"].shape == chi["chi"].shape and chi["k"][-1] == pytest.approx(20.0)


@pytest.mark.slow
def test_feff6_recomputed_matches_package_cache(tmp_path: Path):
    """Runs FEFF6 (larch feff6l) for real and caches the result in the output folder."""
    fresh = load_cu_chi(cache_dir=tmp_path, use_package_data=False)
    assert (tmp_path / "cu_fcc_feff_chi.json").is_file()
    shipped = load_cu_chi()
    np.testing.assert_allclose(fresh["chi"], shipped["chi"], atol=1e-6)
    again = load_cu_chi(cache_dir=tmp_path, use_package_data=False)  # from the folder cache now
    np.testing.assert_array_equal(again["chi"], fresh["chi"])


def test_energy_grid_samples_k_uniformly():
    grid = energy_grid()
    k = np.sqrt(0.2624682843 * (grid[grid > CU_K_EDGE + 45] - CU_K_EDGE))
    np.testing.assert_allclose(np.diff(k), 0.04, atol=1e-6)


def test_generate_task_writes_once(tmp_path: Path):
    out = GenerateDemoSpectra(inputs={"output_dir": str(tmp_path), "nscans": 2}).execute()
    assert out["generated"] is True and len(out["paths"]) == 2
    mtime = Path(out["paths"][0]).stat().st_mtime_ns
    again = GenerateDemoSpectra(inputs={"output_dir": str(tmp_path), "nscans": 2}).execute()
    assert again["generated"] is False and again["paths"] == out["paths"]
    assert Path(out["paths"][0]).stat().st_mtime_ns == mtime
    h5 = GenerateDemoSpectra(inputs={"output_dir": str(tmp_path), "nscans": 2, "fmt": "hdf5"}).execute()
    assert h5["paths"][1].endswith("cu_exafs_demo.h5::/2.1") and h5["generated"] is True


def test_generate_bad_format(tmp_path: Path):
    with pytest.raises(TaskInputError, match=r"field 'fmt': 'csv' is not one of \['ascii', 'hdf5'\]"):
        GenerateDemoSpectra(inputs={"output_dir": str(tmp_path), "fmt": "csv"}).execute()
    assert not any(tmp_path.iterdir())
