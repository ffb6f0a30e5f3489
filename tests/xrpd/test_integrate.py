"""The integration tasks give exactly what a plain pyFAI call gives on the same data."""

from __future__ import annotations

import numpy as np
import pytest
from _xrpd_support import NFRAMES

CSC = ("bbox", "csc", "cython")


def plain_1d(ai, frames, monitor, mask, npt=800, unit="q_nm^-1", method=CSC, **kwargs):
    """The reference: a plain pyFAI loop."""
    results = [ai.integrate1d(frame, npt, unit=unit, method=method, error_model="poisson", mask=mask,
                              polarization_factor=0.99, normalization_factor=float(mon), **kwargs)
               for frame, mon in zip(frames, monitor, strict=True)]
    return (results[0].radial, np.array([r.intensity for r in results]), np.array([r.sigma for r in results]))


def test_scan_1d_equals_plain_pyfai(integration_inputs, plain_ai, plain_mask, frames_and_monitor):
    from ewoks_xrpd.tasks.scan import IntegrateScan1D

    frames, monitor = frames_and_monitor
    outputs = IntegrateScan1D(inputs=integration_inputs).execute()
    radial, intensity, sigma = plain_1d(plain_ai, frames, monitor, plain_mask)
    np.testing.assert_allclose(outputs["radial"], radial, rtol=1e-6)
    np.testing.assert_allclose(outputs["intensity"], intensity, rtol=1e-5, atol=1e-12)
    np.testing.assert_allclose(outputs["sigma"], sigma, rtol=1e-5, atol=1e-12)
    assert outputs["intensity"].shape == (NFRAMES, 800)
    assert outputs["nframes"] == NFRAMES and (outputs["start"], outputs["stop"]) == (0, NFRAMES)
    assert outputs["radial_unit"] == "q_nm^-1"
    np.testing.assert_array_equal(outputs["monitor"], monitor)
    config = outputs["integration_config"]
    assert config["method"] == list(CSC) and config["method_used"] == list(CSC)  # the default method
    assert config["error_model"] == "poisson" and config["polarization_factor"] == 0.99
    assert config["geometry"]["detector"] == "Pilatus1M" and config["frame_range"] == [0, NFRAMES]
    import json

    json.dumps(config)  # JSON-friendly


def test_monitor_normalization_makes_frames_comparable(integration_inputs):
    from ewoks_xrpd.tasks.scan import IntegrateScan1D

    outputs = IntegrateScan1D(inputs=integration_inputs).execute()
    totals = np.nansum(outputs["intensity"], axis=1)
    np.testing.assert_allclose(totals, totals.mean(), rtol=5e-3)
    raw = IntegrateScan1D(inputs={k: v for k, v in integration_inputs.items() if k != "monitor_url"}).execute()
    np.testing.assert_allclose(raw["intensity"], outputs["intensity"] * outputs["monitor"][:, None], rtol=1e-5)


def test_options_unit_range_and_method(integration_inputs, plain_ai, plain_mask, frames_and_monitor):
    from ewoks_xrpd.tasks.scan import IntegrateScan1D

    frames, monitor = frames_and_monitor
    method = ("bbox", "csr", "cython")
    outputs = IntegrateScan1D(inputs={**integration_inputs, "unit": "2th_deg", "npt": 500, "start": 2, "stop": 4,
                                      "method": "bbox_csr_cython", "radial_range": [4.0, 15.0]}).execute()
    radial, intensity, _ = plain_1d(plain_ai, frames[2:4], monitor[2:4], plain_mask, npt=500, unit="2th_deg",
                                    method=method, radial_range=(4.0, 15.0))
    np.testing.assert_allclose(outputs["radial"], radial, rtol=1e-6)
    np.testing.assert_allclose(outputs["intensity"], intensity, rtol=1e-5, atol=1e-12)
    assert outputs["radial_unit"] == "2th_deg" and (outputs["start"], outputs["stop"]) == (2, 4)
    assert outputs["integration_config"]["method_used"] == list(method)


