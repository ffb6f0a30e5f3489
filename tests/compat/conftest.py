"""The ewoks compatibility corpus: its task package is importable here and in worker processes."""

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
# worker processes (ppf and dask process pools) import the corpus tasks too
os.environ["PYTHONPATH"] = os.pathsep.join([str(HERE)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep)
                                                          if p])
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
