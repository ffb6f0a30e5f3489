"""The behaviour catalogue: how a run ends when it is stopped or loses a worker, on every engine.

The conformance catalogue (catalogue.py) says what a workflow computes; this one says how a job
stops: a timeout, a cancel from another thread, Ctrl-C, SIGTERM, a second Ctrl-C, Ctrl-C while
the caller records a result, a killed worker process, a task that ignores the cancel. The job
driver (ewoks_core.engines.driver) gives every engine these behaviours; `check_behaviour`
(behaviour_runner.py) runs a case on an engine configuration and asserts them: the error (or the
command's exit code), the time it took after the stop, complete events (every node start has its
end, job and workflow events bracket them), nodes that must not start, and no process left
behind.

`needs` names the engine capabilities and the traits of the configuration a case needs; the
engine's test suite says which traits each of its configurations has:
- `worker_processes`: nodes run in local worker processes (they can be killed and terminated);
- `abandons`: running tasks are not in the calling thread (they can be left behind after the grace).
Expectations are written by hand from the driver's contract (docs/engine_writer.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, FrozenSet, List

from .builders import cond, graph, link, node

SLEEP = 60  # seconds the tasks of a stopped run would take: a run that ends in seconds was stopped


@dataclass(frozen=True)
class Behaviour:
    """One behaviour case."""

    name: str
    graph: dict
    stop: str  # timeout, cancel_event, cancel_event_set (before the call), kill_worker, sigint (to the process
    # group, as a terminal), sigint_twice, sigterm, ctrl_c_at_end_of:<node> (SIGINT to the calling process from its
    # sink object, on that node's end event)
    error: str  # what execute_graph raises (type name), or the `ewoks execute` exit code (signals)
    message: str  # regular expression the error message (or the command's stderr) contains
    options: Dict[str, Any] = field(default_factory=dict)  # engine options of the case
    never_started: FrozenSet[str] = frozenset()
    needs: FrozenSet[str] = frozenset()
    within: float = 8.0  # seconds from the stop to the end of the call


def parallel_sleeps(n: int = 3, seconds: float = SLEEP) -> dict:
    """n tasks that sleep (checking self.cancelled), then a node that needs them all."""
    nodes = [node(f"s{i}", "Sleep", {"seconds": seconds, "value": i}) for i in range(n)] + [node("after", "Noop")]
    return graph("sleeps", nodes, [link(f"s{i}", "after") for i in range(n)])


def quick_and_sleeps(n: int = 1, seconds: float = SLEEP) -> dict:
    """A quick node 'q' beside parallel_sleeps(n): 'q' ends while the others run (given n + 1 workers:
    a scheduler may start the sleeps first)."""
    sleeps = parallel_sleeps(n, seconds)
    return graph("quick_and_sleeps", [node("q", "Noop", {"value": 1})] + sleeps["nodes"], sleeps["links"])


def stubborn(n: int = 2, seconds: float = SLEEP) -> dict:
    """n tasks that sleep without ever checking self.cancelled, then a node that needs them all."""
    nodes = [node(f"s{i}", "time.sleep", {0: seconds}, task_type="method") for i in range(n)] + [node("after", "Noop")]
    return graph("stubborn", nodes, [link(f"s{i}", "after") for i in range(n)])


def busy_loop() -> dict:
    """A loop of tiny tasks that would run for ever: the scheduler is never idle."""
    return graph("busy", [node("A", "Increment", {"x": 0, "limit": 10**9}, force_start_node=True)],
                 [link("A", "A", {"x": "x"}, conditions=cond(below_limit=True))])


def stream_sleeps(n: int = 3, seconds: float = SLEEP) -> dict:
    """A stream (extension 'stream' 1.0) of n items that each sleep, one at a time; its reducer, then a
    node that needs the reducer. The source runs in the calling process, the items on the workers."""
    nodes = [node("src", "ewoks_core.stream.IterableSource", {"iterable": list(range(n))}),
             node("sq", "Sleep", {"seconds": seconds}), node("red", "Collect"), node("after", "Noop")]
    return graph("stream_sleeps", nodes,
                 [link("src", "sq", {"item": "value"}), link("sq", "red", {"value": "values"}), link("red", "after")],
                 extensions={"stream": "1.0"},
                 stream={"source": "src", "item_nodes": ["sq"], "reducer": "red", "max_in_flight": 1})


AFTER = frozenset({"after"})
AFTER_STREAM = frozenset({"red", "after"})
CANCELLED, FAILED = "WorkflowCancelled", "TaskFailedError"
EXIT_INTERRUPTED, EXIT_FAILED = "130", "1"  # `ewoks execute`: Ctrl-C, a failed (or cancelled) workflow

BEHAVIOURS: List[Behaviour] = [
    Behaviour("timeout", parallel_sleeps(), "timeout", CANCELLED, r"timed out after 0\.5 s", {"timeout": 0.5},
              never_started=AFTER),
    Behaviour("timeout_during_last_node", stubborn(1, 0.5), "timeout", CANCELLED, r"timed out after 0\.1 s",
              {"timeout": 0.1}, never_started=AFTER),
    Behaviour("timeout_of_a_busy_loop", busy_loop(), "timeout", CANCELLED, "timed out",
              {"timeout": 0.5, "max_iterations": 10**9}, needs=frozenset({"cycles"})),
    Behaviour("cancel_from_another_thread", parallel_sleeps(), "cancel_event", CANCELLED, "cancelled",
              never_started=AFTER),
    Behaviour("cancelled_before_the_start", parallel_sleeps(), "cancel_event_set", CANCELLED, "cancelled",
              never_started=frozenset({"s0", "s1", "s2", "after"})),
    Behaviour("sigint", parallel_sleeps(), "sigint", EXIT_INTERRUPTED, "interrupted", never_started=AFTER),
    # the caller's process (not the workers) gets Ctrl-C while it records the end of 'q': with worker
    # processes, in the middle of taking q's outcome and its events from the pool (nothing may be dropped:
    # a dropped outcome would keep the job waiting its whole kill_timeout for q)
    Behaviour("ctrl_c_while_recording", quick_and_sleeps(), "ctrl_c_at_end_of:q", "KeyboardInterrupt", "",
              never_started=AFTER, within=5.0),
    Behaviour("sigterm", parallel_sleeps(), "sigterm", EXIT_FAILED, "stopped by SIGTERM", never_started=AFTER),
    Behaviour("second_sigint_aborts", stubborn(), "sigint_twice", EXIT_INTERRUPTED, "interrupted",
              never_started=AFTER, needs=frozenset({"worker_processes"})),
    Behaviour("stubborn_task_abandoned", stubborn(1, 3.0), "timeout", CANCELLED, r"timed out after 0\.3 s",
              {"timeout": 0.3, "kill_timeout": 0.3}, never_started=AFTER, needs=frozenset({"abandons"}),
              within=2.5),
    Behaviour("killed_worker", parallel_sleeps(), "kill_worker", FAILED, "lost", never_started=AFTER,
              needs=frozenset({"worker_processes"})),
    Behaviour("stream_cancel", stream_sleeps(), "cancel_event", CANCELLED, "cancelled", never_started=AFTER_STREAM),
    Behaviour("stream_timeout", stream_sleeps(), "timeout", CANCELLED, r"timed out after 1 s", {"timeout": 1.0},
              never_started=AFTER_STREAM),
    Behaviour("stream_killed_worker", stream_sleeps(), "kill_worker", FAILED, "lost", never_started=AFTER_STREAM,
              needs=frozenset({"worker_processes"})),
]

BEHAVIOURS_BY_NAME = {behaviour.name: behaviour for behaviour in BEHAVIOURS}
