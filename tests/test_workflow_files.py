"""Every file in workflows/ runs on every installed engine that accepts it, with the sequential engine's
results; an engine that lacks a capability the file needs refuses it before anything runs. Converted
to an Orange .ows file, it gives the same results on every engine."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict

import numpy as np
import pytest

from ewoks_core import convert_graph, execute_graph, load_graph
from ewoks_core.engines.registry import get_engine
from ewoks_core.errors import CapabilityError, EngineError
from ewoks_core.graph.compiled import compile_graph

WORKFLOWS = Path(__file__).resolve().parents[1] / "workflows"
FILES = sorted(p.name for p in WORKFLOWS.iterdir() if p.suffix in (".json", ".yaml", ".yml"))
ENGINES = ["sequential", "ppf", "dask", "orange"]
XRPD_DEMO_FILES = ("demo_scan.h5", "demo_scan.poni", "demo_scan_mask.edf")


def _needs(name: str) -> str:
    return "pyFAI" if name.startswith("xrpd") else "larch" if name.startswith("exafs") else ""


@pytest.fixture(scope="session")
def xrpd_scan(tmp_path_factory) -> Path:
    """A 6-frame demo scan shared by the XRPD runs (GenerateDemoScan keeps files that exist)."""
    from ewoks_xrpd.demo_data import generate_scan

    folder = tmp_path_factory.mktemp("xrpd_scan")
    generate_scan(folder / "demo_scan.h5", nframes=6, seed=1)
    return folder


def _run(name: str, engine: str, workdir: Path, request, path: Any = None) -> Dict[str, Any]:
    """Run workflows/NAME (or `path`, a conversion of it) from an empty working directory (outputs land there)."""
    if _needs(name):
        pytest.importorskip(_needs(name))
    if name.startswith("xrpd"):
        scan = request.getfixturevalue("xrpd_scan")
        gen = next(n for n in load_graph(str(WORKFLOWS / name)).to_dict()["nodes"] if n["id"] == "gen")
        out = workdir / next(i["value"] for i in gen["default_inputs"] if i["name"] == "output_dir")
        out.mkdir(parents=True)
        for f in XRPD_DEMO_FILES:
            os.link(scan / f, out / f)
    cwd = os.getcwd()
    os.chdir(workdir)
    try:
        return execute_graph(str(path or WORKFLOWS / name), engine=engine)
    finally:
        os.chdir(cwd)


def _same(a: Any, b: Any, where: str = "results") -> None:
    if isinstance(a, dict):
        assert isinstance(b, dict) and sorted(a, key=str) == sorted(b, key=str), where
        for k in a:
            _same(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, (list, tuple)) and not isinstance(a, str):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{where}[{i}]")
    elif isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=1e-12,
                                   err_msg=where)
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def _relative(results: Any, root: Path) -> Any:
    if isinstance(results, dict):
        return {k: _relative(v, root) for k, v in results.items()}
    if isinstance(results, (list, tuple)):
        return [_relative(v, root) for v in results]
    if isinstance(results, str):
        return results.replace(str(root), "<workdir>")
    return results


_REFERENCE: Dict[str, Any] = {}


@pytest.mark.slow
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", FILES)
def test_workflow_file_on_engine(name, engine, tmp_path, request):
    try:
        eng = get_engine(engine)
    except EngineError as e:
        pytest.skip(str(e))
    needs = compile_graph(load_graph(str(WORKFLOWS / name))).required_capabilities()
    if not needs <= eng.capabilities:
        with pytest.raises(CapabilityError) as info:
            _run(name, engine, tmp_path, request)
        assert "sequential" in str(info.value) or "ppf" in str(info.value)
        assert not any(tmp_path.iterdir()) or all(p.name.endswith("_output") for p in tmp_path.iterdir())
        return
    results = _relative(_run(name, engine, tmp_path, request), tmp_path)
    assert results, f"{name} on {engine} gave no results"
    if engine == "sequential":
        _REFERENCE[name] = results
        return
    if name not in _REFERENCE:
        reference_dir = tmp_path / "reference"
        reference_dir.mkdir()
        _REFERENCE[name] = _relative(_run(name, "sequential", reference_dir, request), reference_dir)
    _same(results, _REFERENCE[name])


@pytest.mark.slow
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", FILES)
def test_workflow_file_as_ows_on_engine(name, engine, tmp_path, request):
    """Converted to .ows (ewoks convert), the file loads to the same graph and runs with the same results."""
    try:
        eng = get_engine(engine)
    except EngineError as e:
        pytest.skip(str(e))
    ows = tmp_path / "converted" / (Path(name).stem + ".ows")
    ows.parent.mkdir()
    convert_graph(str(WORKFLOWS / name), str(ows), save_requirements=False)
    original, converted = load_graph(str(WORKFLOWS / name)).to_dict(), load_graph(str(ows)).to_dict()
    for node in converted["nodes"]:
        assert node.pop("ows")["position"]  # the conversion adds a left-to-right layout, nothing else
    converted["graph"]["schema_version"] = original["graph"]["schema_version"]
    assert converted == original
    if not compile_graph(load_graph(str(ows))).required_capabilities() <= eng.capabilities:
        pytest.skip(f"{engine} cannot run {name} (see test_workflow_file_on_engine)")
    workdir = tmp_path / "run"
    workdir.mkdir()
    results = _relative(_run(name, engine, workdir, request, path=ows), workdir)
    if name not in _REFERENCE:
        reference_dir = tmp_path / "reference"
        reference_dir.mkdir()
        _REFERENCE[name] = _relative(_run(name, "sequential", reference_dir, request), reference_dir)
    _same(results, _REFERENCE[name])
