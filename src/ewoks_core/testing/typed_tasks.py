"""A conformance task with typed inputs (a pydantic input model), apart from tasks.py so that the
plain example tasks import no pydantic."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from ..task import Task


class ScaleInputs(BaseModel):
    """Inputs of Scale: `value` (from a link, usually) times a positive `factor`."""

    value: float = Field(description="the number to scale")
    factor: float = Field(2.0, description="a positive factor")

    @field_validator("factor")
    @classmethod
    def _positive(cls, factor: float) -> float:
        if factor <= 0:
            raise ValueError(f"input 'factor' must be positive, got {factor!r}")
        return factor


class Scale(Task, input_model=ScaleInputs, output_names=["result"]):
    """result = value * factor (a refused factor is refused before the workflow runs)."""

    def run(self) -> None:
        self.outputs.result = self.inputs.value * self.inputs.factor
