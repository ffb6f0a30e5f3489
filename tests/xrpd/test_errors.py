"""Every bad input gives a clear error naming the input, and no output file is left behind."""

from __future__ import annotations

import re
from pathlib import Path

import h5py
import numpy as np
import pytest
from _xrpd_support import NFRAMES, list_files

from ewoks_core.errors import TaskInputError


@pytest.fixture(scope="module")
def bad(tmp_path_factory, demo):
    """Files with broken content: scans of the wrong shape, empty, with NaN/inf; bad PONI files."""
    folder = tmp_path_factory.mktemp("xrpd_bad")
    scan = folder / "bad_scan.h5"
    shape = (1043, 981)
    with h5py.File(scan, "w") as f:
        f["/1.1/measurement/small"] = np.zeros((2, 64, 64), np.int32)
        f.create_dataset("/2.1/measurement/pilatus", shape=(0,) + shape, dtype=np.int32, chunks=(1,) + shape,
                         maxshape=(None,) + shape)
        nan = np.ones((3,) + shape, np.float32)
        nan[1, 10, 20:23] = np.nan
        f["/3.1/measurement/pilatus"] = nan
        inf = np.ones((3,) + shape, np.float32)
        inf[2, 500, 500] = np.inf
        f["/4.1/measurement/pilatus"] = inf
        f["/1.1/measurement/mon3"] = np.ones(3)
        mon = np.full(NFRAMES, 1e5)
        mon[2] = 0
        f["/1.1/measurement/mon_zero"] = mon
    poni = Path(demo["poni_path"]).read_text()
    files = {"scan": str(scan), "folder": folder}
    for name, text in {
        "garbage": "hello world\n" + poni,
        "no_wavelength": "\n".join(line for line in poni.splitlines() if not line.startswith("Wavelength")),
        "not_a_number": poni.replace("Distance: 0.3", "Distance: abc"),
        "bad_detector": poni.replace("Detector: Pilatus1M", "Detector: Pilatus1Mx"),
        "unknown_key": poni + "Distanse: 0.3\n",
        "old_format": "PixelSize1: 0.000172\nPixelSize2: 0.000172\nDistance: 0.3\nPoni1: 0.08\nPoni2: 0.09\n"
                      "Rot1: 0\nRot2: 0\nRot3: 0\nWavelength: 4.13e-11\n",  # pyFAI 0.x: no detector line
    }.items():
        path = folder / f"{name}.poni"
        path.write_text(text)
        files[name] = str(path)
    return files


