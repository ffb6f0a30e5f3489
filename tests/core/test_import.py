"""`import ewoks_core` stays light: no heavy module is imported until it is used."""

import json
import subprocess
import sys

HEAVY = ["numpy", "h5py", "pydantic", "yaml", "networkx", "dask", "celery", "pypushflow", "pyFAI", "larch"]


def test_import_loads_no_heavy_module():
    code = f"import sys, json, ewoks_core; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == []
