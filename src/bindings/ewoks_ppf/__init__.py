"""ewoks_ppf: the `ppf` engine of ewoks_core, executing workflows with pypushflow.

    execute_graph("workflow.json", engine="ppf", pool_type="process", max_workers=4, timeout=60)

or in the background, with cancellation::

    job = ewoks_ppf.submit("workflow.json", pool_type="thread")
    job.cancel()
    job.result(timeout=10)
"""

from .engine import PpfEngine
from .options import PpfOptions
from .submit import PpfJob, submit

__all__ = ["PpfEngine", "PpfOptions", "PpfJob", "submit"]
