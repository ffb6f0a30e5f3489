"""Tasks of the dask binding tests (imported by worker processes too: keep the name unique)."""

from __future__ import annotations

import datetime
import os
import signal
import socket
import time
from fractions import Fraction
from pathlib import Path
from typing import Any, Dict

import numpy

from ewoks_core.task import Task


class Point:
    """A plain Python object (not JSON): must reach the next task as a Point."""

    def __init__(self, x: float, y: float) -> None:
        self.x, self.y = x, y

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Point) and (self.x, self.y) == (other.x, other.y)


def non_json_values() -> Dict[str, Any]:
    """Values JSON cannot carry (or would change)."""
    return {
        "array": numpy.arange(12, dtype=numpy.float32).reshape(3, 4),
        "ints": numpy.array([1, 2, 3], dtype=numpy.uint16),
        "point": Point(1.5, -2.0),
        "complex": 1 + 2j,
        "bytes": b"\x00\xff",
        "set": {1, 2, 3},
        "tuple": (1, "a"),
        "fraction": Fraction(1, 3),
        "when": datetime.datetime(2024, 1, 2, 3, 4, 5),
        "intkeys": {1: "one", 2: "two"},
    }


class MakeValues(Task, output_names=["values", "array"]):
    """Produces non-JSON values."""

    def run(self) -> None:
        values = non_json_values()
        self.outputs.values = values
        self.outputs.array = values["array"]


class CheckValues(Task, input_names=["values", "array"], output_names=["values", "array", "same_types"]):
    """Passes the values on, doubling the array; reports whether every type arrived intact."""

    def run(self) -> None:
        expected = non_json_values()
        values = self.inputs.values
        self.outputs.same_types = all(type(values[k]) is type(v) for k, v in expected.items())
        self.outputs.values = values
        self.outputs.array = self.inputs.array * 2


class WhereAmI(Task, optional_input_names=["value", "seconds"], output_names=["pid", "host", "value"]):
    """Reports the process id and host name it ran in (after sleeping `seconds`)."""

    def run(self) -> None:
        time.sleep(self.inputs.seconds or 0)
        self.outputs.pid = os.getpid()
        self.outputs.host = socket.gethostname()
        self.outputs.value = self.inputs.value


class Mark(Task, input_names=["path"], optional_input_names=["seconds", "value"], output_names=["value"]):
    """Creates the file `path` when it starts, then sleeps `seconds`."""

    def run(self) -> None:
        Path(self.inputs.path).write_text(str(os.getpid()))
        time.sleep(self.inputs.seconds or 0)
        self.outputs.value = self.inputs.value


class FailWhenMarked(Task, input_names=["path"], optional_input_names=["wait"], output_names=["value"]):
    """Waits (at most `wait` s) until file `path` exists, then raises ValueError('failed on purpose')."""

    def run(self) -> None:
        end = time.monotonic() + (self.inputs.wait or 30)
        while not Path(self.inputs.path).exists() and time.monotonic() < end:
            time.sleep(0.01)
        raise ValueError("failed on purpose")


class KillWorker(Task, input_names=["marker"], optional_input_names=["always"], output_names=["pid"]):
    """Kills its own process (SIGKILL) unless `marker` exists (always=True: every time)."""

    def run(self) -> None:
        marker = Path(self.inputs.marker)
        if self.inputs.always or not marker.exists():
            marker.write_text(str(os.getpid()))
            os.kill(os.getpid(), signal.SIGKILL)
            time.sleep(10)
        self.outputs.pid = os.getpid()


class Counted(Task, input_names=["a", "log"], optional_input_names=["b"], output_names=["result", "array"]):
    """result = a + b and an array; appends its node id to the file `log` when it really runs."""

    def run(self) -> None:
        with open(self.inputs.log, "a") as f:
            f.write(f"{self.node_id}\n")
        self.outputs.result = self.inputs.a + (self.inputs.b or 0)
        self.outputs.array = numpy.arange(3) * self.outputs.result


class WaitForFile(Task, input_names=["started", "path"], optional_input_names=["wait"], output_names=["value"]):
    """Creates the file `started`, then waits (at most `wait` s) until file `path` exists; raises
    TimeoutError when it did not appear."""

    def run(self) -> None:
        Path(self.inputs.started).write_text(str(os.getpid()))
        end = time.monotonic() + (self.inputs.wait or 30)
        while not Path(self.inputs.path).exists():
            if time.monotonic() > end:
                raise TimeoutError(f"{self.inputs.path} did not appear")
            time.sleep(0.01)
        self.outputs.value = True
