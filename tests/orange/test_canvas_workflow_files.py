"""Every file of workflows/ opens in the canvas, runs with the results of `ewoks execute`, and saves and
reopens to the same workflow."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from canvas_support import run_and_wait, same

from ewoks_core import execute_graph, load_graph

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"
FILES = sorted(p.name for p in WORKFLOWS.iterdir() if p.suffix in (".json", ".yaml", ".yml"))
XRPD_DEMO_FILES = ("demo_scan.h5", "demo_scan.poni", "demo_scan_mask.edf")


@pytest.fixture(scope="module")
def xrpd_scan(tmp_path_factory) -> Path:
    pytest.importorskip("pyFAI")
    from ewoks_xrpd.demo_data import generate_scan

    folder = tmp_path_factory.mktemp("xrpd_scan")
    generate_scan(folder / "demo_scan.h5", nframes=6, seed=1)
    return folder


def _workdir(name: str, root: Path, request) -> Path:
    """An empty working directory for one run, with the XRPD demo scan where the workflow expects it."""
    root.mkdir()
    if name.startswith("xrpd"):
        scan = request.getfixturevalue("xrpd_scan")
        gen = next(n for n in load_graph(str(WORKFLOWS / name)).to_dict()["nodes"] if n["id"] == "gen")
        out = root / next(i["value"] for i in gen["default_inputs"] if i["name"] == "output_dir")
        out.mkdir(parents=True)
        for f in XRPD_DEMO_FILES:
            os.link(scan / f, out / f)
    if name.startswith("exafs"):
        pytest.importorskip("larch")
    return root


def _relative(value: Any, root: Path) -> Any:
    if isinstance(value, dict):
        return {k: _relative(v, root) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_relative(v, root) for v in value]
    return value.replace(str(root), "<workdir>") if isinstance(value, str) else value


@pytest.mark.slow
@pytest.mark.parametrize("name", FILES)
def test_workflow_file_opens_runs_saves_and_reopens(name, window, canvas_registry, tmp_path, request, monkeypatch):
    from ewoks_orange.canvas.document import scheme_document
    from ewoks_orange.canvas.mainwindow import EwoksCanvasMainWindow

    reference_dir = _workdir(name, tmp_path / "reference", request)
    monkeypatch.chdir(reference_dir)
    expected = _relative(execute_graph(str(WORKFLOWS / name)), reference_dir)

    canvas_dir = _workdir(name, tmp_path / "canvas", request)
    monkeypatch.chdir(canvas_dir)
    window.live_action.setChecked(False)
    window.load_scheme(str(WORKFLOWS / name))
    assert window.messages == []
    scheme = window.current_document().scheme()
    original = load_graph(str(WORKFLOWS / name)).to_dict()
    assert [n.title for n in scheme.nodes] == [n.get("label", n["id"]) for n in original["nodes"]]
    runner = run_and_wait(window, timeout=300)
    assert runner.error is None, runner.error
    same(_relative(runner.results, canvas_dir), expected)
    widgets = list(map(scheme.widget_for_node, scheme.nodes))
    assert all(not widget.ewoks_error for widget in widgets)
    for widget in widgets:  # the hand-written widgets plotted what their task computed
        if hasattr(widget, "chir"):
            assert widget.chir is not None and len(widget.chir.getData()[0]) > 10
        if hasattr(widget, "pattern"):
            assert widget.pattern is not None and len(widget.pattern.getData()[0]) > 10

    saved = tmp_path / (Path(name).stem + ".ows")
    assert window.save_scheme_to(scheme, str(saved))
    doc = load_graph(str(saved)).to_dict()
    for node in doc["nodes"]:
        assert node.pop("ows")["position"]
    doc["graph"]["schema_version"] = original["graph"].get("schema_version", doc["graph"]["schema_version"])
    assert doc == original  # ids, labels, inputs, links, conditions: nothing lost
    reopened = EwoksCanvasMainWindow()
    reopened.set_widget_registry(canvas_registry)
    try:
        reopened.load_scheme(str(saved))
        assert scheme_document(reopened.current_document().scheme())[0] == scheme_document(scheme)[0]
    finally:
        reopened.current_document().setModified(False)
        reopened.close()
