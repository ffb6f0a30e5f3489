"""ewoks_orange: ewoks workflows in Orange: the canvas (`ewoks canvas`), the task widgets and the
headless `orange` engine.

The `orange` engine builds an Orange `Scheme` (one `SchemeNode` per node, one `SchemeLink` per link)
and executes it with an Orange `SignalManager`: outputs are sent on the nodes' output channels and
Orange delivers them to the linked nodes in its own order (its update front). What runs, with which
inputs, is decided by the one execution model of ewoks_core (`JobState`), as on every engine.
`workflow_scheme(graph)` gives the scheme for other Orange tools.

Nothing is imported here until used: the `ewoks` command loads `ewoks_orange.cli` at every start.
"""

from typing import Any

__all__ = ["workflow_scheme", "OrangeWorkflow", "INPUT_CHANNEL", "OUTPUT_CHANNEL"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import scheme

        return getattr(scheme, name)
    raise AttributeError(f"module 'ewoks_orange' has no attribute {name!r}")
