"""A task with a pydantic input model, for the start form's typed fields (imported by the server process)."""

from typing import Literal

from pydantic import BaseModel, Field

from ewoks_core.task import Task


class Inputs(BaseModel):
    energy_kev: float = Field(..., description="beam energy")
    frames: int = 10
    mode: Literal["fast", "precise"] = "fast"
    dark: bool = False


class Measure(Task, input_model=Inputs, output_names=["value"]):
    """value = energy_kev * frames."""

    def run(self) -> None:
        self.outputs.value = self.inputs.energy_kev * self.inputs.frames
