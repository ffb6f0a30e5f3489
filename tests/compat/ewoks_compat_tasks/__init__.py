"""Task code of the ewoks compatibility corpus (tests/compat/graphs), written as ewoks users write it.

The same source runs under ewoks_core (the tests) and under ewokscore (record_ewoks_results.py, in a
separate environment): only the Task base class differs, which is the compatibility promise.
"""

from __future__ import annotations

try:
    from ewoks_core.task import Task
except ImportError:  # the reference environment: ewokscore only
    from ewokscore import Task  # type: ignore[no-redef]


def _opt(task, name, default):
    """An optional input's value, or `default` when it was not given."""
    value = task.get_input_value(name, None)
    return default if value is None else value


class Add(Task, input_names=["a"], optional_input_names=["b"], output_names=["result"]):
    """result = a + b (b: 0 when not given)."""

    def run(self):
        self.outputs.result = self.inputs.a + _opt(self, "b", 0)


class Multiply(Task, input_names=["a"], optional_input_names=["factor"], output_names=["result"]):
    """result = a * factor (factor: 2 when not given)."""

    def run(self):
        self.outputs.result = self.inputs.a * _opt(self, "factor", 2)


class Step(Task, input_names=["x"], optional_input_names=["step", "limit"], output_names=["x", "status"]):
    """x = x + step; status is "continue" while x < limit, else None (a loop ends on the else value)."""

    def run(self):
        x = self.inputs.x + _opt(self, "step", 1)
        self.outputs.x = x
        self.outputs.status = "continue" if x < _opt(self, "limit", 3) else None


class StepBool(Task, input_names=["x"], optional_input_names=["limit"], output_names=["x", "again"]):
    """x = x + 1; again = x < limit (a boolean loop condition)."""

    def run(self):
        x = self.inputs.x + 1
        self.outputs.x = x
        self.outputs.again = x < _opt(self, "limit", 3)


class StepDone(Task, input_names=["x"], optional_input_names=["limit"], output_names=["x", "status"]):
    """x = x + 1; status is "continue" while x < limit, then "done"."""

    def run(self):
        x = self.inputs.x + 1
        self.outputs.x = x
        self.outputs.status = "continue" if x < _opt(self, "limit", 3) else "done"


class Classify(Task, input_names=["value"], output_names=["value", "category"]):
    """category: "low" (< 10), "mid" (< 100) or "high"; value passes through."""

    def run(self):
        value = self.inputs.value
        self.outputs.value = value
        self.outputs.category = "low" if value < 10 else "mid" if value < 100 else "high"


class Sign(Task, input_names=["value"], output_names=["value", "positive"]):
    """positive: True, False, or None for zero."""

    def run(self):
        value = self.inputs.value
        self.outputs.value = value
        self.outputs.positive = None if value == 0 else value > 0


class Join(Task, optional_input_names=["a", "b", "c"], output_names=["joined"]):
    """joined: the inputs it received, as a sorted list of "name=value" strings."""

    def run(self):
        got = {name: self.get_input_value(name, None) for name in ("a", "b", "c")}
        self.outputs.joined = sorted(f"{k}={v}" for k, v in got.items() if v is not None)


class Passthrough(Task, optional_input_names=["value", "x"], output_names=["value", "x"]):
    """Outputs value and x as received (None when not given)."""

    def run(self):
        self.outputs.value = self.get_input_value("value", None)
        self.outputs.x = self.get_input_value("x", None)


class Constant(Task, optional_input_names=["value"], output_names=["value"]):
    """value (42 when not given): a task without required inputs."""

    def run(self):
        self.outputs.value = _opt(self, "value", 42)


class Fail(Task, optional_input_names=["a", "message"], output_names=["result"]):
    """Always raises ValueError(message)."""

    def run(self):
        raise ValueError(_opt(self, "message", "failed on purpose"))


class FailIf(Task, input_names=["a"], optional_input_names=["threshold"], output_names=["result"]):
    """result = a, or raises ValueError when a > threshold (default 10)."""

    def run(self):
        if self.inputs.a > _opt(self, "threshold", 10):
            raise ValueError(f"{self.inputs.a} is too large")
        self.outputs.result = self.inputs.a


class ErrorInfo(Task, optional_input_names=["WorkflowException", "tag", "a"], output_names=["reason", "tag", "a"]):
    """An error handler: the error message (ewoks' WorkflowException record) and what else it got."""

    def run(self):
        info = self.get_input_value("WorkflowException", None) or {}
        self.outputs.reason = info.get("errorMessage")
        self.outputs.tag = self.get_input_value("tag", None)
        self.outputs.a = self.get_input_value("a", None)


class NoOutputs(Task, optional_input_names=["a"]):
    """A task with no outputs."""

    def run(self):
        pass


class Summary(Task, input_names=["data"], output_names=["keys", "total"]):
    """keys (sorted) and sum of the numeric values of a dict."""

    def run(self):
        data = self.inputs.data
        self.outputs.keys = sorted(map(str, data))
        self.outputs.total = sum(v for v in data.values() if isinstance(v, (int, float)))


# -- method tasks (task_type: method) ------------------------------------------------------------
def add(a, b=0):
    """a + b."""
    return a + b


def subtract(a, b):
    """a - b (positional inputs 0 and 1)."""
    return a - b


def describe(**kwargs):
    """The keyword arguments it got, sorted by name."""
    return {k: kwargs[k] for k in sorted(kwargs)}


# -- ppfmethod tasks: one dict travels from node to node -----------------------------------------
def ppf_increment(value=0, **kwargs):
    """value + 1."""
    return {"value": value + 1}


def ppf_double(value=0, **kwargs):
    """value * 2."""
    return {"value": value * 2}


def ppf_check(value=0, limit=10, **kwargs):
    """doContinue is the string "true" while value < limit, else "false" (pypushflow style)."""
    return {"doContinue": "true" if value < limit else "false"}


def ppf_check_bool(value=0, limit=10, **kwargs):
    """doContinue is a boolean."""
    return {"doContinue": value < limit}


def ppf_grade(value=0, **kwargs):
    """grade: "low" below 5, "high" from 20 on, otherwise None."""
    return {"grade": "low" if value < 5 else "high" if value >= 20 else None}


def ppf_count_calls(calls=0, **kwargs):
    """calls + 1 (how many times the dict passed a node)."""
    return {"calls": calls + 1}
