"""Small tasks used by the conformance catalogue, the demo workflow and the benchmarks."""

from __future__ import annotations

import time
from typing import Any, Dict

from ..task import Task


class SumTask(Task, input_names=["a"], optional_input_names=["b", "delay"], output_names=["result"]):
    """result = a + b (b defaults to 0); optional delay in seconds."""

    def run(self) -> None:
        if self.inputs.delay:
            time.sleep(self.inputs.delay)
        self.outputs.result = self.inputs.a + (self.inputs.b or 0)


class Increment(Task, input_names=["x"], optional_input_names=["step", "limit"], output_names=["x", "below_limit"]):
    """x = x + step; below_limit = x < limit (loops use it as their condition)."""

    def run(self) -> None:
        x = self.inputs.x + (self.inputs.step if self.inputs.step is not None and not self.missing_inputs.step else 1)
        self.outputs.x = x
        limit = self.inputs.limit
        self.outputs.below_limit = bool(limit is not None and not self.missing_inputs.limit and x < limit)


class Classify(Task, input_names=["value"], output_names=["value", "category"]):
    """category: 'small' (< 3), 'medium' (< 10) or 'large'."""

    def run(self) -> None:
        v = self.inputs.value
        self.outputs.value = v
        self.outputs.category = "small" if v < 3 else "medium" if v < 10 else "large"


class Fail(Task, optional_input_names=["a", "fail"], output_names=["result"]):
    """Raises RuntimeError('intentional failure') unless fail=False."""

    def run(self) -> None:
        if self.missing_inputs.fail or self.inputs.fail:
            raise RuntimeError("intentional failure")
        self.outputs.result = self.inputs.a


class ErrorReport(Task, optional_input_names=["WorkflowException"], output_names=["error_node", "error_message"]):
    """An error handler: reports which node failed and why."""

    def run(self) -> None:
        info = self.inputs.WorkflowException or {}
        self.outputs.error_node = info.get("node_id")
        self.outputs.error_message = info.get("errorMessage")


class ErrorInputs(Task, optional_input_names=["WorkflowException", "a"], output_names=["a", "error_message"]):
    """An error handler that also reports input `a`, which the failed run got from its links."""

    def run(self) -> None:
        self.outputs.a = self.inputs.a
        self.outputs.error_message = (self.inputs.WorkflowException or {}).get("errorMessage")


class Status(Task, input_names=["x"], optional_input_names=["limit"], output_names=["x", "status"]):
    """x = x + 1; status is "continue" while x < limit (default 3), then "done"."""

    def run(self) -> None:
        x = self.inputs.x + 1
        self.outputs.x = x
        limit = self.inputs.limit if not self.missing_inputs.limit else 3
        self.outputs.status = "continue" if x < limit else "done"


class NoOutput(Task, optional_input_names=["a"]):
    """A task without outputs."""

    def run(self) -> None:
        pass


class Echo(Task, optional_input_names=["a", "b", "x"], output_names=["a", "b", "x"]):
    """Outputs the inputs it got (unset ones stay MISSING)."""

    def run(self) -> None:
        for name in ("a", "b", "x"):
            if not self.missing_inputs[name]:
                self.outputs[name] = self.inputs[name]


class DictSummary(Task, input_names=["data"], output_names=["keys", "total"]):
    """keys (sorted) and total (sum of values) of a dict input."""

    def run(self) -> None:
        data = self.inputs.data
        self.outputs.keys = sorted(data)
        self.outputs.total = sum(data.values())


class ArrayScale(Task, input_names=["array"], optional_input_names=["factor"], output_names=["array", "total"]):
    """array * factor as a numpy array, and its sum."""

    def run(self) -> None:
        import numpy

        factor = self.inputs.factor if not self.missing_inputs.factor else 1
        arr = numpy.asarray(self.inputs.array, dtype=float) * factor
        self.outputs.array = arr
        self.outputs.total = float(arr.sum())


