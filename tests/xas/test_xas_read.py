"""Reading mu(E): ASCII columns by name or index, HDF5 counters, formulas, and clear errors."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest

from ewoks_core.errors import TaskInputError
from ewoks_xas.io import read_ascii_columns, read_spectrum
from ewoks_xas.tasks.read import ReadSpectra
from ewoks_xas.validation import XasInputError


def read(paths, **options):
    return ReadSpectra(inputs={"paths": paths, **options}).execute()


def test_transmission_by_name_and_index(ascii_paths):
    by_name = read(ascii_paths)
    assert by_name["nspectra"] == 3
    cols = read_ascii_columns(ascii_paths[0])
    spectrum = by_name["spectra"][0]
    np.testing.assert_allclose(spectrum["mu"], np.log(cols["I0"] / cols["It"]))
    assert spectrum["formula"] == "ln(I0/It)" and spectrum["mode"] == "transmission"
    by_index = read(ascii_paths[0], energy=0, i0=1, it=2)
    np.testing.assert_array_equal(by_index["spectra"][0]["mu"], spectrum["mu"])


def test_fluorescence_and_hdf5(hdf5_file, ascii_paths):
    out = read([f"{hdf5_file}::/1.1"], mode="fluorescence")
    spectrum = out["spectra"][0]
    with h5py.File(hdf5_file, "r") as f:
        expected = f["/1.1/measurement/If"][()] / f["/1.1/measurement/I0"][()]
    np.testing.assert_allclose(spectrum["mu"], expected)
    assert spectrum["formula"] == "If/I0"
    # the HDF5 scans hold the same data as the ASCII files (same seed)
    trans = read(hdf5_file)["spectra"]
    assert len(trans) == 3
    np.testing.assert_allclose(trans[0]["mu"], read(ascii_paths[0])["spectra"][0]["mu"], atol=1e-4)


def test_energy_in_kev_and_descending_scan(tmp_path: Path, ascii_paths):
    cols = read_ascii_columns(ascii_paths[0])
    table = np.column_stack([cols["energy"][::-1] / 1000.0, cols["I0"][::-1], cols["It"][::-1]])
    path = tmp_path / "kev.dat"
    np.savetxt(path, table, header="energy I0 It")
    spectrum = read(str(path))["spectra"][0]
    np.testing.assert_allclose(spectrum["energy"], cols["energy"], rtol=1e-9)


def write_columns(path: Path, energy, i0, it, header="energy I0 It"):
    np.savetxt(path, np.column_stack([energy, i0, it]), header=header)
    return str(path)


@pytest.fixture()
def good_columns(ascii_paths):
    cols = read_ascii_columns(ascii_paths[0])
    return cols["energy"].copy(), cols["I0"].copy(), cols["It"].copy()


def test_missing_file_names_the_file_and_neighbours(ascii_paths):
    missing = ascii_paths[0].replace("scan001", "scan01")
    with pytest.raises(FileNotFoundError, match=r"input 'paths': file .*scan01\.dat' does not exist\. "
                                                r"Did you mean 'cu_exafs_scan001\.dat'"):
        read([ascii_paths[1], missing])


def test_missing_column_lists_the_columns(ascii_paths):
    with pytest.raises(XasInputError, match=r"input 'it': no column 'Itrans' in .*columns: "
                                            r"\['energy', 'I0', 'It', 'If'\]\. Did you mean 'It'"):
        read(ascii_paths[0], it="Itrans")
    with pytest.raises(XasInputError, match=r"input 'energy': column index 9 out of range.*4 columns"):
        read(ascii_paths[0], energy=9)


def test_missing_hdf5_scan_and_counter(hdf5_file):
    with pytest.raises(XasInputError, match=r"has no scan '/5\.1'; scans: \['1\.1', '2\.1', '3\.1'\]"):
        read(f"{hdf5_file}::/5.1")
    with pytest.raises(XasInputError, match=r"input 'fluo': no column 'Iff' in .*::/2\.1'; columns: "
                                            r"\['I0', 'If', 'It', 'energy'\]\. Did you mean 'If'"):
        read(f"{hdf5_file}::/2.1", mode="fluorescence", fluo="Iff")


def test_non_monotonic_energy(tmp_path: Path, good_columns):
    energy, i0, it = good_columns
    energy[120], energy[121] = energy[121], energy[120]
    path = write_columns(tmp_path / "swap.dat", energy, i0, it)
    with pytest.raises(XasInputError, match=r"input 'energy': column 'energy' not monotonic at index 121 "
                                            r"\(E=\d+\.\d+ after \d+\.\d+\).*swap\.dat"):
        read(path)


def test_nan_and_inf(tmp_path: Path, good_columns):
    energy, i0, it = good_columns
    it[200] = np.nan
    path = write_columns(tmp_path / "nan.dat", energy, i0, it)
    with pytest.raises(XasInputError, match=r"input 'it': column 'It' has 1 NaN/inf value\(s\), first at index 200 "
                                            r"\(E=\d+\.\d+ eV\) \(.*nan\.dat\)"):
        read(path)
    energy2 = energy.copy()
    energy2[3] = np.inf
    path = write_columns(tmp_path / "inf.dat", energy2, i0, good_columns[2])
    with pytest.raises(XasInputError, match=r"input 'energy': column 'energy' has 1 NaN/inf"):
        read(path)


def test_non_positive_counts_in_transmission(tmp_path: Path, good_columns):
    energy, i0, it = good_columns
    it[50:52] = 0.0
    path = write_columns(tmp_path / "zero.dat", energy, i0, it)
    with pytest.raises(XasInputError, match=r"input 'it': column 'It' has 2 value\(s\) <= 0 \(first at index 50"):
        read(path)


def test_bad_mode_and_text_file(tmp_path: Path, ascii_paths):
    with pytest.raises(TaskInputError, match=r"field 'mode': 'transmision' is not one of .*"
                                             r"Did you mean 'transmission'"):
        read(ascii_paths[0], mode="transmision")
    with pytest.raises(XasInputError, match=r"input 'mode': 'transmision' is not one of"):  # the Python API too
        read_spectrum(ascii_paths[0], mode="transmision")
    with pytest.raises(TaskInputError, match=r"field 'energy_unit': 'kev' is not one of "
                                             r"\['auto', 'eV', 'keV'\]. Did you mean 'keV'"):
        read(ascii_paths[0], energy_unit="kev")
    bad = tmp_path / "notes.dat"
    bad.write_text("energy I0 It\n8900 1 2\n")
    with pytest.raises(XasInputError, match=r"input 'paths': .*notes\.dat' is not a numeric column file"):
        read(str(bad))
    with pytest.raises(XasInputError, match="input 'paths': no file given"):
        read([])
