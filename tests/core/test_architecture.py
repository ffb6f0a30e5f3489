"""Static checks that keep the structure: the core names no binding, plug-ins come from entry points,
no import cycles among our modules (read from the sources with ast, nothing imported)."""

import ast
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
SOURCE_ROOTS = (SRC, SRC / "bindings", SRC / "tasks")
BINDINGS = ("ewoks_dask", "ewoks_ppf", "ewoks_celery", "ewoks_orange", "ewoks_server", "ewoks_xrpd", "ewoks_xas")


def our_modules() -> Dict[str, Tuple[Path, bool]]:
    """module name -> (file, is a package)."""
    modules = {}
    for root in SOURCE_ROOTS:
        for path in root.rglob("*.py"):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if root == SRC and parts[0] in ("bindings", "tasks"):
                continue
            package = parts[-1] == "__init__"
            modules[".".join(parts[:-1] if package else parts)] = (path, package)
    return modules


def runtime_imports(tree: ast.Module) -> Iterator[ast.stmt]:
    """Import statements that can run: at module level and inside functions and classes (a deferred import
    still closes a cycle), not under `if TYPE_CHECKING:`."""
    stack: List[ast.stmt] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            stack.extend(node.orelse)
        else:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.stmt):
                    stack.append(child)
                elif isinstance(child, ast.ExceptHandler):
                    stack.extend(child.body)


def imported_names(node: ast.stmt, module: str, package: bool) -> List[str]:
    """Absolute names an import statement loads (relative imports resolved, `from x import sub` -> x.sub)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    assert isinstance(node, ast.ImportFrom)
    base = node.module or ""
    if node.level:
        parts = module.split(".") if package else module.split(".")[:-1]
        parts = parts[: len(parts) - (node.level - 1)]
        base = ".".join(parts + ([node.module] if node.module else []))
    return [base] + [f"{base}.{alias.name}" for alias in node.names]


def import_graph() -> Dict[str, Set[str]]:
    """module -> the modules of ours it imports, with the packages whose __init__ that import runs."""
    modules = our_modules()
    graph: Dict[str, Set[str]] = {}
    for name, (path, package) in modules.items():
        edges = graph[name] = set()
        for node in runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            for target in imported_names(node, name, package):
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                while target in modules:  # the module and its packages (not the importer's own packages)
                    if target != name and not name.startswith(target + "."):
                        edges.add(target)
                    target = target.rpartition(".")[0]
    return graph


def cycles(graph: Dict[str, Set[str]]) -> List[List[str]]:
    """Strongly connected components of more than one module."""
    import networkx

    digraph = networkx.DiGraph([(a, b) for a, targets in graph.items() for b in targets])
    return sorted(sorted(c) for c in networkx.strongly_connected_components(digraph) if len(c) > 1)


def test_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_among_our_modules():
    graph = import_graph()
    assert "ewoks_core.persistence.store" in graph and "ewoks_celery.worker" in graph
    assert cycles(graph) == []


def test_the_core_imports_no_binding_nor_task_library():
    offenders = []
    for name, (path, package) in our_modules().items():
        if name.split(".")[0] != "ewoks_core":
            continue
        for node in runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            for target in imported_names(node, name, package):
                if target.split(".")[0] in BINDINGS:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {target}")
    assert offenders == []


def test_plugins_of_the_bindings_are_entry_points_in_pyproject():
    from importlib.metadata import distribution

    entry_points: Dict[str, Set[str]] = {}
    for ep in distribution("ewoks_core").entry_points:  # pyproject.toml's, as installed
        entry_points.setdefault(ep.group, set()).add(ep.name)
    assert {"sequential", "dask", "ppf", "orange"} <= entry_points["ewoks.engines"]
    assert {"dask", "celery", "canvas", "server"} <= entry_points["ewoks.cli"]
    assert {"xrpd", "xas"} <= entry_points["ewoks.demo_data"]
    assert entry_points["ewoks.submitters"] == {"celery"}
    from ewoks_core.engines.registry import CORE_ENGINES, list_engines

    assert all(target.startswith("ewoks_core.") for target in CORE_ENGINES.values())
    assert {"sequential", "dask", "ppf", "orange"} <= {info.name for info in list_engines()}


def test_importing_the_core_loads_no_plugin():
    code = ("import sys, ewoks_core.api, ewoks_core.cli.main, ewoks_core.engines.registry as r; "
            "main = ewoks_core.cli.main.build_parser; "
            f"bad = [m for m in sys.modules if m.split('.')[0] in {BINDINGS!r}]; "
            "assert not r._ENGINES and not bad, (r._ENGINES, bad)")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
