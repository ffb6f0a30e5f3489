"""The EXAFS tasks give the same numbers as calling larch directly, and refuse bad spectra clearly."""

from __future__ import annotations

import numpy as np
import pytest

from ewoks_core.errors import TaskInputError
from ewoks_xas import processing
from ewoks_xas.tasks.exafs import AutoBackground, FourierTransform, MergeSpectra, Normalize
from ewoks_xas.validation import XasInputError


def run_tasks(spectra):
    merged = MergeSpectra(inputs={"spectra": spectra}).execute()
    norm = Normalize(inputs={"spectrum": merged["spectrum"]}).execute()
    bkg = AutoBackground(inputs={"spectrum": norm["spectrum"], "rbkg": 1.0, "kweight": 2}).execute()
    ft = FourierTransform(inputs={"spectrum": bkg["spectrum"], "kmin": 3, "kmax": 14, "kweight": 2,
                                  "dk": 1, "window": "hanning"}).execute()
    return merged, norm, bkg, ft


@pytest.fixture(scope="module")
def chain(spectra):
    return run_tasks(spectra)


@pytest.fixture(scope="module")
def direct(spectra):
    """The same processing typed by hand with numpy + larch."""
    from larch import Group
    from larch.xafs import autobk, pre_edge, xftf

    lo = max(s["energy"][0] for s in spectra)
    hi = min(s["energy"][-1] for s in spectra)
    e = spectra[0]["energy"]
    e = e[(e >= lo) & (e <= hi)]
    mu = np.mean([np.interp(e, s["energy"], s["mu"]) for s in spectra], axis=0)
    g = Group(energy=e, mu=mu)
    pre_edge(g)
    autobk(g, rbkg=1.0, kweight=2)
    xftf(g, kmin=3, kmax=14, kweight=2, dk=1, window="hanning")
    return g


def test_merge(chain, spectra, direct):
    merged = chain[0]
    assert merged["nscans"] == 3
    np.testing.assert_allclose(merged["spectrum"]["mu"], direct.mu, rtol=1e-12)
    stack = np.array([np.interp(direct.energy, s["energy"], s["mu"]) for s in spectra])
    np.testing.assert_allclose(merged["spectrum"]["mu_std"], stack.std(axis=0, ddof=1))
    assert 1e-4 < merged["spread"] < 1e-2  # counting noise of the demo data


def test_normalize_matches_larch(chain, direct):
    norm = chain[1]
    assert norm["e0"] == pytest.approx(direct.e0, abs=1e-9)
    assert norm["edge_step"] == pytest.approx(direct.edge_step, rel=1e-9)
    np.testing.assert_allclose(norm["norm"], direct.norm, rtol=1e-9, atol=1e-12)
    assert abs(norm["e0"] - 8979.0) < 3.0
    assert norm["edge_step"] == pytest.approx(1.2, rel=0.1)  # the simulated step


