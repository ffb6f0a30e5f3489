"""The forkserver of `processes` preloads the main script's imports without running the script."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from ewoks_core.execution import mpstart

SCRIPT = '''
import json
import os.path
from collections import OrderedDict
try:
    import email.mime.text
except ImportError:
    pass
import not_imported_here_xyz  # noqa (never imported in the parent: not preloaded)


def f():
    import csv


if __name__ == "__main__":
    import decimal
'''


def test_main_imports(tmp_path, monkeypatch):
    script = tmp_path / "script.py"
    script.write_text(SCRIPT)
    main = type(sys)("__main__")
    main.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", main)
    import collections  # noqa: F401
    import email.mime.text  # noqa: F401
    import json  # noqa: F401

    names = mpstart.main_imports()
    assert names == ["json", "os.path", "collections", "email.mime.text"]


def test_unguarded_script_does_not_run_in_the_server(tmp_path):
    """A script without a __main__ guard fails in the workers (as with spawn) instead of running twice."""
    marker = tmp_path / "runs.txt"
    script = tmp_path / "unguarded.py"
    script.write_text(textwrap.dedent(f'''
        from ewoks_core import execute_graph
        from ewoks_core.testing.builders import graph, node
        with open({str(marker)!r}, "a") as f:
            f.write("run\\n")
        try:
            execute_graph(graph("g", [node("a", "SumTask", {{"a": 1}})], []), engine="dask", scheduler="processes")
        except Exception as e:
            print(type(e).__name__, e)
    '''))
    proc = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    # the caller ran the script; the one worker re-ran it as __mp_main__ (as with spawn) and was told that it
    # cannot start processes there; the fork server itself never ran it (that would be a third line)
    assert marker.read_text().split() == ["run", "run"]
    assert "bootstrapping phase" in proc.stdout
