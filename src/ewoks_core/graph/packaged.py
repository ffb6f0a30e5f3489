"""Workflows shipped by installed packages, declared in the `ewoks.workflows` entry-point group as in ewoks.

An entry point's *name* is a module pattern and its value is ignored (it only has to be unique)::

    [project.entry-points."ewoks.workflows"]
    "mypkg.workflows.*" = "mypkg"

Each dot-separated part of the pattern matches one package name (the last part: one file name
without extension), `*` and other shell wildcards allowed after the first part. A workflow file
`mypkg/workflows/example.json` (or `.yaml`) is then known by its fully qualified name
`mypkg.workflows.example`, which `load_graph`, `execute_graph`, `ewoks execute` and `ewoks show`
accept in place of a file name.
"""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import re
import warnings
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

from ..errors import GraphFormatError
from .io import is_file

GROUP = "ewoks.workflows"
EXTENSIONS = (".json", ".yaml")  # ewoks' order: a name with both files is the JSON one
_DOTTED_NAME = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)+")


@dataclass(frozen=True)
class PackagedWorkflow:
    """A workflow file found through an `ewoks.workflows` entry point."""

    name: str  # fully qualified: package.sub.stem
    path: Path
    distribution: str  # the distribution that declares the entry point
    pattern: str


def module_patterns() -> List[Tuple[str, str]]:
    """(module pattern, declaring distribution) of every `ewoks.workflows` entry point, without duplicates."""
    seen, patterns = set(), []
    for ep in importlib.metadata.entry_points(group=GROUP):
        if ep.name in seen:
            continue
        seen.add(ep.name)
        dist = getattr(ep, "dist", None)
        patterns.append((ep.name, dist.metadata["Name"] if dist is not None else "?"))
    return patterns


def discover_workflows() -> List[PackagedWorkflow]:
    """Every workflow shipped by an installed package, sorted by name (one file per name: .json first).
    A declared package that cannot be imported is skipped with a warning."""
    found: Dict[str, PackagedWorkflow] = {}
    for pattern, dist in module_patterns():
        for name, path in _expand(pattern):
            found.setdefault(name, PackagedWorkflow(name, path, dist, pattern))
    return [found[name] for name in sorted(found)]


def find_packaged_workflow(name: str) -> Optional[Path]:
    """The file of the workflow shipped under the fully qualified `name`, or None."""
    parts = name.split(".")
    for pattern, _ in module_patterns():
        pattern_parts = pattern.split(".")
        if len(pattern_parts) != len(parts):
            continue
        if not all(fnmatchcase(part, wanted) for part, wanted in zip(parts, pattern_parts, strict=True)):
            continue
        folder = _package_folder(".".join(parts[:-1]), pattern)
        if folder is None:
            continue
        for ext in EXTENSIONS:
            candidate = folder / (parts[-1] + ext)
            if is_file(candidate):
                return candidate
    return None


def resolve_workflow_name(name: str, missing: Path) -> Path:
    """`missing` (a workflow path that does not exist) unless `name` is a workflow shipped by a package;
    a dotted name found nowhere gets an error naming every place looked."""
    if not _DOTTED_NAME.fullmatch(name) or Path(name).suffix.lower() in (".json", ".yaml", ".yml", ".ows"):
        return missing
    found = find_packaged_workflow(name)
    if found is not None:
        return found
    patterns = [pattern for pattern, _ in module_patterns()]
    declared = f"the packages of the {GROUP!r} entry points ({', '.join(patterns)})" if patterns else \
        f"installed packages (none declares an {GROUP!r} entry point)"
    raise GraphFormatError("no such workflow file, and no installed package ships a workflow of that name",
                           source=name, hint=f"Looked for {str(missing.resolve())!r} and in {declared}. "
                                             "`ewoks workflows` lists the installed workflows.")


def _expand(pattern: str) -> Iterator[Tuple[str, Path]]:
    """(name, file) of the workflow files matching a module pattern."""
    parts = pattern.split(".")
    if len(parts) < 2 or any(c in parts[0] for c in "*?["):
        warnings.warn(f"entry point {GROUP!r} {pattern!r} ignored: it needs a package name then at least one "
                      "more part, e.g. 'mypkg.workflows.*'", UserWarning, stacklevel=3)
        return
    yield from _walk(parts[0], parts[1:], pattern)


def _walk(package: str, rest: List[str], pattern: str) -> Iterator[Tuple[str, Path]]:
    folder = _package_folder(package, pattern)
    if folder is None:
        return
    head, tail = rest[0], rest[1:]
    if not tail:
        for ext in EXTENSIONS:
            for path in sorted(folder.glob("*" + ext)):
                stem = path.name[: -len(ext)]
                if path.is_file() and fnmatchcase(stem, head):
                    yield f"{package}.{stem}", path
        return
    for sub in sorted(p for p in folder.iterdir() if p.is_dir() and fnmatchcase(p.name, head)):
        if sub.name.isidentifier() and not sub.name.startswith("__"):
            yield from _walk(f"{package}.{sub.name}", tail, pattern)


def _package_folder(package: str, pattern: str) -> Optional[Path]:
    """The folder of an importable package (None, with a warning, when it fails to import)."""
    try:
        folder = Path(str(importlib.resources.files(package)))
    except ModuleNotFoundError as e:
        if e.name and (package == e.name or package.startswith(e.name + ".")):
            return None  # no such package
        warnings.warn(f"entry point {GROUP!r} {pattern!r}: cannot import {package!r} ({e}); its workflows are "
                      "not listed", UserWarning, stacklevel=3)
        return None
    except TypeError:  # a module, not a package
        return None
    except Exception as e:  # a broken package must not hide the workflows of the others
        warnings.warn(f"entry point {GROUP!r} {pattern!r}: cannot import {package!r} ({type(e).__name__}: {e}); "
                      "its workflows are not listed", UserWarning, stacklevel=3)
        return None
    return folder if folder.is_dir() else None
