"""ewoks_orange: ewoks workflows as Orange canvas workflows (orange-canvas-core).

The `orange` engine builds an Orange `Scheme` (one `SchemeNode` per node, one
`SchemeLink` per link) and executes it with an Orange `SignalManager`: outputs
are sent on the nodes' output channels and Orange delivers them to the linked
nodes in its own order (its update front). What runs, with which inputs, is
decided by the one execution model of ewoks_core (`JobState`), as on every
engine. `workflow_scheme(graph)` gives the scheme for other Orange tools.
"""

from .scheme import INPUT_CHANNEL, OUTPUT_CHANNEL, OrangeWorkflow, workflow_scheme

__all__ = ["workflow_scheme", "OrangeWorkflow", "INPUT_CHANNEL", "OUTPUT_CHANNEL"]
