"""Loading and saving a file written for ewoks keeps every graph, node and link attribute (ewoks' own
example graphs carry Orange positions, "uiProps" and annotations), so files written here load in ewoks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from corpus import GRAPHS, HERE

from ewoks_core import load_graph
from ewoks_core.graph.io import dump_document

FILES = sorted(p for p in list(GRAPHS.rglob("*")) + list((HERE / "ewoks_compat_tasks").rglob("*"))
               if p.suffix in (".json", ".yaml", ".yml"))
# written differently on purpose (docs/format.md, "Compatibility with ewoks")
CHANGED = {"legacy_task_keys.json": "old task keys are written as task_type + task_identifier",
           "multigraph_parallel_links.json": "parallel links are merged into one"}


def _read(path: Path) -> dict:
    return yaml.safe_load(path.read_text()) if path.suffix in (".yaml", ".yml") else json.loads(path.read_text())


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(HERE)))
def test_every_attribute_is_written_back(path, tmp_path):
    if path.name in CHANGED:
        pytest.skip(CHANGED[path.name])
    original = _read(path)
    saved = json.loads(dump_document(load_graph(path).to_dict(), tmp_path / "saved.json"))
    graph = dict(original.get("graph", {}))
    graph["schema_version"] = "1.2"  # older versions are upgraded, as ewoks does (their content is unchanged)
    assert saved["graph"] == graph
    assert saved["nodes"] == [{"task_type": "class", **n} if "task_type" not in n else n
                              for n in original.get("nodes", [])]
    assert saved["links"] == original.get("links", [])


def test_examples_keep_their_canvas_attributes():
    saved = load_graph(GRAPHS / "ewoks_examples" / "acyclic1.json").to_dict()
    assert saved["nodes"][0]["uiProps"] == {"position": {"x": 323, "y": 166}}
    assert saved["graph"]["ows"]["annotations"][0]["type"] == "text"
