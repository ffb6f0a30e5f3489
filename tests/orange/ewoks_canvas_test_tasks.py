"""Tasks of the canvas tests: typed inputs (pydantic models), progress reports, slow work."""

from __future__ import annotations

import time
from typing import Literal, Optional

from pydantic import BaseModel

from ewoks_core.task import Task


class ScaleInputs(BaseModel):
    value: float
    factor: float = 2.0
    enabled: bool = True
    mode: Literal["multiply", "divide"] = "multiply"
    label: Optional[str] = None


class ScaleOutputs(BaseModel):
    value: float
    label: str


class Scale(Task, input_model=ScaleInputs, output_model=ScaleOutputs):
    """Multiply (or divide) a value by a factor.

    Typed inputs: the canvas form shows a number field, a check box and a choice."""

    def run(self) -> None:
        value = self.inputs.value
        if self.inputs.enabled:
            value = value * self.inputs.factor if self.inputs.mode == "multiply" else value / self.inputs.factor
        self.outputs.value = value
        self.outputs.label = self.inputs.label or self.inputs.mode


class Steps(Task, optional_input_names=["steps", "delay", "value"], output_names=["value"]):
    """Reports progress step by step (delay seconds each), then passes value through."""

    def run(self) -> None:
        steps = self.inputs.steps or 4
        for i in range(steps):
            if self.cancelled:
                raise RuntimeError("cancelled")
            time.sleep(self.inputs.delay or 0.05)
            self.progress = 100.0 * (i + 1) / steps
        self.outputs.value = self.inputs.value
