"""The Task API: declarations, MISSING, pydantic models, wrappers, progress and cancellation."""

import sys
import threading

import pytest
from pydantic import BaseModel

from ewoks_core import MISSING, Task, execute_graph
from ewoks_core.errors import MissingInputsError
from ewoks_core.events.sinks.memory import MemorySink
from ewoks_core.task.discovery import discover_tasks
from ewoks_core.testing.builders import graph, node


class Base(Task, input_names=["a"], output_names=["x"]):
    def run(self):
        self.outputs.x = self.inputs.a


class Child(Base, optional_input_names=["b"], output_names=["y"]):
    def run(self):
        self.outputs.x = self.inputs.a
        self.outputs.y = self.inputs.b


def test_declarations_are_inherited():
    assert Child.required_input_names() == {"a"} and Child.optional_input_names() == {"b"}
    assert Child.output_names() == {"x", "y"}


def test_missing_optional_inputs_and_outputs():
    task = Child({"a": 1})
    assert task.inputs.b is MISSING and task.missing_inputs.b and not task.missing_inputs.a
    assert task.get_input_value("b", 5) == 5
    assert task.execute() == {"x": 1, "y": MISSING}


def test_missing_required_input():
    with pytest.raises(MissingInputsError, match=r"missing required inputs \['a'\]"):
        Child({"b": 2})


def test_undeclared_output_is_refused():
    class Bad(Task, output_names=["x"]):
        def run(self):
            self.outputs.z = 1

    with pytest.raises(AttributeError, match="'z' is not a declared output"):
        Bad().execute()


class In(BaseModel):
    n: int
    scale: float = 2.0


class Out(BaseModel):
    total: float


class Modelled(Task, input_model=In, output_model=Out):
    def run(self):
        self.outputs.total = self.inputs.n * self.inputs.scale


def test_pydantic_models_validate_and_coerce():
    assert Modelled.required_input_names() == {"n"} and Modelled.optional_input_names() == {"scale"}
    assert Modelled({"n": "3"}).execute() == {"total": 6.0}
    from ewoks_core.errors import TaskInputError

    with pytest.raises(TaskInputError, match="field 'n'"):
        Modelled({"n": "three"})


def test_progress_events_and_cancellation():
    sink = MemorySink()
    mod = type(sys)("progress_tasks")

    class Steps(Task, optional_input_names=["n"], output_names=["done"]):
        def run(self):
            for i in range(4):
                self.progress = 25 * (i + 1)
            self.outputs.done = not self.cancelled

    mod.Steps = Steps
    Steps.__module__ = "progress_tasks"
    sys.modules["progress_tasks"] = mod
    try:
        assert execute_graph(graph("p", [node("s", "progress_tasks.Steps")], []),
                             execinfo={"handlers": [sink]}) == {"done": True}
    finally:
        del sys.modules["progress_tasks"]
    assert [e.progress for e in sink.events if e.type == "progress"] == [25, 50, 75, 100]
    event = threading.Event()
    event.set()
    task = Steps(cancel_event=event)
    task.run()
    assert task.outputs.done is False


def test_script_task(tmp_path):
    script = tmp_path / "hello.py"
    script.write_text("import sys\nprint('args', sys.argv[1:])\n")
    doc = graph("s", [node("s", str(script), {0: "pos", "name": "x"}, task_type="script")], [])
    result = execute_graph(doc)
    assert result["return_code"] == 0 and result["out"].strip() == "args ['pos', '--name', 'x']"
    shell = tmp_path / "fail.sh"
    shell.write_text("echo oops >&2\nexit 3\n")
    from ewoks_core.errors import TaskFailedError

    with pytest.raises(TaskFailedError, match="exited with code 3: oops"):
        execute_graph(graph("s", [node("s", str(shell), task_type="script")], []))
    result = execute_graph(graph("s", [node("s", str(shell), {"raise_on_error": False}, task_type="script")], []))
    assert result["return_code"] == 3


def test_discover_tasks():
    tasks = {t["task_identifier"]: t for t in discover_tasks("ewoks_core.testing.tasks")}
    summ = tasks["ewoks_core.testing.tasks.SumTask"]
    assert summ["required_input_names"] == ["a"] and summ["output_names"] == ["result"]


def test_method_positional_and_named():
    doc = graph("m", [node("m", "ewoks_core.testing.tasks.sum_all", {0: 1, 1: 2, "c": 3}, task_type="method")], [])
    assert execute_graph(doc) == {"return_value": 6}
