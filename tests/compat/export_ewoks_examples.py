"""Export ewokscore's own example graphs (ewokscore.tests.examples.graphs) into graphs/ewoks_examples/,
with their task identifiers pointing at the re-written task code (ewoks_compat_tasks.examples).

Run in the reference environment (see record_ewoks_results.py), then record ewoks' results::

    /tmp/ewoks-ref/bin/python tests/compat/export_ewoks_examples.py
    /tmp/ewoks-ref/bin/python tests/compat/record_ewoks_results.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import ewokscore
from ewokscore.tests.examples.graphs import get_graph, graph_names

OUT = Path(__file__).resolve().parent / "graphs" / "ewoks_examples"
PREFIX = "ewokscore.tests.examples.tasks."


def rewrite(value):
    """Point every ewokscore example task at ewoks_compat_tasks.examples."""
    if isinstance(value, dict):
        return {k: rewrite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [rewrite(v) for v in value]
    if isinstance(value, str) and value.startswith(PREFIX):
        return "ewoks_compat_tasks.examples." + value.rsplit(".", 1)[-1]
    return value


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for name in sorted(graph_names()):
        doc, _ = get_graph(name)
        (OUT / f"{name}.json").write_text(json.dumps(rewrite(doc), indent=2) + "\n")
        print(name)
    # the graph and sub-graph (found by name, schema 1.1) of ewokscore's loading tests
    loadtest = Path(ewokscore.__file__).parent / "tests" / "examples" / "loadtest"
    (OUT / "loadtest").mkdir(exist_ok=True)
    for path in sorted(loadtest.glob("*.json")):
        doc = json.loads(path.read_text().replace('"dummy"', '"ewoks_compat_tasks.examples.dummy"'))
        (OUT / "loadtest" / path.name).write_text(json.dumps(doc, indent=2) + "\n")
        print(f"loadtest/{path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
