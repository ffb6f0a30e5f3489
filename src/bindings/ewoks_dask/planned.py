"""The dask graph of a plan (ewoks_core.execution.plan): one task per planned node, sent in one call.

Each task is a `PlannedTask`: it calls `run_planned` with its sources' outcomes and returns the node's
outcome (its dependents' input). dask hashes every task of a graph it is given (`tokenize`, to name
the graph); a task's arguments hold the node's spec and the job's configuration, which cost ~0.5 ms
per node to hash, so a task hashes as its key, which is unique already.

The client needs every outcome too (the JobState records them, node events of local sinks come with
them). Gathering them key by key costs dask ~0.2 ms per key in the client, the scheduler and the
workers, as much as running a small task. So each task also leaves its outcome in its worker's
outbox, and the client empties every worker's outbox with one message (`take_outcomes`, Client.run)
per batch; a run whose outcome is not there (its worker died, dask ran it again elsewhere) is
gathered as before. A run that failed returns its outcome to dask wrapped in a `PlannedFailure`:
dask tells the client every result's type when the task finishes, so the client sees the failure
at once (the job stops) without fetching anything. Workers import this module (keep it light).
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from typing import Any, Dict, List, Sequence, Tuple

from ewoks_core.errors import node_label
from ewoks_core.execution.outcome import NodeRun
from ewoks_core.execution.plan import PlannedNode, run_planned
from ewoks_core.execution.remote import RemoteRuns

# worker side: job token -> [(key, outcome)] of runs that ended here and that the client did not take yet
_OUTBOX: "OrderedDict[str, List[Tuple[str, Any]]]" = OrderedDict()
_LOCK = threading.Lock()
_MAX_JOBS = 64  # outboxes a client never came back for (it died) are dropped, oldest first


class PlannedFailure:
    """What a planned task returns to dask for a run that failed (its type is the signal; see above)."""

    __slots__ = ("outcome",)

    def __init__(self, outcome: Any) -> None:
        self.outcome = outcome

    def __reduce__(self) -> Tuple[Any, ...]:
        return PlannedFailure, (self.outcome,)


def unwrap(value: Any) -> Any:
    """The outcome in a planned task's result (dask's value of its key)."""
    return value.outcome if type(value) is PlannedFailure else value


class PlannedTask:
    """A planned node's run as a dask task function (picklable; hashed by dask as its key)."""

    __slots__ = ("key", "token", "args")

    def __init__(self, key: str, token: str, args: Tuple[Any, ...]) -> None:
        self.key, self.token, self.args = key, token, args

    def __call__(self, *upstream: Any) -> Any:
        """Run the node from its sources' outcomes (execution.plan.run_planned); leave a copy for the client."""
        outcome = run_planned(*self.args, *[unwrap(value) for value in upstream])
        with _LOCK:
            box = _OUTBOX.get(self.token)
            if box is None:
                box = _OUTBOX[self.token] = []
                while len(_OUTBOX) > _MAX_JOBS:
                    _OUTBOX.popitem(last=False)
            box.append((self.key, outcome))
        if outcome is not None and outcome.error is not None:
            return PlannedFailure(outcome)
        return outcome

    def __dask_tokenize__(self) -> str:
        """What dask hashes: the key (unique per run), not the arguments."""
        return self.key

    def __reduce__(self) -> Tuple[Any, ...]:
        return PlannedTask, (self.key, self.token, self.args)

    def __repr__(self) -> str:  # the dashboard and dask's errors show it
        return f"PlannedTask({self.key!r})"


async def take_outcomes(token: str) -> List[Tuple[str, Any]]:
    """Run in every worker (Client.run): (key, outcome) of the job's runs that ended there since the last call."""
    with _LOCK:
        return _OUTBOX.pop(token, [])


def plan_graph(plan: Sequence[PlannedNode], runs: Sequence[NodeRun], remote: RemoteRuns,
               token: str) -> Tuple[Dict[str, Any], List[str]]:
    """The dask graph of `plan` (keys `<node>-<uuid>`: the dashboard groups tasks by node) and the key of
    each planned node, in plan order. Sources are passed as keys: dask hands their outcomes to the task.
    `token`: the job's (its outbox on the workers)."""
    keys = {planned.node_id: f"{node_label(planned.node_id)}-{uuid.uuid4().hex}" for planned in plan}
    dsk: Dict[str, Any] = {}
    for planned, run in zip(plan, runs, strict=True):
        spec, _, config, flags, relay = remote.args(run)
        key = keys[planned.node_id]
        task = PlannedTask(key, token, (spec, planned, config, flags, relay))
        dsk[key] = (task, *[keys[source] for source in planned.sources])
    return dsk, [keys[planned.node_id] for planned in plan]
