"""ewokscore's example tasks (ewokscore.tests.examples.tasks), re-written: the task code of ewoks' own
example graphs (graphs/ewoks_examples, exported by export_ewoks_examples.py)."""

from __future__ import annotations

import time

try:
    from ewoks_core.task import Task as ProgressTask  # progress is part of every ewoks_core Task
except ImportError:  # the reference environment: ewokscore only
    from ewokscore import Task  # type: ignore[no-redef]
    from ewokscore.taskwithprogress import TaskWithProgress as ProgressTask  # type: ignore[no-redef]
else:
    Task = ProgressTask


class SumTask(ProgressTask, input_names=["a"], optional_input_names=["b", "delay"], output_names=["result"]):
    """Add two numbers with a delay."""

    def run(self):
        result = self.inputs.a
        if self.inputs.b:
            result += self.inputs.b
        self.progress = 0
        if self.inputs.delay:
            for i in range(100):
                time.sleep(self.inputs.delay / 100)
                self.progress = i + 1
        else:
            self.progress = 100
        self.outputs.result = result


class CondSumTask(SumTask, output_names=["too_small"]):
    """Check whether a value is too small."""

    def run(self):
        super().run()
        self.outputs.too_small = self.outputs.result < 10


class ErrorSumTask(Task, optional_input_names=["a", "b", "raise_error"], output_names=["result"]):
    """Add two numbers with an intentional exception."""

    def run(self):
        result = self.get_input_value("a", 0)
        if self.inputs.b:
            result += self.inputs.b
        self.outputs.result = result
        if self.inputs.raise_error:
            raise RuntimeError("Intentional error")


class NoOutputTask(Task):
    """A task without outputs."""

    def run(self):
        pass


class SumList(ProgressTask, input_names=["list"], optional_input_names=["delay"], output_names=["sum"]):
    """Add items from a list."""

    def run(self):
        if self.inputs.list is None:
            raise ValueError("list should be provided")
        total = 0
        for i, item in enumerate(self.inputs.list):
            total += item
            self.progress = i / len(self.inputs.list) * 100.0
        self.progress = 100.0
        self.outputs.sum = total


def addfunc(arg):
    """Add 1 to the first argument."""
    return arg + 1


def add(*args):
    """Sum objects and add 1."""
    return sum(args) + 1


def append(*args):
    """Return positional arguments as a tuple."""
    return args


def dummy(**kwargs):
    """The method of ewokscore's loadtest graphs."""
    return kwargs.get("value")