class Sleep(Task, optional_input_names=["seconds", "value"], output_names=["value"]):
    """Sleeps (checking self.cancelled every 10 ms) and passes value through."""

    def run(self) -> None:
        end = time.monotonic() + (self.inputs.seconds or 0)
        while time.monotonic() < end:
            if self.cancelled:
                raise RuntimeError("cancelled")
            time.sleep(min(0.01, max(0.0, end - time.monotonic())))
        self.outputs.value = self.inputs.value


class Rendezvous(Task, input_names=["directory", "name", "expect"], optional_input_names=["timeout", "value"],
                 output_names=["value"]):
    """Proves that runs overlap: announces `name` in `directory`, then waits until every name in
    `expect` has been announced (raises TimeoutError after `timeout` s, 30 by default). Runs that
    execute one after the other can never all meet, whatever the machine's speed."""

    def run(self) -> None:
        from pathlib import Path

        directory = Path(self.inputs.directory)
        (directory / f"{self.inputs.name}.here").touch()
        end = time.monotonic() + (self.inputs.timeout or 30.0)
        while not all((directory / f"{n}.here").exists() for n in self.inputs.expect):
            if self.cancelled or time.monotonic() > end:
                raise TimeoutError(f"{self.inputs.name}: the other runs never arrived")
            time.sleep(0.01)
        self.outputs.value = self.inputs.value


class Noop(Task, optional_input_names=["value"], output_names=["value"]):
    """The trivial task of the benchmarks: passes value through."""

    def run(self) -> None:
        self.outputs.value = self.inputs.value


class SlowSquare(Task, input_names=["x"], optional_input_names=["index"], output_names=["result"]):
    """result = x * x, after 0, 10, 20, 30 or 40 ms depending on index (later items overtake earlier ones)."""

    def run(self) -> None:
        time.sleep(0.01 * ((3 * (self.inputs.index or 0)) % 5))
        self.outputs.result = self.inputs.x * self.inputs.x


class KillOnce(Task, input_names=["x", "marker"], optional_input_names=["index", "kill_index", "always"],
               output_names=["result"]):
    """result = x * x; the run of item `kill_index` first SIGKILLs its own process (a worker dies) unless the
    file `marker` exists (always=True: every time). The marker holds the killed process id."""

    def run(self) -> None:
        import os
        import signal
        from pathlib import Path

        marker = Path(self.inputs.marker)
        if self.inputs.index == self.inputs.kill_index and (self.inputs.always or not marker.exists()):
            marker.write_text(str(os.getpid()))
            os.kill(os.getpid(), signal.SIGKILL)
            time.sleep(10)
        self.outputs.result = self.inputs.x * self.inputs.x


class Collect(Task, input_names=["values"], output_names=["values", "total"]):
    """A stream's reducer: the per-item values (a list, in item order) and their sum."""

    def run(self) -> None:
        self.outputs.values = list(self.inputs.values)
        self.outputs.total = sum(self.inputs.values)


def subtract(a: float, b: float) -> float:
    """a - b (a method task with positional inputs 0 and 1)."""
    return a - b


def sum_all(*args: Any, **kwargs: Any) -> float:
    """Sum of every positional and keyword argument."""
    return sum(args) + sum(kwargs.values())


def ppf_add(a: int = 0, **kw: Any) -> Dict[str, Any]:
    """ppfmethod: increments a."""
    return {"a": a + 1}


def ppf_check(a: int = 0, limit: int = 3, **kw: Any) -> Dict[str, Any]:
    """ppfmethod in pypushflow's style: doContinue is "true" while a < limit, else "false"."""
    return {"doContinue": "true" if a < limit else "false"}


def exit_process(code: int = 3) -> None:
    """A `method` task that ends its process at once with exit code `code` (a crash: no exception, no
    cleanup), for tests of what a crashed job process leaves behind."""
    import os

    os._exit(code)
