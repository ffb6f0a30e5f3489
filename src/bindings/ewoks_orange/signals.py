"""The Orange signal manager of a job: delivers node outputs along the scheme's links."""

from __future__ import annotations

from typing import Any, Callable, List

from orangecanvas.scheme.signalmanager import SignalManager


class JobSignalManager(SignalManager):
    """Orange's SignalManager, driven step by step by the engine (`process_next`) instead of its
    100 ms update timer; a node that receives its signals is handed to `delivered(node)`."""

    def __init__(self, scheme: Any, delivered: Callable[[Any], None]) -> None:
        super().__init__()
        self._delivered = delivered
        self.pause()  # first: keeps outputs and queues signals, never delivers on its own (no timer)
        self.set_workflow(scheme)

    def send_to_node(self, node: Any, signals: List[Any]) -> None:
        """Orange delivers the pending signals of `node` (its upstream nodes have no pending signals)."""
        self._delivered(node)
