"""Task that writes the simulated Cu K-edge demo scans (so a demo workflow can start from nothing)."""

from __future__ import annotations

from pathlib import Path

from ewoks_core.task import Task

from ..demo_data import expected_paths, generate_spectra
from ._util import given


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


class GenerateDemoSpectra(Task, input_names=["output_dir"], optional_input_names=["nscans", "seed", "fmt", "overwrite"],
                          output_names=["paths", "output_dir", "generated"]):
    """Write simulated Cu K-edge EXAFS scans (FEFF6 fcc Cu, noisy I0/It/If counters) unless they already exist."""

    def run(self) -> None:
        opts = given(self, ["nscans", "seed", "fmt"])
        nscans, seed, fmt = int(opts.get("nscans", 3)), int(opts.get("seed", 0)), str(opts.get("fmt", "ascii"))
        output_dir = str(self.inputs.output_dir)
        paths = expected_paths(output_dir, nscans, fmt)
        generated = bool(self.inputs.overwrite) or not _complete(paths)
        if generated:
            paths = generate_spectra(output_dir, nscans=nscans, seed=seed, fmt=fmt)
        self.outputs.paths = paths
        self.outputs.output_dir = output_dir
        self.outputs.generated = generated
