"""Benchmark: the EXAFS chain through ewoks_xas tasks (and the workflow) vs calling larch directly.

Every variant processes the same 3 demo Cu K-edge scans per iteration: read the files,
merge, pre_edge, autobk, xftf (and, for the full variants, save NeXus + plot PNG).
Variants run interleaved, so machine load affects them alike. Prints a table of
per-spectrum times (one spectrum = a merge of the 3 scans) and the ratio to larch direct.

    python benchmarks/bench_xas.py [--repeat 50] [--nscans 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / "workflows" / "exafs.json"
CHAIN_NODES = ("read", "merge", "normalize", "background", "ft")
FT = {"kmin": 3.0, "kmax": 14.0, "kweight": 2, "dk": 1.0, "window": "hanning"}


def larch_direct(paths: List[str]) -> Any:
    """What a user would type: numpy reading + interpolation merge + larch pre_edge/autobk/xftf."""
    from larch import Group
    from larch.xafs import autobk, pre_edge, xftf

    scans = []
    for path in paths:
        table = np.loadtxt(path)
        scans.append((table[:, 0], np.log(table[:, 1] / table[:, 2])))
    lo, hi = max(e[0] for e, _ in scans), min(e[-1] for e, _ in scans)
    energy = scans[0][0][(scans[0][0] >= lo) & (scans[0][0] <= hi)]
    mu = np.mean([np.interp(energy, e, m) for e, m in scans], axis=0)
    group = Group(energy=energy, mu=mu)
    pre_edge(group)
    autobk(group, rbkg=1.0, kweight=2)
    xftf(group, **FT)
    return group


def larch_direct_full(paths: List[str], out_dir: Path) -> Any:
    """larch direct, then the same NeXus and PNG writers the tasks use."""
    from ewoks_xas.nexus import write_nexus
    from ewoks_xas.plot import plot_exafs

    g = larch_direct(paths)
    spectrum = {k: getattr(g, k) for k in ("energy", "mu", "norm", "flat", "e0", "edge_step", "k", "chi", "r",
                                           "chir_mag", "chir_re", "chir_im", "kwin")}
    spectrum["parameters"] = {"fourier": dict(FT)}
    spectrum["label"] = f"merge of {len(paths)} scans"  # the same figure as the workflow's (titled)
    write_nexus(spectrum, out_dir / "direct.nxs")
    plot_exafs(spectrum, out_dir / "direct.png")
    return g


def tasks_chain(paths: List[str]) -> Dict[str, Any]:
    """The same chain through the ewoks_xas Task classes (execute())."""
    from ewoks_xas.tasks.exafs import AutoBackground, FourierTransform, MergeSpectra, Normalize
    from ewoks_xas.tasks.read import ReadSpectra

    spectra = ReadSpectra(inputs={"paths": paths}).execute()["spectra"]
    spectrum = MergeSpectra(inputs={"spectra": spectra}).execute()["spectrum"]
    spectrum = Normalize(inputs={"spectrum": spectrum}).execute()["spectrum"]
    spectrum = AutoBackground(inputs={"spectrum": spectrum, "rbkg": 1.0, "kweight": 2}).execute()["spectrum"]
    return FourierTransform(inputs={"spectrum": spectrum, **FT}).execute()


def chain_graph(paths: List[str]) -> Dict[str, Any]:
    """workflows/exafs.json restricted to read -> ft, reading ``paths``."""
    doc = json.loads(WORKFLOW.read_text())
    doc["nodes"] = [n for n in doc["nodes"] if n["id"] in CHAIN_NODES]
    doc["links"] = [lk for lk in doc["links"] if lk["source"] in CHAIN_NODES and lk["target"] in CHAIN_NODES]
    for node in doc["nodes"]:
        if node["id"] == "read":
            node["default_inputs"] = node.get("default_inputs", []) + [{"name": "paths", "value": paths}]
        if node["id"] == "normalize":
            node["default_inputs"] = []  # as larch direct: no expected_e0 check
    doc["graph"]["id"] = "exafs_chain"
    return doc


def full_graph(out_dir: Path) -> Dict[str, Any]:
    """workflows/exafs.json writing into ``out_dir`` (the demo scans already exist: generation is skipped)."""
    doc = json.loads(WORKFLOW.read_text())
    values = {"output_dir": str(out_dir), "output_file": None}
    for node in doc["nodes"]:
        for item in node.get("default_inputs", []):
            if item["name"] == "output_dir":
                item["value"] = values["output_dir"]
            if item["name"] == "output_file":
                item["value"] = str(out_dir / Path(item["value"]).name)
    return doc


def timeit(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50, help="iterations per variant")
    parser.add_argument("--nscans", type=int, default=3, help="scans merged into one spectrum")
    args = parser.parse_args()

    t0 = time.perf_counter()
    import larch.xafs  # noqa: F401  (import cost reported separately)

    import_s = time.perf_counter() - t0
    from ewoks_xas.demo_data import generate_spectra

    try:
        from ewoks_core.api import execute_graph
    except ImportError:
        execute_graph = None

    with tempfile.TemporaryDirectory(prefix="bench_xas_") as tmp:
        out = Path(tmp)
        t0 = time.perf_counter()
        paths = generate_spectra(out, nscans=args.nscans, seed=0)
        gen_s = time.perf_counter() - t0
        variants: Dict[str, Callable[[], Any]] = {
            "larch direct (read+merge+pre_edge+autobk+xftf)": lambda: larch_direct(paths),
            "ewoks_xas tasks, execute()": lambda: tasks_chain(paths),
        }
        if execute_graph is not None:
            graph = chain_graph(paths)
            variants["workflow read->ft, execute_graph"] = lambda: execute_graph(graph)
            variants["larch direct + NeXus + PNG"] = lambda: larch_direct_full(paths, out)
            full = full_graph(out)
            variants["workflow exafs.json (+NeXus +PNG)"] = lambda: execute_graph(full)
        # check agreement once, warm up every variant
        ref, via_tasks = larch_direct(paths), tasks_chain(paths)
        agree = np.allclose(ref.chir_mag, via_tasks["chir_mag"], rtol=1e-9, atol=1e-12)
        for fn in variants.values():
            fn()
        times: Dict[str, List[float]] = {name: [] for name in variants}
        names = list(variants)
        for i in range(args.repeat):
            for name in names[i % len(names):] + names[: i % len(names)]:
                times[name].append(timeit(variants[name]))

    base = {"chain": times[names[0]]}
    if len(names) > 3:
        base["full"] = times["larch direct + NeXus + PNG"]
    print(f"larch import {import_s:.2f} s; demo data ({args.nscans} scans) {gen_s * 1000:.0f} ms; "
          f"{args.repeat} iterations; tasks == larch: {agree}")
    print(f"{'variant':50s} {'median ms':>10s} {'min ms':>8s} {'ratio(med)':>11s} {'ratio(min)':>11s}")
    for name in names:
        med, best = statistics.median(times[name]), min(times[name])
        ref = base["full"] if ("NeXus" in name) else base["chain"]
        print(f"{name:50s} {med * 1000:10.1f} {best * 1000:8.1f} {med / statistics.median(ref):10.2f}x "
              f"{best / min(ref):10.2f}x")
    print("ratio: time / the matching larch-direct variant's (target <= 1.10x); "
          "min is the least noisy on a busy machine")


if __name__ == "__main__":
    main()
