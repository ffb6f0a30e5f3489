"""install_graph(): install a workflow's requirements with pip, asking first, as `ewoks install` does in ewoks."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, List, Optional, Tuple

from .errors import EwoksError
from .requirements import pip_arguments, task_requirements


class InstallAborted(EwoksError):
    """The user answered no: nothing was installed."""


def workflow_requirements(graph: Any) -> Tuple[List[str], str]:
    """(pip arguments, where they come from) of a loaded workflow: its `requirements`, or, when it has
    none, the packages that provide its tasks (as ewoks does). Errors when there is nothing to install."""
    source = graph.source or str(graph.id)
    declared = graph.graph.get("requirements")
    if declared:
        if not isinstance(declared, list):
            raise EwoksError("'requirements' must be a list of package requirements", source=source,
                             field="graph.requirements")
        arguments = pip_arguments(declared, source)
        if arguments:
            return arguments, "its 'requirements'"
    derived, problems = task_requirements(graph)
    if problems:
        raise EwoksError("the workflow has no 'requirements', and they cannot be derived from its tasks: "
                         + "; ".join(problems), source=source, field="graph.requirements",
                         hint="List the packages it needs in graph.requirements (e.g. [\"mypkg>=1.0\"]).")
    if not derived:
        raise EwoksError("the workflow has no 'requirements' and its tasks need no package: nothing to install",
                         source=source, field="graph.requirements",
                         hint="List the packages it needs in graph.requirements (e.g. [\"mypkg>=1.0\"]).")
    return derived, "the packages that provide its tasks (it has no 'requirements')"


def pip_install_command(python: Optional[str] = None) -> List[str]:
    """The command that installs into the environment of `python` (default: this one): its pip, or
    `uv pip install --python` when that environment has no pip and uv is on PATH."""
    python = python or sys.executable
    resolved = shutil.which(python) if os.sep not in python else python
    if not resolved or not Path(resolved).is_file() or not os.access(resolved, os.X_OK):
        raise EwoksError(f"{python!r} is not an executable Python interpreter", field="--python",
                         hint="Give the interpreter of the target environment, e.g. /path/to/venv/bin/python.")
    try:
        probe = subprocess.run([resolved, "-m", "pip", "--version"], capture_output=True, text=True, timeout=120)
        has_pip = probe.returncode == 0
    except (OSError, subprocess.TimeoutExpired) as e:
        raise EwoksError(f"cannot run {resolved!r}: {e}", field="--python") from None
    if has_pip:
        return [resolved, "-m", "pip", "install"]
    uv = shutil.which("uv")
    if uv:
        return [uv, "pip", "install", "--python", resolved]
    raise EwoksError(f"the environment of {resolved!r} has no pip", field="--python",
                     hint=f"Install pip there first: {resolved} -m ensurepip")


def install_graph(source: Any, skip_prompt: bool = False, python_path: Optional[str] = None,
                  load_options: Optional[dict] = None,
                  confirm: Optional[Callable[[str], bool]] = None) -> List[str]:
    """Install the requirements of a workflow (ewoks' `install_graph`): show them and the pip command,
    ask (`confirm(question)`, default: a y/N question on the terminal) unless `skip_prompt`, then run
    pip. Returns the requirements installed; raises InstallAborted when the answer is no, and
    EwoksError when pip fails."""
    from .graph import load_graph

    options = dict(load_options or {})
    graph = load_graph(source, root_dir=options.get("root_dir"), root_module=options.get("root_module"))
    arguments, origin = workflow_requirements(graph)
    command = pip_install_command(python_path) + arguments
    if not skip_prompt:
        listing = "\n".join(f"  {a}" for a in _display(arguments))
        question = (f"Workflow {graph.label!r} needs {origin}:\n{listing}\n"
                    f"They will be installed with: {shlex.join(command[: len(command) - len(arguments)])} ...\n"
                    "Proceed? [y/N] ")
        if not (confirm or ask_yes_no)(question):
            raise InstallAborted("nothing was installed", source=graph.source)
    completed = subprocess.run(command)
    if completed.returncode:
        raise EwoksError(f"pip failed (exit code {completed.returncode}); see its messages above", source=graph.source,
                         hint="Fix what pip reports (a package name or version, the network, permissions), "
                              "then run the same command again.")
    return arguments


def ask_yes_no(question: str) -> bool:
    """Ask on the terminal; only 'y' or 'yes' is a yes. No terminal to ask on is an error."""
    try:
        answer = input(question)
    except EOFError:
        raise EwoksError("cannot ask whether to install: no answer on standard input",
                         hint="Pass --yes (install_graph(..., skip_prompt=True)) to install without asking.") from None
    return answer.strip().lower() in ("y", "yes")


def _display(arguments: List[str]) -> List[str]:
    """Requirement lines for humans: `-e PATH` on one line."""
    lines, i = [], 0
    while i < len(arguments):
        if arguments[i] == "-e" and i + 1 < len(arguments):
            lines.append(f"-e {arguments[i + 1]}")
            i += 2
        else:
            lines.append(arguments[i])
            i += 1
    return lines
