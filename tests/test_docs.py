"""Every example in README.md and docs/**/*.md runs.

For each markdown file (one test per file, so a failure names the page):

- fenced ```python blocks run in order in one namespace (``__name__ == "__main__"``);
- fenced ```console blocks: each line starting with ``$ ewoks `` (optionally
  preceded by environment assignments, ``$ PYTHONPATH=. ewoks ...``) runs as a
  command and must exit 0, or the code written at the end of the line as
  ``# exit N`` (a line ending in a backslash continues on the next one); other
  lines are expected output and are not compared;
- everything runs in a fresh temporary working directory that holds a link
  ``workflows`` to the repository's workflows/ folder. Python blocks see that
  directory on ``sys.path`` (and on ``PYTHONPATH``, for worker processes they
  start), as when running a script there, so a block can write a task module
  for later blocks. Console commands do not: as for a user, the ``ewoks``
  command only imports modules that are installed or on ``PYTHONPATH``, so
  a command using a module of the page says ``PYTHONPATH=.`` itself;
- a block preceded by the line ``<!-- skip-test: reason -->`` is not run; a block
  preceded by ``<!-- requires: NAME ... -->`` is not run when one of the NAMEs is
  neither an importable module nor a command on PATH (optional dependencies,
  like ``pytest.importorskip``).

Each page runs in its own Python process (``python tests/test_docs.py PAGE DIR``),
so pages cannot see each other's modules, task classes or event threads.
Tracebacks of python blocks point at the markdown file and line.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple

ROOT = Path(__file__).resolve().parents[1]
SKIP_MARK = re.compile(r"^\s*<!--\s*skip-test:\s*(?P<reason>.*?)\s*-->\s*$")
REQUIRES_MARK = re.compile(r"^\s*<!--\s*requires:\s*(?P<names>.*?)\s*-->\s*$")
FENCE = re.compile(r"^(?P<indent>\s{0,3})(?P<fence>```+|~~~+)\s*(?P<lang>[\w+-]*)")
COMMAND = re.compile(r"^\$ (?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*ewoks(?:\s|$)")
EXIT_CODE = re.compile(r"\s+#\s*exit\s+(?P<code>\d+)\s*$")
PAGE_TIMEOUT = 300  # seconds, one page in its subprocess
COMMAND_TIMEOUT = 120  # seconds, one console command
PARALLEL = int(os.environ.get("EWOKS_DOCS_PARALLEL", "0")) or max(2, min(4, os.cpu_count() or 2))


@dataclass
class Block:
    """One fenced code block of a markdown page."""

    lang: str
    line: int  # 1-based line number of the first line of code
    code: str
    skip: Optional[str] = None
    requires: Tuple[str, ...] = ()


def markdown_pages() -> List[Path]:
    """README.md and every page under docs/ (engine pages included), in a stable order."""
    pages = [ROOT / "README.md"] if (ROOT / "README.md").is_file() else []
    pages += sorted((ROOT / "docs").rglob("*.md"))
    return pages


def parse_blocks(text: str) -> List[Block]:
    """Fenced blocks of a page with their language, position and skip reason."""
    blocks: List[Block] = []
    lines = text.splitlines()
    i = 0
    previous = ""  # last non-blank line before the current one
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match:
            if lines[i].strip():
                previous = lines[i]
            i += 1
            continue
        fence, indent = match.group("fence"), len(match.group("indent"))
        lang = match.group("lang").lower()
        skip = SKIP_MARK.match(previous)
        requires = REQUIRES_MARK.match(previous)
        start = i + 1
        body: List[str] = []
        i += 1
        while i < len(lines) and not lines[i].strip().startswith(fence):
            body.append(lines[i][indent:] if lines[i][:indent].isspace() else lines[i])
            i += 1
        if i >= len(lines):
            raise ValueError(f"line {start}: unclosed code fence {fence}")
        blocks.append(Block(lang, start + 1, "\n".join(body) + "\n", skip.group("reason") if skip else None,
                            tuple(requires.group("names").replace(",", " ").split()) if requires else ()))
        previous = lines[i]
        i += 1
    return blocks


def console_commands(block: Block) -> List[Tuple[int, str, int]]:
    """(markdown line, command, expected exit code) of the `$ ewoks ...` lines of a console block."""
    commands = []
    lines = block.code.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].rstrip()
        lineno = block.line + i
        i += 1
        if not COMMAND.match(line):
            continue
        command = line[2:]
        while command.endswith("\\") and i < len(lines):
            command = command[:-1] + " " + lines[i].strip()
            i += 1
        expected = 0
        match = EXIT_CODE.search(command)
        if match:
            expected = int(match.group("code"))
            command = command[: match.start()]
        commands.append((lineno, command.strip(), expected))
    return commands


def missing_requirements(names: Tuple[str, ...]) -> List[str]:
    """The names that are neither an importable module nor a command on PATH."""
    import importlib.util
    import shutil

    missing = []
    for name in names:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found and shutil.which(name) is None:
            missing.append(name)
    return missing


def ewoks_executable() -> str:
    """The `ewoks` script of the running interpreter's environment (else the one on PATH)."""
    candidate = Path(sys.executable).parent / "ewoks"
    if candidate.exists():
        return str(candidate)
    import shutil

    found = shutil.which("ewoks")
    if not found:
        raise RuntimeError("the `ewoks` command is not installed (pip install -e .)")
    return found


