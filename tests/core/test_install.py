"""`ewoks install WF`: a real pip install of a tiny local package into a throwaway venv, and the refusals."""

import json
import subprocess
import sys

import pytest

from ewoks_core.cli.main import main

from ._distributions import build_wheel, make_venv, pip_env


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    """A throwaway virtual environment with pip, and its interpreter."""
    return make_venv(tmp_path_factory.mktemp("venv") / "env")


@pytest.fixture
def wheels(tmp_path):
    """Two versions of a tiny distribution, as local wheel files (no index, no network)."""
    return {version: build_wheel(tmp_path / "wheels", "tinypkg", version,
                                 {"tinypkg/__init__.py": f"VERSION = {version!r}\n"})
            for version in ("0.1", "0.2")}


def write_workflow(path, requirements, nodes=None):
    graph = {"id": "needs_tinypkg"}
    if requirements is not None:
        graph["requirements"] = requirements
    nodes = nodes or [{"id": "a", "task_type": "class", "task_identifier": "ewoks_core.testing.tasks.SumTask"}]
    path.write_text(json.dumps({"graph": graph, "nodes": nodes, "links": []}))
    return str(path)


def installed_version(python):
    proc = subprocess.run([str(python), "-c", "import tinypkg; print(tinypkg.VERSION)"], capture_output=True,
                          text=True)
    return proc.stdout.strip() if proc.returncode == 0 else None


def ewoks(*argv, answer=None):
    """The `ewoks` command in a subprocess (a real terminal question needs real standard input)."""
    return subprocess.run([sys.executable, "-m", "ewoks_core.cli.main", *argv], input=answer, capture_output=True,
                          text=True, env=pip_env(), timeout=300)


@pytest.mark.slow
def test_install_asks_first_then_installs_into_the_given_environment(tmp_path, venv, wheels):
    wf = write_workflow(tmp_path / "wf.json", [f"tinypkg @ {wheels['0.1'].as_uri()}"])
    refused = ewoks("install", wf, "--python", str(venv), answer="n\n")
    assert refused.returncode == 1, refused.stderr
    assert "tinypkg @ file://" in refused.stdout and f"{venv} -m pip install" in refused.stdout
    assert "Proceed? [y/N]" in refused.stdout and "aborted: " in refused.stderr
    assert installed_version(venv) is None

    accepted = ewoks("install", wf, "--python", str(venv), answer="y\n")
    assert accepted.returncode == 0, accepted.stderr
    assert installed_version(venv) == "0.1"

    # --yes: no question (standard input is closed), here an upgrade to 0.2
    wf2 = write_workflow(tmp_path / "wf2.json", [str(wheels["0.2"])])
    upgraded = ewoks("install", wf2, "--python", str(venv), "--yes", answer="")
    assert upgraded.returncode == 0, upgraded.stderr
    assert "Proceed?" not in upgraded.stdout and installed_version(venv) == "0.2"


def test_no_answer_without_yes_installs_nothing(tmp_path, wheels):
    wf = write_workflow(tmp_path / "wf.json", [str(wheels["0.1"])])
    proc = ewoks("install", wf, answer="")
    assert proc.returncode == 2 and "no answer on standard input" in proc.stderr and "--yes" in proc.stderr


@pytest.mark.slow
def test_pip_failure_is_one_clear_error(tmp_path, venv, capsys):
    wf = write_workflow(tmp_path / "wf.json", [(tmp_path / "missing-0.1-py3-none-any.whl").as_uri()])
    code = main(["install", wf, "--yes", "--python", str(venv)])
    err = capsys.readouterr().err
    assert code == 2 and "pip failed (exit code 1)" in err and "wf.json" in err


def test_refusals_name_file_field_and_what_to_do(tmp_path, capsys):
    # nothing to install: no requirements and tasks that need no package
    wf = write_workflow(tmp_path / "script.json", None,
                        [{"id": "s", "task_type": "script", "task_identifier": "run.sh"}])
    assert main(["install", wf, "--yes"]) == 2
    err = capsys.readouterr().err
    assert "script.json" in err and "graph.requirements" in err and "nothing to install" in err

    # no requirements and a task module no installed package provides
    wf = write_workflow(tmp_path / "unknown.json", None,
                        [{"id": "t", "task_type": "class", "task_identifier": "not_installed_anywhere.Task"}])
    assert main(["install", wf, "--yes"]) == 2
    assert "node 't': no installed package provides module 'not_installed_anywhere'" in capsys.readouterr().err

    # a pip option hidden in the requirements
    wf = write_workflow(tmp_path / "option.json", ["--index-url=http://127.0.0.1:1/simple", "tinypkg"])
    assert main(["install", wf, "--yes"]) == 2
    err = capsys.readouterr().err
    assert "graph.requirements[0]" in err and "is a pip option, not a package" in err

    # an interpreter that does not exist
    wf = write_workflow(tmp_path / "ok.json", ["tinypkg"])
    assert main(["install", wf, "--yes", "--python", str(tmp_path / "nope" / "python")]) == 2
    assert "field '--python'" in capsys.readouterr().err


def test_requirements_derived_from_tasks_when_the_workflow_has_none(tmp_path):
    from ewoks_core.graph import load_graph
    from ewoks_core.install import workflow_requirements

    wf = write_workflow(tmp_path / "derived.json", None, [
        {"id": "a", "task_type": "class", "task_identifier": "ewoks_core.testing.tasks.SumTask"},
        {"id": "b", "task_type": "method", "task_identifier": "yaml.safe_dump"},
        {"id": "c", "task_type": "method", "task_identifier": "os.path.join"},  # standard library: nothing
        {"id": "d", "task_type": "notebook", "task_identifier": "analysis.ipynb"},
    ])
    requirements, origin = workflow_requirements(load_graph(wf))
    assert requirements == ["ewoks_core", "PyYAML", "ewoks_core[notebook]"]
    assert "no 'requirements'" in origin
