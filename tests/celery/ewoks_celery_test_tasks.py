"""Tasks the Celery test workers run (on their allow-list through PYTHONPATH)."""

import time

import numpy as np

from ewoks_core.task import Task


class Sleep(Task, input_names=["seconds"], output_names=["slept"]):
    """Sleeps `seconds` in small steps, reporting progress."""

    def run(self):
        steps = 20
        for i in range(steps):
            time.sleep(self.inputs.seconds / steps)
            self.progress = 100.0 * (i + 1) / steps
        self.outputs.slept = self.inputs.seconds


class Arrays(Task, input_names=["a"], output_names=["doubled", "total", "shape", "by_index", "raw"]):
    """Array in, arrays, numpy scalars, tuples, int-keyed dicts and bytes out."""

    def run(self):
        a = np.asarray(self.inputs.a)
        self.outputs.doubled = a * 2
        self.outputs.total = a.sum()
        self.outputs.shape = a.shape
        self.outputs.by_index = {i: float(v) for i, v in enumerate(a.ravel()[:3])}
        self.outputs.raw = a.tobytes()[:8]


def _deep_failure(value):
    raise ValueError(f"bad value {value}")


class Raises(Task, input_names=["value"], output_names=["never"]):
    """Raises ValueError('bad value <value>') from a nested function."""

    def run(self):
        _deep_failure(self.inputs.value)


class Unsendable(Task, output_names=["obj"]):
    """Outputs a value that has no JSON encoding."""

    def run(self):
        self.outputs.obj = object()


class Spin(Task, input_names=["seconds"], output_names=["spun"]):
    """Keeps a CPU busy for `seconds` of CPU time (Python code: the GIL is released now and then)."""

    def run(self):
        end = time.process_time() + self.inputs.seconds
        while time.process_time() < end:
            pass
        self.outputs.spun = self.inputs.seconds


class HoldGil(Task, input_names=["seconds"], output_names=["held"]):
    """Holds the GIL for about `seconds` in one C call (builtin sum over a range never releases it)."""

    def run(self):
        t0 = time.perf_counter()
        sum(range(2_000_000))
        per_item = (time.perf_counter() - t0) / 2_000_000
        sum(range(int(self.inputs.seconds / per_item)))
        self.outputs.held = self.inputs.seconds