def test_background_matches_larch(chain, direct):
    bkg = chain[2]
    np.testing.assert_allclose(bkg["k"], direct.k)
    np.testing.assert_allclose(bkg["chi"], direct.chi, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(bkg["spectrum"]["bkg"], direct.bkg, rtol=1e-9)


def test_fourier_matches_larch_and_finds_the_first_shell(chain, direct):
    ft = chain[3]
    np.testing.assert_allclose(ft["r"], direct.r)
    np.testing.assert_allclose(ft["chir_mag"], direct.chir_mag, rtol=1e-7, atol=1e-9)
    # FEFF first shell: 12 Cu at 2.556 A; |chi(R)| peaks ~0.3 A lower (phase shift not corrected)
    assert 2.05 < ft["peak_r"] < 2.35
    params = ft["spectrum"]["parameters"]
    assert set(params) == {"merge", "normalize", "background", "fourier"}
    assert params["fourier"]["kmax"] == 14.0


def test_single_scan_and_fluorescence(hdf5_file):
    from ewoks_xas.tasks.read import ReadSpectra

    spectra = ReadSpectra(inputs={"paths": hdf5_file, "mode": "fluorescence"}).execute()["spectra"]
    merged, norm, bkg, ft = run_tasks(spectra[:1])
    assert merged["nscans"] == 1 and merged["spread"] == 0.0
    assert 2.05 < ft["peak_r"] < 2.35


def test_inputs_do_not_change(chain):
    merged = chain[0]["spectrum"]
    assert "norm" not in merged and set(merged["parameters"]) == {"merge"}


def test_normalize_parameters_are_passed(chain):
    spectrum = chain[0]["spectrum"]
    out = Normalize(inputs={"spectrum": spectrum, "e0": 8980.0, "pre1": -150, "pre2": -50, "norm1": 100,
                            "norm2": 800, "nnorm": 1}).execute()
    p = out["spectrum"]["parameters"]["normalize"]
    assert out["e0"] == pytest.approx(8980.0, abs=0.5)  # older larch snaps e0 to the nearest data point
    assert (p["pre1"], p["pre2"], p["norm1"], p["norm2"], p["nnorm"]) == (-150, -50, 100, 800, 1)
    text = Normalize(inputs={"spectrum": spectrum, "e0": "8980"}).execute()  # e.g. from the command line
    assert text["e0"] == out["e0"]


# -- bad input ---------------------------------------------------------------------------------------


def spectrum_from(energy, mu, label="bad"):
    return {"energy": np.asarray(energy, float), "mu": np.asarray(mu, float), "label": label}


@pytest.fixture(scope="module")
def merged(chain):
    return chain[0]["spectrum"]


def test_no_edge_in_range(merged):
    e, mu = merged["energy"], merged["mu"]
    above = e > 9100
    with pytest.raises(XasInputError, match="input 'e0': 8979.00 eV is outside the energy range 9100"):
        Normalize(inputs={"spectrum": spectrum_from(e[above], mu[above]), "e0": 8979.0}).execute()
    below = e < 8960  # pre-edge only: the arctan tail is no edge
    with pytest.raises(XasInputError, match=r"input 'spectrum': no absorption edge in 8784\.0-8959\.\d eV \(bad\): "
                                            r"the edge found at E0=\d+\.\d eV is at the end of the data"):
        Normalize(inputs={"spectrum": spectrum_from(e[below], mu[below])}).execute()
    for lo, hi in [(0, 8940), (9000, 1e9), (9100, 1e9)]:  # a slope or an EXAFS wiggle is no edge either
        sel = (e > lo) & (e < hi)
        with pytest.raises(XasInputError, match=r"input 'spectrum': no absorption edge in [\d.-]+ eV \(bad\): "):
            Normalize(inputs={"spectrum": spectrum_from(e[sel], mu[sel])}).execute()
    flat = 0.5 + 0.003 * np.random.default_rng(0).standard_normal(e.size)
    with pytest.raises(XasInputError, match=r"no absorption edge in .*: edge step .* is not above 10x the noise"):
        Normalize(inputs={"spectrum": spectrum_from(e, flat)}).execute()
    with pytest.raises(XasInputError, match=r"edge found at E0=\d+\.\d eV is .* from expected_e0=8333\.0 eV"):
        Normalize(inputs={"spectrum": merged, "expected_e0": 8333.0}).execute()


def test_nan_and_non_monotonic_spectrum(merged):
    mu = merged["mu"].copy()
    mu[42] = np.inf
    with pytest.raises(XasInputError, match=r"input 'spectrum': mu has 1 NaN/inf value\(s\), first at index 42 "
                                            r"\(E=\d+\.\d\d eV\) \(bad\)"):
        Normalize(inputs={"spectrum": spectrum_from(merged["energy"], mu)}).execute()
    e = merged["energy"].copy()
    e[120] = e[119] - 0.9
    with pytest.raises(XasInputError, match=r"input 'spectrum': energy not monotonic at index 120 "
                                            r"\(E=\d+\.\d\d after \d+\.\d\d\)"):
        Normalize(inputs={"spectrum": spectrum_from(e, merged["mu"])}).execute()
    with pytest.raises(XasInputError, match=r"input 'spectra\[1\]': energy not monotonic at index 120"):
        MergeSpectra(inputs={"spectra": [merged, spectrum_from(e, merged["mu"])]}).execute()
    with pytest.raises(XasInputError, match=r"input 'spectrum': spectrum has no 'mu' \(keys: \['energy', 'label'\]\)"):
        Normalize(inputs={"spectrum": {"energy": merged["energy"], "label": "x"}}).execute()
    with pytest.raises(XasInputError, match=r"input 'spectrum': arrays have different lengths \(energy: \d+, mu: 10\)"):
        Normalize(inputs={"spectrum": spectrum_from(merged["energy"], merged["mu"][:10])}).execute()


def test_merge_needs_overlapping_scans(merged):
    e = merged["energy"]
    with pytest.raises(XasInputError, match="input 'spectra': the scans barely overlap"):
        MergeSpectra(inputs={"spectra": [merged, spectrum_from(e + 2000, merged["mu"])]}).execute()
    with pytest.raises(XasInputError, match="input 'spectra': no spectrum to merge"):
        MergeSpectra(inputs={"spectra": []}).execute()


def test_bad_background_and_fourier_options(chain):
    normed, with_chi = chain[1]["spectrum"], chain[2]["spectrum"]
    # options are checked by the tasks' input models when the task is built (TaskInputError naming the field)
    with pytest.raises(TaskInputError, match=r"field 'rbkg': 7\.0 is outside \(0, 5\)"):
        AutoBackground(inputs={"spectrum": normed, "rbkg": 7}).execute()
    with pytest.raises(TaskInputError, match=r"field 'window': 'hamming' is not one of .*Did you mean 'hanning'"):
        FourierTransform(inputs={"spectrum": with_chi, "window": "hamming"}).execute()
    with pytest.raises(TaskInputError, match=r"field 'kmax': input 'kmin'/'kmax': need 0 <= kmin < kmax"):
        FourierTransform(inputs={"spectrum": with_chi, "kmin": 10, "kmax": 5}).execute()
    with pytest.raises(TaskInputError, match=r"field 'kmax': expected a number, got 'fourteen'"):
        FourierTransform(inputs={"spectrum": with_chi, "kmax": "fourteen"}).execute()
    with pytest.raises(TaskInputError, match=r"field 'nknots': expected an integer, got '7.5'"):
        AutoBackground(inputs={"spectrum": normed, "nknots": "7.5"}).execute()
    with pytest.raises(TaskInputError, match=r"field 'e0': expected a finite number, got 'nan'"):
        Normalize(inputs={"spectrum": normed, "e0": "nan"}).execute()
    # checks that need the data stay in the processing step
    with pytest.raises(XasInputError, match=r"input 'kmax': the k range 3\.0-25\.0 1/A goes beyond the data"):
        FourierTransform(inputs={"spectrum": with_chi, "kmax": 25}).execute()
    with pytest.raises(XasInputError, match=r"input 'spectrum': spectrum has no chi\(k\).*run the background step"):
        FourierTransform(inputs={"spectrum": normed}).execute()
    # the Python API (ewoks_xas.processing) checks the same options with the same words
    with pytest.raises(XasInputError, match=r"input 'rbkg': 7 is outside \(0, 5\)"):
        processing.background(normed, rbkg=7)
    with pytest.raises(XasInputError, match=r"input 'kmin'/'kmax': need 0 <= kmin < kmax"):
        processing.fourier_transform(with_chi, kmin=10, kmax=5)


def test_text_options_convert_as_from_the_command_line(chain):
    """`-p kmax=14` gives text: the input models convert it, and the result is the same as with numbers."""
    with_chi = chain[2]["spectrum"]
    text = FourierTransform(inputs={"spectrum": with_chi, "kmin": "3", "kmax": "14", "kweight": "2", "dk": "1.0",
                                    "window": "hanning"}).execute()
    np.testing.assert_array_equal(text["chir_mag"], chain[3]["chir_mag"])
    assert text["spectrum"]["parameters"]["fourier"]["kmax"] == 14.0
    task = AutoBackground(inputs={"spectrum": with_chi, "nknots": "12", "kmax": "", "window": None})
    assert (task.inputs.nknots, task.inputs.kmax, task.inputs.window) == (12, None, "hanning")  # empty: default
    assert Normalize(inputs={"spectrum": with_chi, "nnorm": 2.0}).inputs.nnorm == 2


def test_background_without_normalize_runs_pre_edge(merged, chain):
    out = AutoBackground(inputs={"spectrum": merged}).execute()
    np.testing.assert_allclose(out["chi"], chain[2]["chi"], rtol=1e-9, atol=1e-12)