def test_dark_flat_and_no_error_model(tmp_path, integration_inputs, plain_ai, plain_mask, frames_and_monitor):
    from ewoks_xrpd.tasks.scan import IntegrateScan1D

    frames, monitor = frames_and_monitor
    shape = frames.shape[1:]
    dark = np.full(shape, 2.0, dtype=np.float32)
    flat = np.linspace(0.9, 1.1, shape[0] * shape[1], dtype=np.float32).reshape(shape)
    np.save(tmp_path / "flat.npy", flat)
    outputs = IntegrateScan1D(inputs={**integration_inputs, "dark": dark, "flat": str(tmp_path / "flat.npy"),
                                      "error_model": "none", "stop": 2}).execute()
    expected = [plain_ai.integrate1d(frames[i], 800, unit="q_nm^-1", method=CSC, mask=plain_mask, dark=dark,
                                     flat=flat, polarization_factor=0.99, normalization_factor=float(monitor[i]))
                for i in range(2)]
    np.testing.assert_allclose(outputs["intensity"], [r.intensity for r in expected], rtol=1e-5, atol=1e-12)
    assert outputs["sigma"] is None


def test_scan_2d_equals_plain_pyfai(integration_inputs, plain_ai, plain_mask, frames_and_monitor):
    from ewoks_xrpd.tasks.scan import IntegrateScan2D

    frames, monitor = frames_and_monitor
    outputs = IntegrateScan2D(inputs={**integration_inputs, "npt": 300, "npt_azim": 90, "stop": 2}).execute()
    expected = [plain_ai.integrate2d(frames[i], 300, 90, unit="q_nm^-1", method=CSC, error_model="poisson",
                                     mask=plain_mask, polarization_factor=0.99,
                                     normalization_factor=float(monitor[i])) for i in range(2)]
    assert outputs["intensity"].shape == (2, 90, 300)
    np.testing.assert_allclose(outputs["intensity"], [r.intensity for r in expected], rtol=1e-5, atol=1e-12)
    np.testing.assert_allclose(outputs["sigma"], [r.sigma for r in expected], rtol=1e-5, atol=1e-12)
    np.testing.assert_allclose(outputs["azimuthal"], expected[0].azimuthal)
    np.testing.assert_allclose(outputs["radial"], expected[0].radial)
    assert outputs["azimuthal_unit"] == "chi_deg"


def test_read_frames_then_integrate_frames(demo, integration_inputs):
    from ewoks_xrpd.tasks.frames import ReadFrames
    from ewoks_xrpd.tasks.integrate import IntegrateFrames1D
    from ewoks_xrpd.tasks.scan import IntegrateScan1D

    read = ReadFrames(inputs={"frames_url": demo["scan_url"], "monitor_url": "::/1.1/measurement/mon",
                              "poni": demo["poni_path"], "start": 1, "stop": 4}).execute()
    assert read["frames"].shape == (3, 1043, 981) and read["nframes"] == 3
    options = {k: v for k, v in integration_inputs.items() if k not in ("frames_url", "monitor_url")}
    in_memory = IntegrateFrames1D(inputs={**options, "frames": read["frames"], "monitor": read["monitor"],
                                          "start": read["start"]}).execute()
    streamed = IntegrateScan1D(inputs={**integration_inputs, "start": 1, "stop": 4}).execute()
    np.testing.assert_array_equal(in_memory["intensity"], streamed["intensity"])
    assert (in_memory["start"], in_memory["stop"]) == (1, 4)


