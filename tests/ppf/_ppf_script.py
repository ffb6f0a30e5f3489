"""Run by the signal tests in a subprocess: python _ppf_script.py POOL EVENTS_FILE [OPTIONS_JSON] [stubborn|idle].

stubborn: node 'a' never checks self.cancelled. idle: one more worker, which runs a quick node 'q'
first and is idle when the signals come.

The test waits for the node start events in EVENTS_FILE, then signals this process.
Prints 'RAISED <type>: <message>' and exits 3 when the workflow raised, else 'DONE'.
"""

import json
import sys

from ewoks_core.api import execute_graph
from ewoks_core.testing.builders import graph, link, node


def main() -> int:
    pool, events = sys.argv[1], sys.argv[2]
    options = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
    stubborn = len(sys.argv) > 4 and sys.argv[4] == "stubborn"
    idle = len(sys.argv) > 4 and sys.argv[4] == "idle"
    # a: a task that checks self.cancelled (or one that never does: time.sleep), b: one that does
    first = node("a", "time.sleep", {0: 60}, task_type="method") if stubborn else node("a", "Sleep", {"seconds": 60})
    nodes = [first, node("b", "Sleep", {"seconds": 60}), node("c", "Noop")] + ([node("q", "Noop")] if idle else [])
    g = graph("long", nodes, [link("a", "c"), link("b", "c")])
    execinfo = {"handlers": [{"class": "jsonl", "arguments": [{"name": "path", "value": events}]}]}
    try:
        execute_graph(g, engine="ppf", pool_type=pool, max_workers=3 if idle else 2, execinfo=execinfo, **options)
    except BaseException as e:
        print(f"RAISED {type(e).__name__}: {e}", flush=True)
        return 3
    print("DONE", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