def cases(demo, bad):
    scan = demo["scan_file"]
    return {
        "missing file": ({"frames_url": "/nonexistent/scan.h5::/1.1/measurement/pilatus"}, FileNotFoundError,
                         r"input 'frames_url': file '/nonexistent/scan.h5' not found"),
        "near file name": ({"frames_url": scan[:-1] + "4::/1.1/measurement/pilatus"}, FileNotFoundError,
                           r"not found\. Did you mean 'demo_scan\.h5'"),
        "missing dataset": ({"frames_url": scan + "::/1.1/measurement/pilatu"}, ValueError,
                            r"input 'frames_url': dataset '/1.1/measurement/pilatu' not found in demo_scan.h5; "
                            r"available: \[.*'/1.1/measurement/pilatus'.*Did you mean '/1.1/measurement/pilatus'"),
        "group not dataset": ({"frames_url": scan + "::/1.1/measurement"}, ValueError,
                              r"'/1.1/measurement' in demo_scan.h5 is a group, not a dataset; datasets in it: \["),
        "no dataset path": ({"frames_url": scan}, ValueError,
                            r"no dataset path given for demo_scan.h5; expected a URL like"),
        "not hdf5": ({"frames_url": demo["poni_path"] + "::/data"}, ValueError, r"is not an HDF5 file"),
        "1D dataset": ({"frames_url": scan + "::/1.1/measurement/mon"}, ValueError,
                       r"has shape \(6,\); expected a stack of images"),
        "wrong shape": ({"frames_url": bad["scan"] + "::/1.1/measurement/small"}, ValueError,
                        r"frames of .* have shape \(64, 64\) but detector .*Pilatus.* expects \(1043, 981\)"),
        "empty scan": ({"frames_url": bad["scan"] + "::/2.1/measurement/pilatus", "monitor_url": None}, ValueError,
                       r"is empty \(shape \(0, 1043, 981\)\): the scan recorded no images"),
        "nan frame": ({"frames_url": bad["scan"] + "::/3.1/measurement/pilatus", "monitor_url": None}, ValueError,
                      r"input 'frames_url': frame 1 of .* has 3 NaN/inf pixels \(first at row 10, column 20\)"),
        "inf frame": ({"frames_url": bad["scan"] + "::/4.1/measurement/pilatus", "monitor_url": None}, ValueError,
                      r"frame 2 of .* has 1 NaN/inf pixels"),
        "poni missing": ({"poni": "/nonexistent/geometry.poni"}, FileNotFoundError, r"input 'poni': file"),
        "poni garbage": ({"poni": bad["garbage"]}, ValueError,
                         r"input 'poni': malformed PONI file .*line 1: 'hello world' is not of the form 'Key: value'"),
        "poni no wavelength": ({"poni": bad["no_wavelength"]}, ValueError, r"missing 'Wavelength'"),
        "poni not a number": ({"poni": bad["not_a_number"]}, ValueError, r"Distance is 'abc', not a number"),
        "poni unknown detector": ({"poni": bad["bad_detector"]}, ValueError,
                                  r"unknown detector 'Pilatus1Mx'\. Did you mean 'pilatus1m'"),
        "poni unknown key": ({"poni": bad["unknown_key"]}, ValueError, r"unknown key 'distanse'\. Did you mean"),
        "dict unknown detector": ({"poni": {"dist": 0.3, "poni1": 0.1, "poni2": 0.1, "energy": 30,
                                            "detector": "Pilatus1Mx"}}, ValueError,
                                  r"input 'poni': unknown detector 'Pilatus1Mx'\. Did you mean 'pilatus1m'"),
        "dict unknown key": ({"poni": {"distanse": 0.3, "poni1": 0.1, "poni2": 0.1, "energy": 30,
                                       "detector": "Pilatus1M"}}, ValueError,
                             r"unknown geometry key 'distanse'\. Did you mean 'distance'"),
        "poni without detector": ({"poni": bad["old_format"]}, ValueError,
                                  r"input 'poni': the geometry does not say the detector's size.*"
                                  r"give input 'detector'"),
        "dict no energy": ({"poni": {"dist": 0.3, "poni1": 0.1, "poni2": 0.1, "detector": "Pilatus1M"}},
                           ValueError, r"geometry lacks wavelength \(or energy in keV\)"),
        "monitor length": ({"monitor_url": bad["scan"] + "::/1.1/measurement/mon3"}, ValueError,
                           r"input 'monitor_url': .* has 3 values but the scan has 6 frames"),
        "monitor zero": ({"monitor_url": bad["scan"] + "::/1.1/measurement/mon_zero"}, ValueError,
                         r"is zero, negative or not finite at frame\(s\) \[2\]"),
        "monitor missing": ({"monitor_url": "::/1.1/measurement/mom"}, ValueError,
                            r"input 'monitor_url': dataset '/1.1/measurement/mom' not found in demo_scan.h5"),
        "unit": ({"unit": "q_nmx"}, ValueError, r"input 'unit': unknown radial unit 'q_nmx'\. Did you mean"),
        "method": ({"method": "bbox_csx_cython"}, ValueError,
                   r"input 'method': unknown 'csx' in 'bbox_csx_cython'\. Did you mean 'csr' or 'csc'"),
        # the typed inputs (IntegrationOptions) refuse these when the task is built, naming the input
        "npt": ({"npt": 0}, TaskInputError, r"field 'npt': input 'npt' must be a positive integer, got 0"),
        "range": ({"start": 4, "stop": 10}, ValueError, r"frame range \[4, 10\) is empty or outside the 6 frames"),
        "mask shape": ({"mask": np.zeros((10, 10))}, ValueError,
                       r"input 'mask': image shape \(10, 10\) does not match the detector shape \(1043, 981\)"),
        "mask missing": ({"mask": "/nonexistent/mask.edf"}, FileNotFoundError, r"input 'mask': file"),
        "polarization": ({"polarization_factor": 2}, TaskInputError,
                         r"input 'polarization_factor' must be in \[-1, 1\]"),
        "error model": ({"error_model": "poison"}, TaskInputError, r"input 'error_model' .*Did you mean 'poisson'"),
    }


