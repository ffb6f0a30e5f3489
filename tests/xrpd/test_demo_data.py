"""The demo data generator writes a realistic beamline scan whose rings sit at the calibrant's angles."""

from __future__ import annotations

import os

import h5py
import numpy as np
from _xrpd_support import NFRAMES


def test_scan_layout(demo):
    with h5py.File(demo["scan_file"], "r") as f:
        assert f.attrs["NX_class"] == "NXroot"
        entry = f["1.1"]
        assert entry.attrs["NX_class"] == "NXentry"
        assert entry["instrument"].attrs["NX_class"] == "NXinstrument"
        assert entry["instrument/pilatus"].attrs["NX_class"] == "NXdetector"
        assert entry["measurement"].attrs["NX_class"] == "NXcollection"
        assert entry["sample"].attrs["NX_class"] == "NXsample"
        frames = entry["measurement/pilatus"]
        assert frames.shape == (NFRAMES, 1043, 981)
        assert frames.dtype == np.int32
        assert frames.chunks == (1, 1043, 981)
        assert frames.compression == "gzip"
        assert frames == entry["instrument/pilatus/data"]  # same dataset, linked
        assert entry["measurement/mon"].shape == (NFRAMES,)
        assert entry["instrument/monochromator/energy"][()] == 30.0
        assert entry["instrument/monochromator/energy"].attrs["units"] == "keV"
    assert demo["scan_url"].endswith("::/1.1/measurement/pilatus")
    for key in ("poni_path", "mask_path"):
        assert os.path.isfile(demo[key])


def test_frames_are_scaled_by_the_monitor(demo, frames_and_monitor, plain_ai):
    frames, monitor = frames_and_monitor
    assert monitor.std() > 0.01 * monitor.mean()  # the monitor varies
    valid = ~plain_ai.detector.mask.astype(bool)
    totals = np.array([frame[valid].sum(dtype=np.float64) for frame in frames])
    np.testing.assert_allclose(totals / monitor, (totals / monitor).mean(), rtol=3e-3)
    # detector gaps are -1 like a Pilatus writes them, counts are Poisson (integers >= 0) elsewhere
    assert (frames[0][~valid] == -1).all()
    assert frames[0][valid].min() >= 0


def test_beam_stop_shadow(demo, frames_and_monitor, plain_ai):
    import fabio

    from ewoks_xrpd.demo_data import beamstop_mask

    frames, _ = frames_and_monitor
    mask = fabio.open(demo["mask_path"]).data.astype(bool)
    shadow = beamstop_mask(plain_ai)
    assert 500 < shadow.sum() < mask.sum() < 50_000
    assert mask[shadow].all()  # the mask file covers the shadow
    mean = frames.mean(axis=0)
    tth = plain_ai.array_from_unit(typ="center", unit="2th_deg", scale=True)
    near = ~mask & ~plain_ai.detector.mask.astype(bool) & (tth < tth[shadow].max())
    assert mean[shadow].mean() < 0.05 * mean[near].mean()


def test_rings_at_calibrant_two_theta(demo, frames_and_monitor, plain_ai, plain_mask):
    import pyFAI.calibrant

    frames, _ = frames_and_monitor
    result = plain_ai.integrate1d(frames.sum(axis=0), 4000, unit="2th_deg", mask=plain_mask,
                                  method=("bbox", "csr", "cython"))
    tth, intensity = result.radial, result.intensity
    calibrant = pyFAI.calibrant.get_calibrant("LaB6")
    calibrant.wavelength = plain_ai.wavelength
    expected = np.degrees(calibrant.get_2th())
    expected = expected[(expected > tth[0] + 0.5) & (expected < tth[-1] - 1.0)]
    assert len(expected) >= 10
    for peak in expected:
        window = (tth > peak - 0.3) & (tth < peak + 0.3)
        found = tth[window][np.argmax(intensity[window])]
        assert abs(found - peak) < 0.03, f"ring expected at {peak:.3f} deg, found at {found:.3f} deg"
        assert intensity[window].max() > 1.3 * np.median(intensity[window])


def test_poni_file_matches_geometry(demo):
    from ewoks_xrpd._geometry import KEV_ANGSTROM, load_geometry

    geometry = load_geometry(demo["poni_path"])
    assert geometry["detector"] == "Pilatus1M"
    assert geometry["dist"] == 0.3
    np.testing.assert_allclose(geometry["wavelength"], KEV_ANGSTROM / 30.0 * 1e-10)


def test_generate_demo_scan_task_reuses_existing_files(tmp_path):
    from ewoks_xrpd.tasks.demo import GenerateDemoScan

    outputs = GenerateDemoScan(inputs={"output_dir": str(tmp_path), "nframes": 2}).execute()
    assert set(outputs) == {"scan_url", "monitor_url", "poni_path", "mask_path", "scan_file", "output_dir"}
    assert outputs["output_dir"] == str(tmp_path)
    mtime = os.stat(outputs["scan_file"]).st_mtime_ns
    again = GenerateDemoScan(inputs={"output_dir": str(tmp_path), "nframes": 2}).execute()
    assert again == outputs and os.stat(outputs["scan_file"]).st_mtime_ns == mtime
    GenerateDemoScan(inputs={"output_dir": str(tmp_path), "nframes": 3}).execute()  # other size: rewritten
    with h5py.File(outputs["scan_file"], "r") as f:
        assert f["/1.1/measurement/pilatus"].shape[0] == 3
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".")]  # no temporary file left


def test_same_seed_same_data(tmp_path):
    from ewoks_xrpd.demo_data import generate_scan

    a = generate_scan(tmp_path / "a.h5", nframes=1, seed=3)
    b = generate_scan(tmp_path / "b.h5", nframes=1, seed=3)
    with h5py.File(a["scan_file"], "r") as fa, h5py.File(b["scan_file"], "r") as fb:
        np.testing.assert_array_equal(fa["/1.1/measurement/pilatus"][0], fb["/1.1/measurement/pilatus"][0])