def page_environment(workdir: Optional[Path]) -> dict:
    """Environment of a page's process (workdir on PYTHONPATH) and of its commands (workdir None):
    the interpreter's environment first on PATH."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    if workdir is not None:
        env["PYTHONPATH"] = os.pathsep.join(p for p in [str(workdir), env.get("PYTHONPATH", "")] if p)
    env.setdefault("PYTHONHASHSEED", "0")
    env["NO_COLOR"] = "1"
    return env


def prepare_workdir(workdir: Path) -> None:
    workdir.mkdir(parents=True, exist_ok=True)
    link = workdir / "workflows"
    if not link.exists():
        link.symlink_to(ROOT / "workflows", target_is_directory=True)


def run_page(page: Path, workdir: Path) -> None:
    """Run every block of one page (this runs in the page's own process)."""
    prepare_workdir(workdir)
    os.chdir(workdir)
    sys.path.insert(0, str(workdir))
    sys.path_importer_cache.pop(str(workdir), None)  # cached as "no such folder" if it did not exist at start-up
    command_env = page_environment(None)
    pythonpath = [p for p in command_env.get("PYTHONPATH", "").split(os.pathsep) if p and Path(p) != workdir]
    command_env["PYTHONPATH"] = os.pathsep.join(pythonpath)
    ewoks = ewoks_executable()
    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    rel = page.relative_to(ROOT)
    for block in parse_blocks(page.read_text(encoding="utf-8")):
        if block.skip is not None:
            print(f"{rel}:{block.line}: skipped ({block.skip})")
            continue
        missing = missing_requirements(block.requires)
        if missing:
            print(f"{rel}:{block.line}: skipped (not installed: {', '.join(missing)})")
            continue
        if block.lang in ("python", "py"):
            print(f"{rel}:{block.line}: python", flush=True)
            # pad so that line numbers in tracebacks are those of the markdown file
            code = compile("\n" * (block.line - 1) + block.code, str(page), "exec")
            exec(code, namespace)
        elif block.lang == "console":
            for lineno, command, expected in console_commands(block):
                print(f"{rel}:{lineno}: $ {command}", flush=True)
                argv = shlex.split(command)
                env = dict(command_env)
                while argv[0] != "ewoks":
                    name, _, value = argv.pop(0).partition("=")
                    env[name] = value
                argv[0] = ewoks
                proc = subprocess.run(argv, cwd=workdir, env=env, capture_output=True, text=True,
                                      timeout=COMMAND_TIMEOUT, stdin=subprocess.DEVNULL)
                if proc.returncode != expected:
                    raise AssertionError(
                        f"{rel}:{lineno}: `{command}` exited with {proc.returncode}, expected {expected}\n"
                        f"--- stdout\n{proc.stdout}--- stderr\n{proc.stderr}")


def run_page_process(page: Path, workdir: Path) -> Tuple[int, str]:
    """Run one page in a new Python process; (exit code, its output)."""
    prepare_workdir(workdir)
    try:
        proc = subprocess.run([sys.executable, __file__, str(page), str(workdir)], env=page_environment(workdir),
                              capture_output=True, text=True, timeout=PAGE_TIMEOUT, stdin=subprocess.DEVNULL,
                              cwd=ROOT)
    except subprocess.TimeoutExpired as e:
        return -1, f"timed out after {PAGE_TIMEOUT} s\n--- output\n{e.stdout or ''}\n--- errors\n{e.stderr or ''}"
    return proc.returncode, f"--- output\n{proc.stdout}\n--- errors\n{proc.stderr}"


# ---- pytest ----------------------------------------------------------------------------

try:
    import pytest
except ImportError:  # running a page in a subprocess does not need pytest
    pytest = None

if pytest is not None:
    PAGES = markdown_pages()

    @pytest.fixture(scope="session")
    def page_runs(request, tmp_path_factory):
        """Start the pages selected in this session at once, PARALLEL at a time (pages are independent
        processes); each test then waits for its own page."""
        from concurrent.futures import ThreadPoolExecutor

        selected = [item.callspec.params["doc_page"] for item in request.session.items
                    if getattr(item, "originalname", "") == "test_examples_run" and hasattr(item, "callspec")]
        pool = ThreadPoolExecutor(max_workers=PARALLEL)
        futures = {}
        for page in selected:
            workdir = tmp_path_factory.mktemp(page.stem) / "work"
            futures[page] = pool.submit(run_page_process, page, workdir)
        yield futures
        pool.shutdown(wait=True, cancel_futures=True)

    # not "page": pytest-playwright (browser tests of the server) has a fixture of that name
    @pytest.mark.parametrize("doc_page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
    def test_examples_run(doc_page: Path, page_runs) -> None:
        """All python and `$ ewoks` console blocks of the page run (in their own process)."""
        returncode, output = page_runs[doc_page].result()
        if returncode != 0:
            pytest.fail(f"examples of {doc_page.relative_to(ROOT)} failed\n{output}", pytrace=False)

    @pytest.mark.parametrize("doc_page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
    def test_page_is_well_formed(doc_page: Path) -> None:
        """Fences are closed, skip markers give a reason, python blocks compile and console commands parse."""
        for block in parse_blocks(doc_page.read_text(encoding="utf-8")):
            if block.skip is not None:
                assert block.skip, f"{doc_page.name}:{block.line}: skip-test needs a reason"
                continue
            if block.lang in ("python", "py"):
                compile("\n" * (block.line - 1) + block.code, str(doc_page), "exec")
            if block.lang == "console":
                for _lineno, command, _ in console_commands(block):
                    shlex.split(command)

    def test_parser() -> None:
        text = ("intro\n\n```python\nx = 1\n```\n<!-- skip-test: needs a server -->\n\n```console\n"
                "$ ewoks run a \\\n  -p x=1  # exit 2\noutput\n$ PYTHONPATH=. ewoks show a\n$ ewoksfoo\n```\n"
                "<!-- requires: json, no_such_module_xyz -->\n```python\n```\n")
        blocks = parse_blocks(text)
        assert [(b.lang, b.line, b.skip) for b in blocks] == [("python", 4, None), ("console", 9, "needs a server"),
                                                              ("python", 17, None)]
        assert console_commands(blocks[1]) == [(9, "ewoks run a  -p x=1", 2), (12, "PYTHONPATH=. ewoks show a", 0)]
        assert blocks[2].requires == ("json", "no_such_module_xyz")
        assert missing_requirements(blocks[2].requires) == ["no_such_module_xyz"]

    def test_core_pages_exist() -> None:
        for name in ("index", "format", "tasks", "semantics", "cli", "events", "persistence", "engine_writer"):
            assert (ROOT / "docs" / f"{name}.md").is_file(), f"docs/{name}.md is missing"


def _main(argv: List[str]) -> int:
    page, workdir = Path(argv[0]).resolve(), Path(argv[1]).resolve()
    try:
        run_page(page, workdir)
    except BaseException:
        # show the frames of the markdown examples, not of this runner
        exc_type, exc, tb = sys.exc_info()
        while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
            tb = tb.tb_next
        traceback.print_exception(exc_type, exc, tb)
        sys.stdout.flush()
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