CASES = ["missing file", "near file name", "missing dataset", "group not dataset", "no dataset path", "not hdf5",
         "1D dataset", "wrong shape", "empty scan", "nan frame", "inf frame", "poni missing", "poni garbage",
         "poni no wavelength", "poni not a number", "poni unknown detector", "poni unknown key",
         "dict unknown detector", "dict unknown key", "poni without detector", "dict no energy", "monitor length",
         "monitor zero", "monitor missing", "unit", "method", "npt", "range", "mask shape", "mask missing",
         "polarization", "error model"]


def run_chain(inputs, output_dir):
    """Integrate, save NeXus and .xy, plot: what the powder workflow does after the demo scan."""
    from ewoks_xrpd.tasks.plot import PlotPattern
    from ewoks_xrpd.tasks.save import SaveAscii, SaveNexus
    from ewoks_xrpd.tasks.scan import IntegrateScan1D

    result = IntegrateScan1D(inputs=inputs).execute()
    nexus = SaveNexus(inputs={**result, "output_dir": str(output_dir)}).execute()
    SaveAscii(inputs={**result, "output_dir": str(output_dir)}).execute()
    PlotPattern(inputs={**nexus}).execute()


@pytest.mark.parametrize("case", CASES)
def test_bad_input_clear_error_and_no_output(case, demo, bad, integration_inputs, tmp_path):
    overrides, error, pattern = cases(demo, bad)[case]
    inputs = {**integration_inputs, **overrides}
    with pytest.raises(error, match=pattern):
        run_chain(inputs, tmp_path / "out")
    assert not (tmp_path / "out").exists() or list_files(tmp_path / "out") == []


def test_chain_without_error_writes_outputs(integration_inputs, tmp_path):
    run_chain(integration_inputs, tmp_path)
    files = list_files(tmp_path)
    assert "demo_scan_1.1_integrated.h5" in files and "demo_scan_1.1_integrated.png" in files
    assert len([f for f in files if f.endswith(".xy")]) == NFRAMES
    assert not [f for f in files if Path(f).name.startswith(".")]


def test_frames_url_type_error(demo):
    from ewoks_xrpd.tasks.scan import IntegrateScan1D

    with pytest.raises(ValueError, match=re.escape("input 'frames_url' must be a data URL like")):
        IntegrateScan1D(inputs={"frames_url": 42, "poni": demo["poni_path"]}).execute()


def test_save_nexus_needs_a_destination_and_matching_shapes(tmp_path):
    from ewoks_xrpd.tasks.save import SaveNexus

    with pytest.raises(ValueError, match="give input 'output_file' or 'output_dir'"):
        SaveNexus(inputs={"radial": np.arange(3.0), "intensity": np.ones((2, 3))}).execute()
    with pytest.raises(ValueError, match=r"inputs 'intensity' \(2, 4\) and 'radial' \(3,\) do not match"):
        SaveNexus(inputs={"radial": np.arange(3.0), "intensity": np.ones((2, 4)),
                          "output_dir": str(tmp_path)}).execute()
    assert list_files(tmp_path) == []
