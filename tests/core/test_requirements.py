"""Requirements recorded on convert (the running environment's packages, as ewoks records `pip freeze`),
`convert --exclude-requirements`, and requirement lines made ready for pip."""

import json
import subprocess
import sys

import pytest

from ewoks_core import EwoksError, convert_graph, load_graph, save_graph
from ewoks_core.cli.main import main
from ewoks_core.requirements import installed_requirements, pip_arguments

DOC = {"graph": {"id": "g", "requirements": ["written-by-hand>=1"]},
       "nodes": [{"id": "a", "task_identifier": "ewoks_core.testing.tasks.SumTask"}], "links": []}


def test_recorded_requirements_are_what_pip_freeze_lists():
    freeze = subprocess.run([sys.executable, "-m", "pip", "freeze"], capture_output=True, text=True, check=True)
    # pip writes editable installs as "-e PATH" after a comment; they are pinned by version here
    listed = [line for line in freeze.stdout.splitlines() if line and not line.startswith(("#", "-e "))]
    ours = installed_requirements()
    assert [r for r in ours if r in listed] == listed
    extra = [r for r in ours if r not in listed]
    assert all("==" in r for r in extra) and "ewoks_core==0.1.0" in ours
    assert not any(r.split("==")[0].lower() in ("pip", "setuptools", "wheel") for r in ours)


def test_convert_records_requirements_unless_excluded(tmp_path):
    recorded = convert_graph(DOC)["graph"]["requirements"]
    assert recorded == installed_requirements()  # replaces the file's own list, as ewoks does
    assert convert_graph(DOC, save_requirements=False)["graph"]["requirements"] == ["written-by-hand>=1"]
    convert_graph(DOC, tmp_path / "wf.yaml")
    assert load_graph(tmp_path / "wf.yaml").graph["requirements"] == recorded
    # save_graph writes the workflow as it is, unless asked
    assert save_graph(DOC)["graph"]["requirements"] == ["written-by-hand>=1"]
    assert save_graph(DOC, save_requirements=True)["graph"]["requirements"] == recorded


def test_cli_convert_exclude_requirements(tmp_path, capsys):
    src = tmp_path / "wf.json"
    src.write_text(json.dumps(DOC))
    assert main(["convert", str(src), str(tmp_path / "with.json")]) == 0
    assert "ewoks_core==0.1.0" in json.loads((tmp_path / "with.json").read_text())["graph"]["requirements"]
    assert main(["convert", str(src), str(tmp_path / "without.json"), "--exclude-requirements"]) == 0
    assert json.loads((tmp_path / "without.json").read_text())["graph"]["requirements"] == ["written-by-hand>=1"]
    capsys.readouterr()
    assert main(["convert", str(src), "-", "--exclude-requirements"]) == 0
    assert json.loads(capsys.readouterr().out)["graph"]["requirements"] == ["written-by-hand>=1"]


def test_pip_freeze_lines_written_by_ewoks_are_made_ready_for_pip(tmp_path):
    lines = [
        "numpy==1.26.4",
        "",
        "# Editable install with no version control (mypkg==0.3.1)",
        "-e /nowhere/mypkg",
        "-e " + str(tmp_path),
        "git+https://example.org/repo.git@v1#egg=tool",
        "name @ git+https://example.org/other.git@abc",
    ]
    assert pip_arguments(lines) == ["numpy==1.26.4", "mypkg==0.3.1", "-e", str(tmp_path),
                                    "tool @ git+https://example.org/repo.git@v1",
                                    "name @ git+https://example.org/other.git@abc"]
    with pytest.raises(EwoksError, match=r"graph.requirements\[0\].*'/nowhere/x' is a folder that does not exist"):
        pip_arguments(["-e /nowhere/x"])
    with pytest.raises(EwoksError, match=r"graph.requirements\[1\].*'-r other.txt' is a pip option"):
        pip_arguments(["ok", "-r other.txt"])
    with pytest.raises(EwoksError, match=r"graph.requirements\[0\].*must be a string"):
        pip_arguments([{"name": "x"}])
