"""The tasks' input models (ewoks_xas.tasks._inputs): conversion of text, defaults, refusals naming the
input, and the docs table that lists them (docs/workflows.md) kept equal to the models."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ewoks_core.errors import TaskInputError
from ewoks_xas.tasks import demo, exafs, output, read

DOCS = Path(__file__).resolve().parents[2] / "docs" / "workflows.md"
TASKS = (demo.GenerateDemoSpectra, read.ReadSpectra, exafs.MergeSpectra, exafs.Normalize, exafs.AutoBackground,
         exafs.FourierTransform, output.SaveNexus, output.PlotExafs)


def test_docs_table_lists_every_input_with_the_models_description():
    rows = re.findall(r"^\| `(\w+)` \| `(\w+)`( \(required\))? \| (.*) \|$", DOCS.read_text(), re.MULTILINE)
    expected = [(cls.__name__, name, " (required)" if field.is_required() else "", field.description)
                for cls in TASKS for name, field in cls._INPUT_MODEL.model_fields.items()]
    assert rows == expected


def test_text_converts_and_empty_means_the_default(tmp_path: Path):
    task = demo.GenerateDemoSpectra(inputs={"output_dir": str(tmp_path), "nscans": "2", "seed": "7.0",
                                            "overwrite": "false", "fmt": ""})
    assert (task.inputs.nscans, task.inputs.seed, task.inputs.overwrite, task.inputs.fmt) == (2, 7, False, "ascii")
    columns = read.ReadSpectra(inputs={"paths": "x.dat", "energy": 0, "mode": None}).inputs
    assert (columns.energy, columns.mode, columns.i0) == ("0", "transmission", "I0")  # "0": index 0


@pytest.mark.parametrize("task, inputs, message", [
    (demo.GenerateDemoSpectra, {"output_dir": ".", "nscans": 0}, "field 'nscans': must be at least 1"),
    (demo.GenerateDemoSpectra, {"output_dir": ".", "seed": True}, "field 'seed': expected an integer, got True"),
    (exafs.Normalize, {"spectrum": {}, "e0": "8979 eV"}, "field 'e0': expected a number, got '8979 eV'"),
    (exafs.AutoBackground, {"spectrum": {}, "window": "box"}, "field 'window': 'box' is not one"),
    (exafs.FourierTransform, {"spectrum": {}, "kmin": -1}, "field 'kmax': input 'kmin'/'kmax': need 0 <= kmin"),
])
def test_bad_options_are_refused_naming_node_and_input(task, inputs, message):
    with pytest.raises(TaskInputError, match=re.escape(message)) as info:
        task(inputs=inputs, node_id="n1")
    assert str(info.value).startswith("node 'n1', field ")
