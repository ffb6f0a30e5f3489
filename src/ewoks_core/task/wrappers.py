"""Task classes that wrap functions (method, ppfmethod, ppfport) and scripts (script)."""

from __future__ import annotations

import os
import shutil
import sys
from typing import Any, Callable, Dict, Type

from .base import Task

PPF_DICT_ARGUMENT = "_ppfdict"


class MethodTask(Task, output_names=["return_value"]):
    """Calls a function: int inputs are positional arguments, str inputs keyword arguments."""

    @classmethod
    def accepts_undeclared_inputs(cls) -> bool:
        return True

    _FUNCTION: Callable[..., Any]

    def run(self) -> None:
        self.outputs.return_value = type(self)._FUNCTION(*self.get_positional_input_values(),
                                                         **self.get_named_input_values())


class PpfMethodTask(Task, optional_input_names=[PPF_DICT_ARGUMENT], output_names=[PPF_DICT_ARGUMENT]):
    """ppfmethod (ewoks' convention): one dict, `_ppfdict`, travels from node to node. The function
    receives the node's named inputs updated with the incoming `_ppfdict` as keyword arguments and
    returns a dict (or None); the single output `_ppfdict` is those arguments updated with it."""

    _FUNCTION: Callable[..., Any]

    @classmethod
    def accepts_undeclared_inputs(cls) -> bool:
        return True

    def run(self) -> None:
        values = self.get_named_input_values()
        ppfdict = values.pop(PPF_DICT_ARGUMENT, None)
        if ppfdict:
            values.update(ppfdict)
        result = type(self)._FUNCTION(**values)
        if isinstance(result, dict):
            values.update(result)
        elif result is not None:
            raise TypeError(f"a ppfmethod must return a dict or None, got {type(result).__name__}")
        self.outputs[PPF_DICT_ARGUMENT] = values


class PpfPortTask(PpfMethodTask):
    """ppfport: passes its inputs (and the incoming `_ppfdict`) on as `_ppfdict`."""

    @staticmethod
    def _FUNCTION(**kw: Any) -> Dict[str, Any]:
        return {}


class ScriptTask(Task, optional_input_names=["raise_on_error"], output_names=["return_code", "out", "err"]):
    """Runs a Python or shell script as a subprocess; int inputs are positional arguments,
    named inputs become `--name value`. A non-zero exit fails the task unless raise_on_error=False."""

    _SCRIPT: str

    @classmethod
    def accepts_undeclared_inputs(cls) -> bool:
        return True

    def _command(self) -> list:
        script = type(self)._SCRIPT
        if script.endswith(".py"):
            cmd = [sys.executable, script]
        elif script.endswith(".sh"):
            cmd = [shutil.which("bash") or "/bin/sh", script]
        else:
            cmd = [script]
        cmd += [str(v) for v in self.get_positional_input_values()]
        for name, value in self.get_named_input_values().items():
            if name == "raise_on_error":
                continue
            cmd += [f"--{name}", str(value)]
        return cmd

    def run(self) -> None:
        import subprocess  # script tasks only: not at every start

        proc = subprocess.run(self._command(), capture_output=True, text=True, env=dict(os.environ))
        self.outputs.return_code = proc.returncode
        self.outputs.out = proc.stdout
        self.outputs.err = proc.stderr
        if proc.returncode and self.get_input_value("raise_on_error", True):
            tail = proc.stderr.strip().splitlines()[-3:]
            raise RuntimeError(f"script {type(self)._SCRIPT!r} exited with code {proc.returncode}: " + " | ".join(tail))


def method_task_class(function: Callable[..., Any], identifier: str,
                      base: Type[Task] = MethodTask) -> Type[Task]:
    """A Task subclass calling `function` (made once per identifier and process)."""
    return type(f"Method[{identifier}]", (base,), {"_FUNCTION": staticmethod(function), "__module__": base.__module__})


def script_task_class(path: str) -> Type[Task]:
    """A Task subclass running the script at `path`."""
    return type(f"Script[{path}]", (ScriptTask,), {"_SCRIPT": path, "__module__": ScriptTask.__module__})