def test_chunks_concatenate_to_the_whole_scan(integration_inputs):
    from ewoks_xrpd.tasks.chunks import ConcatenateChunks, IntegrateChunk1D
    from ewoks_xrpd.tasks.scan import IntegrateScan1D

    whole = IntegrateScan1D(inputs=integration_inputs).execute()
    chunks = [IntegrateChunk1D(inputs={**integration_inputs, "chunk_index": k, "nchunks": 4}).execute()
              for k in range(4)]
    assert sum(c["nframes"] for c in chunks) == NFRAMES
    joined = ConcatenateChunks(inputs={0: chunks[3], 1: chunks[1], 2: chunks[0], 3: chunks[2]}).execute()
    for name in ("intensity", "sigma", "monitor", "radial"):
        np.testing.assert_array_equal(joined[name], whole[name])
    assert (joined["start"], joined["stop"], joined["nframes"]) == (0, NFRAMES, NFRAMES)
    as_list = ConcatenateChunks(inputs={"chunks": chunks}).execute()
    np.testing.assert_array_equal(as_list["intensity"], whole["intensity"])
    with pytest.raises(ValueError, match="not contiguous"):
        ConcatenateChunks(inputs={"chunks": [chunks[0], chunks[2]]}).execute()


def test_more_chunks_than_frames_gives_empty_chunks(integration_inputs):
    from ewoks_xrpd.tasks.chunks import ConcatenateChunks, IntegrateChunk1D

    inputs = {**integration_inputs, "stop": None}
    chunks = [IntegrateChunk1D(inputs={**inputs, "chunk_index": k, "nchunks": NFRAMES + 2}).execute()
              for k in range(NFRAMES + 2)]
    assert sorted(c["nframes"] for c in chunks) == [0, 0] + [1] * NFRAMES
    assert ConcatenateChunks(inputs={"chunks": chunks}).execute()["intensity"].shape == (NFRAMES, 800)


def test_integrator_is_shared(demo):
    from ewoks_xrpd._geometry import get_integrator, load_geometry
    from ewoks_xrpd.tasks.geometry import LoadGeometry

    outputs = LoadGeometry(inputs={"poni": demo["poni_path"]}).execute()
    assert outputs["detector"] == "Pilatus1M" and outputs["detector_shape"] == [1043, 981]
    assert get_integrator(outputs["geometry"]) is get_integrator(load_geometry(demo["poni_path"]))
    dict_form = {k: outputs["geometry"][k] for k in ("dist", "poni1", "poni2", "rot1", "rot2", "rot3")}
    same = LoadGeometry(inputs={"poni": {**dict_form, "energy": 30.0, "detector": "Pilatus1M"}}).execute()
    np.testing.assert_allclose(same["wavelength"], outputs["wavelength"], rtol=1e-9)


def test_progress_and_cancel(integration_inputs):
    import threading

    from ewoks_xrpd.tasks.scan import IntegrateScan1D

    seen = []
    IntegrateScan1D(inputs=integration_inputs, progress_callback=seen.append).execute()
    assert seen[-1] == 100 and seen == sorted(seen)
    cancel = threading.Event()
    cancel.set()
    task = IntegrateScan1D(inputs=integration_inputs, cancel_event=cancel)
    task.run()
    assert task.get_output_value("intensity", None) is None


def test_multi_frame_chunks_are_read_per_chunk(tmp_path, demo, integration_inputs, frames_and_monitor):
    import h5py

    from ewoks_xrpd._frames import FrameStack
    from ewoks_xrpd.tasks.scan import IntegrateScan1D

    frames, monitor = frames_and_monitor
    path = tmp_path / "chunked.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("/1.1/measurement/pilatus", data=frames, chunks=(4,) + frames.shape[1:], compression="gzip")
        f["/1.1/measurement/mon"] = monitor
    url = f"{path}::/1.1/measurement/pilatus"
    with FrameStack(url) as stack:
        assert stack.block_size() == 4
        indices = [i for i, frame in stack.iter_frames(1, NFRAMES)]
        assert indices == list(range(1, NFRAMES))
        np.testing.assert_array_equal(stack.read(5), frames[5])
    inputs = {**integration_inputs, "frames_url": url, "monitor_url": "::/1.1/measurement/mon", "start": 1}
    expected = IntegrateScan1D(inputs={**integration_inputs, "start": 1}).execute()
    np.testing.assert_array_equal(IntegrateScan1D(inputs=inputs).execute()["intensity"], expected["intensity"])
