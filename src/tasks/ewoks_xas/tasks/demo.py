"""Task that writes the simulated Cu K-edge demo scans (so a demo workflow can start from nothing)."""

from __future__ import annotations

from pathlib import Path

from ewoks_core.task import Task

from ..demo_data import expected_paths, generate_spectra
from ._inputs import GenerateInputs


def _complete(paths: list) -> bool:
    files = {p.split("::")[0] for p in paths}
    if not all(Path(f).is_file() for f in files):
        return False
    hdf5 = [p for p in paths if "::" in p]
    if hdf5:
        from ..io import list_hdf5_scans

        scans = set(list_hdf5_scans(hdf5[0].split("::")[0]))
        return all(p.split("::/", 1)[1] in scans for p in hdf5)
    return True


class GenerateDemoSpectra(Task, input_model=GenerateInputs, output_names=["paths", "output_dir", "generated"]):
    """The scans a workflow processes: real ones when `paths` is given, else simulated Cu K-edge EXAFS
    scans (FEFF6 fcc Cu, noisy I0/It/If counters) written to output_dir unless they already exist.

    Real data: `paths` is a list of ASCII column files and/or 'file.h5::/N.1' scan URLs, passed on
    unchanged (nothing is generated)."""

    def run(self) -> None:
        if self.inputs.paths:
            paths = self.inputs.paths
            self.outputs.paths = [str(paths)] if isinstance(paths, (str, Path)) else [str(p) for p in paths]
            self.outputs.output_dir = str(self.inputs.output_dir)
            self.outputs.generated = False
            return
        nscans, seed, fmt = self.inputs.nscans, self.inputs.seed, self.inputs.fmt
        output_dir = str(self.inputs.output_dir)
        paths = expected_paths(output_dir, nscans, fmt)
        generated = bool(self.inputs.overwrite) or not _complete(paths)
        if generated:
            paths = generate_spectra(output_dir, nscans=nscans, seed=seed, fmt=fmt)
        self.outputs.paths = paths
        self.outputs.output_dir = output_dir
        self.outputs.generated = generated
