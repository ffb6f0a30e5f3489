"""Workflow requirements (the graph attribute `requirements`, a list of pip requirement strings), as in ewoks.

- `installed_requirements()`: what `ewoks convert` records: the distributions of the running
  environment, one `name==version` line each, as `pip freeze` lists them (read from the
  installed metadata: no pip subprocess, so it also works where pip is not installed).
- `task_requirements(graph)`: what `ewoks install` derives when a workflow has no requirements:
  the distributions that provide the task modules of its nodes.
- `pip_arguments(requirements)`: requirement lines made ready for `pip install`: the comments and
  editable lines of `pip freeze` output (which ewoks records) are resolved; pip options are refused.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
import sys
from pathlib import Path
from typing import Any, List, Sequence, Tuple

from .errors import EwoksError, GraphFormatError, node_label

NOT_RECORDED = {"pip", "setuptools", "wheel", "distribute"}  # as `pip freeze` leaves them out
NOTEBOOK_REQUIREMENT = "ewoks_core[notebook]"
_PINNED_IN_COMMENT = re.compile(r"\(([\w.\-\[\]]+\s*(?:==|>=|<=|~=|!=)\s*[\w.\-+!]+)\)")


def installed_requirements() -> List[str]:
    """The distributions installed in this environment, sorted by name: `name==version`, or
    `name @ vcs+url@commit` for a VCS install (editable and local installs are pinned by version)."""
    found = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if not name:
            continue
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in NOT_RECORDED or key in found:  # the first on sys.path is the one imported
            continue
        found[key] = (name.lower(), _requirement_of(name, dist))
    return [requirement for _, requirement in sorted(found.values())]  # pip freeze's order


def _requirement_of(name: str, dist: Any) -> str:
    try:
        direct = json.loads(dist.read_text("direct_url.json") or "{}")
    except ValueError:
        direct = {}
    vcs = direct.get("vcs_info") if isinstance(direct, dict) else None
    if isinstance(vcs, dict) and direct.get("url") and vcs.get("commit_id"):
        return f"{name} @ {vcs.get('vcs', 'git')}+{direct['url']}@{vcs['commit_id']}"
    return f"{name}=={dist.version}"


def task_requirements(graph: Any) -> Tuple[List[str], List[str]]:
    """(requirements, problems) derived from the tasks of a loaded workflow (sub-graphs included):
    the installed distribution providing each task module; a problem names each node for which
    none can be found (standard-library modules and scripts need nothing)."""
    from .graph import compile_graph

    providers = importlib.metadata.packages_distributions()
    requirements: List[str] = []
    problems: List[str] = []
    for node_id, node in compile_graph(graph).nodes.items():
        task_type = node.task_type
        identifier = node.spec.task_generator if task_type == "generated" else node.task_identifier
        if task_type == "notebook":
            found = [NOTEBOOK_REQUIREMENT]
        elif task_type == "script" or not identifier:
            continue
        else:
            top = str(identifier).split(".")[0]
            if top in sys.stdlib_module_names or top == "builtins":
                continue
            found = providers.get(top, [])[:1]
            if not found:
                problems.append(f"node {node_label(node_id)!r}: no installed package provides module {top!r}")
        requirements.extend(r for r in found if r not in requirements)
    return requirements, problems


def pip_arguments(requirements: Sequence[Any], source: str = "") -> List[str]:
    """The `pip install` arguments for a workflow's requirements: blank lines and comments dropped,
    `-e PATH` lines of `pip freeze` replaced by the version in their comment (or kept when PATH
    exists here), `URL#egg=NAME` written `NAME @ URL`. Pip options (`--index-url`, `-r`...) are
    refused: a workflow file must not choose where packages come from."""
    arguments: List[str] = []
    comment = ""
    for index, entry in enumerate(requirements):
        field = f"graph.requirements[{index}]"
        if not isinstance(entry, str):
            raise GraphFormatError(f"a requirement must be a string, got {type(entry).__name__}", source=source,
                                   field=field)
        line = entry.strip()
        if not line:
            continue
        if line.startswith("#"):
            comment = line
            continue
        if line.startswith(("-e ", "--editable ")):
            arguments.extend(_editable(line.split(None, 1)[1].strip(), comment, source, field))
        elif line.startswith("-"):
            raise EwoksError(f"{line!r} is a pip option, not a package", source=source, field=field,
                             hint="Remove it from the workflow's requirements; configure pip itself instead.")
        else:
            arguments.append(_egg_to_name(line))
        comment = ""
    return arguments


def _editable(target: str, comment: str, source: str, field: str) -> List[str]:
    pinned = _PINNED_IN_COMMENT.search(comment)
    if pinned:  # "# Editable install with no version control (pkg==1.0)" written by pip freeze
        return [re.sub(r"\s+", "", pinned.group(1))]
    if "://" in target:
        return ["-e", target]
    if Path(target).exists():
        return ["-e", target]
    raise EwoksError(f"editable requirement {target!r} is a folder that does not exist here", source=source,
                     field=field, hint="Replace it with the package name and version (e.g. mypkg==1.2).")


def _egg_to_name(line: str) -> str:
    """`git+https://host/repo.git@tag#egg=name` -> `name @ git+https://host/repo.git@tag`."""
    if "://" not in line or "#" not in line or " @ " in line:
        return line
    url, _, fragment = line.partition("#")
    match = re.search(r"(?:^|&)egg=([^&]+)", fragment)
    return f"{match.group(1)} @ {url}" if match else line
