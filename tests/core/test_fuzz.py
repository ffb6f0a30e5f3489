"""Fuzzing workflow documents and command lines (hypothesis, derandomized: the same cases every run).

Property: every case ends with a result or ONE error line (an EwoksError; exit code 0, 1 or 2 on
the command line), never a traceback, a hang (each case has a 20 s alarm) or a file written
outside its own output folder (the shared inputs, the repository's workflows and the session
folder are compared before and after each case).

Documents are generated structurally, plausible but wrong: node and link attributes of wrong
types, unknown tasks and task types, cycles and self-links, conditions on missing outputs, ids
that collide once printed (1 and "1"), deep nesting, huge lists; then 0-2 random corruptions
(a value replaced by one of another type, a key dropped or added). Command lines combine
such documents, special paths (folders, /proc, devices, missing files) and generated options.
Tasks come from a fixed pool (ewoks_core.testing.tasks and a few harmless functions): the fuzz
never runs arbitrary code.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import shutil
import signal
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any, Dict, List, Tuple
from unittest import mock

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from ewoks_core import execute_graph
from ewoks_core.cli.main import build_parser, main
from ewoks_core.errors import EwoksError, TaskFailedError

ROOT = Path(__file__).resolve().parents[2]
T = "ewoks_core.testing.tasks."
CASE_TIMEOUT = 20  # seconds: a case still running then is a hang
DOCUMENT_CASES = int(os.environ.get("EWOKS_FUZZ_DOCUMENTS", "600"))
COMMAND_CASES = int(os.environ.get("EWOKS_FUZZ_COMMANDS", "1500"))

# ---- strategies: values, ids, nodes, links, documents

TASKS = [T + name for name in ("SumTask", "Increment", "Classify", "Fail", "ErrorReport", "NoOutput", "Echo",
                               "DictSummary", "ArrayScale", "Noop")]
OTHER_IDENTIFIERS = ["no_such_module.Task", T + "NoSuchTask", "json.loads", "math.sqrt", "operator.add", "builtins.len",
                     T + "subtract", T + "sum_all", T + "ppf_add", "", "x", "ewoks_core", T.rstrip("."), "sub"]
TASK_TYPES = ["class", "method", "ppfmethod", "ppfport", "script", "graph", "notebook", "generated", "Class", ""]
INPUT_NAMES = ["a", "b", "x", "value", "data", "array", "factor", "step", "limit", "fail", "result", "", "a b", "é",
               0, 1, -1, None, True, 1.5, ["a"]]
OUTPUT_NAMES = ["result", "x", "value", "category", "below_limit", "array", "total", "return_value", "nosuch", "",
                None, 0, ["result"]]
SLOW_NAMES = {"delay", "seconds", "timeout"}  # inputs that make testing tasks wait


def nested(depth: int, leaf: Any = 1) -> Any:
    value = leaf
    for _ in range(depth):
        value = [value] if depth % 2 else {"k": value}
    return value


# cheap strategies: generating documents must not cost more than running them
short_texts = st.one_of(st.text(alphabet="ab/:= .é\x00\n🙂", max_size=8),
                        st.sampled_from(["", "a", "result", "1", "null", "[", "{}", "a/b", "\ud800", "-" * 200]))
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(), short_texts)
json_values = st.one_of(scalars, st.lists(scalars, max_size=3), st.dictionaries(short_texts, scalars, max_size=3),
                        st.lists(st.lists(scalars, max_size=2), max_size=2))
# deep values and huge lists, 1 in 8 each
values = st.one_of(*[json_values] * 6, st.integers(90, 140).map(nested),
                   st.integers(1000, 2000).map(lambda n: list(range(n))))
node_ids = st.one_of(st.sampled_from(["a", "b", "c", "1", 1, 2, "a/b", ["a", "b"], "", 0, True, 1.0]),
                     short_texts, st.integers(-2, 4))
wrong = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), short_texts, st.lists(scalars, max_size=2),
                  st.dictionaries(short_texts, scalars, max_size=2))


default_input_items = st.lists(st.fixed_dictionaries({"name": st.sampled_from(INPUT_NAMES), "value": values}),
                               max_size=3)
task_identifiers = st.one_of(*[st.sampled_from(TASKS)] * 3, st.sampled_from(OTHER_IDENTIFIERS), wrong)
task_types = st.one_of(st.just("class"), st.sampled_from(TASK_TYPES), wrong)
NODE_EXTRAS = {"force_start_node": st.booleans() | wrong, "conditions_else_value": scalars,
               "default_error_node": st.booleans() | wrong, "label": short_texts | wrong, "varinfo": wrong,
               "default_error_attributes": wrong, "unknown_key": values}
LINK_EXTRAS = {"map_all_data": st.booleans() | wrong, "on_error": st.booleans() | wrong,
               "required": st.booleans() | wrong, "cache_if_not_required": st.booleans() | wrong,
               "sub_source": node_ids, "sub_target": node_ids,
               "data_mapping": st.lists(st.fixed_dictionaries({"source_output": st.sampled_from(OUTPUT_NAMES),
                                                               "target_input": st.sampled_from(INPUT_NAMES)}),
                                        max_size=2) | wrong,
               "conditions": st.lists(st.fixed_dictionaries({"source_output": st.sampled_from(OUTPUT_NAMES),
                                                             "value": scalars}), max_size=2) | wrong}
NODE_EXTRA_KEYS = st.sets(st.sampled_from(("task_type", "default_inputs", "default_inputs", *NODE_EXTRAS)), max_size=3)
LINK_EXTRA_KEYS = st.sets(st.sampled_from(("data_mapping", *LINK_EXTRAS)), max_size=3)
ONE_IN = {n: st.integers(0, n - 1).map(bool) for n in (2, 5, 10, 20)}  # draw(ONE_IN[n]) is False 1 time in n
graph_ids = short_texts | st.integers()
schema_versions = st.sampled_from(("1.0", "1.1", "1.2", "0.9", "2.0", "", "one")) | wrong


@st.composite
def default_inputs(draw) -> Any:
    kind = draw(st.integers(0, 19))
    if kind == 0:
        return draw(wrong)
    if kind == 1:  # a huge list of inputs
        return [{"name": f"in{i}", "value": i} for i in range(draw(st.integers(1000, 1500)))]
    items = draw(default_input_items)
    return [item for item in items if not (isinstance(item["name"], str) and item["name"] in SLOW_NAMES)]


@st.composite
def node_dicts(draw, node_id: Any) -> Dict[str, Any]:
    doc: Dict[str, Any] = {"id": node_id, "task_identifier": draw(task_identifiers)}
    extras = draw(NODE_EXTRA_KEYS)
    if "task_type" in extras:
        doc["task_type"] = draw(task_types)
    if "default_inputs" in extras:
        doc["default_inputs"] = draw(default_inputs())
    for key in sorted(extras & set(NODE_EXTRAS)):
        doc[key] = draw(NODE_EXTRAS[key])
    return doc


@st.composite
def link_dicts(draw, ids: List[Any]) -> Dict[str, Any]:
    def end() -> Any:
        return ids[draw(st.integers(0, len(ids) - 1))] if ids and draw(ONE_IN[10]) else draw(node_ids)

    doc: Dict[str, Any] = {"source": end(), "target": end()}  # self-links and cycles included
    for key in sorted(draw(LINK_EXTRA_KEYS)):
        doc[key] = draw(LINK_EXTRAS[key])
    return doc


@st.composite
def corrupted(draw, doc: Any) -> Any:
    """Replace a value somewhere in the document by one of another type, drop a key or add one."""
    for _ in range(draw(st.integers(0, 2))):
        parent, key = None, None
        target = doc
        for _depth in range(draw(st.integers(0, 5))):
            if isinstance(target, dict) and target:
                keys = sorted(target, key=str)
                parent, key = target, keys[draw(st.integers(0, len(keys) - 1))]
            elif isinstance(target, list) and target:
                parent, key = target, draw(st.integers(0, len(target) - 1))
            else:
                break
            target = parent[key]
        if parent is None:
            return draw(wrong) if draw(st.integers(0, 4)) == 0 else doc
        action = draw(st.integers(0, 2))
        if action == 0 or isinstance(parent, list):
            parent[key] = draw(wrong)
        elif action == 1:
            del parent[key]
        else:
            parent[draw(short_texts)] = draw(values)
    return doc


@st.composite
def documents(draw, max_nodes: int = 6, fan_in: bool = True) -> Any:
    ids = draw(st.lists(node_ids, max_size=max_nodes))
    doc: Dict[str, Any] = {"graph": {"id": draw(graph_ids)},
                           "nodes": [draw(node_dicts(i)) for i in ids],
                           "links": draw(st.lists(link_dicts(ids), max_size=max_nodes))}
    if not draw(ONE_IN[5]):
        doc["graph"]["schema_version"] = draw(schema_versions)
    if not draw(ONE_IN[10]):
        doc["graph"]["input_nodes"] = draw(wrong)
    if fan_in and not draw(ONE_IN[20]):  # many nodes: a fan-in
        n = draw(st.integers(200, 1000))
        doc["nodes"] += [{"id": f"n{i}", "task_identifier": T + "SumTask", "default_inputs": [{"name": "a",
                                                                                                 "value": i}]}
                         for i in range(n)]
        doc["nodes"].append({"id": "sink", "task_identifier": T + "SumTask"})
        doc["links"] += [{"source": f"n{i}", "target": "sink", "data_mapping": [{"source_output": "result",
                                                                                 "target_input": "a"}]}
                         for i in range(n)]
    return draw(corrupted(doc))


# ---- running one case


class Hang(BaseException):
    """A case ran longer than CASE_TIMEOUT."""


def _alarm(signum, frame):
    raise Hang(f"a case ran longer than {CASE_TIMEOUT} s")


def _snapshot(folders: List[Path]) -> Dict[str, Tuple[int, float]]:
    state = {}
    for folder in folders:
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = [d for d in dirnames if d not in ("examples", "__pycache__")]
            for name in dirnames + filenames:
                path = os.path.join(dirpath, name)
                try:
                    info = os.lstat(path)
                except FileNotFoundError:
                    continue
                state[path] = (info.st_size, info.st_mtime)
    return state


class Sandbox:
    """Runs cases in their own folders under `base` and checks that nothing else changes."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.inputs = base / "inputs"
        (base / "examples").mkdir(parents=True, exist_ok=True)
        self.watched = [self.inputs, ROOT / "workflows", base]
        self.cases = 0
        self.runs = 0  # API calls and command lines run

    @contextlib.contextmanager
    def case(self):
        folder = Path(tempfile.mkdtemp(dir=self.base / "examples"))
        before = _snapshot(self.watched)
        cwd, path = os.getcwd(), list(sys.path)
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, CASE_TIMEOUT)
        os.chdir(folder)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                yield folder
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            os.chdir(cwd)
            sys.path[:] = path
            self.cases += 1
        after = _snapshot(self.watched)
        changed = sorted(p for p in set(before) | set(after) if before.get(p) != after.get(p))
        shutil.rmtree(folder, ignore_errors=True)
        assert not changed, f"files changed outside the case's folder: {changed[:5]}"

    def run_cli(self, argv: List[str]) -> Tuple[int, str, str]:
        self.runs += 1
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as e:  # argparse: usage and one error line, exit 2
                code = e.code if isinstance(e.code, int) else 2
        return code, out.getvalue(), err.getvalue()


def check_cli_outcome(argv: List[str], code: int, out: str, err: str) -> None:
    """Exit 0, 1 or 2; a failure ends with exactly one 'error:' line; no traceback anywhere."""
    assert "Traceback (most recent call last)" not in err + out, (argv, err[-2000:])
    assert code in (0, 1, 2), (argv, code, err[-2000:])
    if code:
        lines = [line for line in err.splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith("error: ") or ": error: " in line]
        assert len(errors) == 1 and errors[0] == lines[-1], (argv, err[-2000:])
        others = [line for line in lines[:-1] if not line.startswith(("warning: ", "usage: ", "  "))]
        assert not others, (argv, err[-2000:])


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    base = tmp_path_factory.mktemp("fuzz")
    box = Sandbox(base)
    box.inputs.mkdir()
    events = box.inputs / "events.db"
    handlers = [{"class": "sqlite", "arguments": [{"name": "uri", "value": str(events)}]},
                {"class": "jsonl", "arguments": [{"name": "path", "value": str(box.inputs / "events.jsonl")}]}]
    execute_graph(str(ROOT / "workflows" / "demo.yaml"), execinfo={"job_id": "job1", "handlers": handlers})
    from ewoks_core.events.sinks.sqlite import close_connections

    close_connections()
    (box.inputs / "sub.json").write_text(json.dumps({"graph": {"id": "sub"}, "links": [], "nodes": [
        {"id": "a", "task_identifier": T + "SumTask", "default_inputs": [{"name": "a", "value": 1}]}]}))
    with mock.patch("ewoks_core.cli.main.build_parser", functools.lru_cache(maxsize=None)(build_parser)):
        yield box  # one parser per command for every case: building it may scan entry points (~0.1 s)
    print(f"fuzz: {box.cases} generated cases, {box.runs} runs")


# ---- 1. documents through the Python API and `ewoks show/convert/execute`

PHASES = [Phase.explicit, Phase.generate] if os.environ.get("EWOKS_FUZZ_NO_SHRINK") else \
    [Phase.explicit, Phase.generate, Phase.shrink]  # no "explain": it traces every line (slow)
SETTINGS = dict(derandomize=True, database=None, deadline=None, print_blob=True, phases=PHASES,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
                                       HealthCheck.large_base_example])


def _write_document(doc: Any, suffix: str) -> str:
    """Write a generated document as JSON, or as YAML when it is small (large ones as .json files:
    YAML parsing is slower; the YAML parser's own limits are tested in test_cli_bad_input)."""
    import yaml

    try:
        text = json.dumps(doc)
    except (TypeError, ValueError):
        text = json.dumps(doc, default=str)
    if suffix in (".yaml", ".yml"):
        if len(text) > 20_000:
            suffix = ".json"
        else:
            try:
                text = yaml.dump(doc, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper))
            except (TypeError, ValueError, RecursionError, yaml.YAMLError):
                pass
    name = f"wf{suffix}"
    Path(name).write_text(text)
    return name


@pytest.mark.slow
@settings(max_examples=DOCUMENT_CASES, **SETTINGS)
@given(doc=documents(), suffix=st.sampled_from([".json", ".yaml", ".yml", ""]))
def test_fuzz_documents(sandbox, doc, suffix):
    """Each document: execute_graph, then `ewoks show`, `ewoks convert` and `ewoks execute` (4 cases)."""
    with sandbox.case():
        sandbox.runs += 1
        try:
            execute_graph(doc, max_iterations=50, timeout=10)
        except EwoksError as error:
            text = str(error).strip()
            assert "\n" not in text or isinstance(error, TaskFailedError), text
        try:
            path = _write_document(doc, suffix)
        except RecursionError:  # the generated value is too deep for the serializer: not a case
            return
        for argv in (["show", path], ["convert", path, "out.yaml"],
                     ["execute", path, "-o", "max_iterations=50", "--json"]):
            check_cli_outcome(argv, *sandbox.run_cli(argv))


# ---- 2. command lines: execute / show / convert / events with generated paths and options

SPECIAL_PATHS = ["/", ".", "..", "/proc/self/status", "/proc/self/environ", "/proc/self/mem", "/dev/null", "/dev/zero",
                 "missing.json", "missing", "", "-", "sub/", "wf.json/inner.yaml", "~", "a" * 300,
                 "workflows/demo.yaml", "demo", "INPUTS/events.db", "INPUTS/events.jsonl", "INPUTS/sub.json",
                 "INPUTS", "redis://127.0.0.1:1/0", "file:INPUTS/events.db?mode=ro", "file:missing.db"]
texts = st.one_of(short_texts, st.text(max_size=12))
option_values = st.one_of(texts, st.sampled_from(["1", "0", "-1", "1e9", "null", "[]", "{}", "true", "[" * 300,
                                                  "a=b", "x:y=z", "sub/a", "🙂"]))


small_documents = documents(max_nodes=3, fan_in=False)
raw_contents = (st.binary(max_size=200) | st.text(max_size=100).map(str.encode)
                | st.sampled_from((b"{", b"[" * 3000, b"a: &a [*a]", b"\xef\xbb\xbf{}", b"null", b"graph: 1",
                                   b"nodes: []", b'{"nodes": {}}', b"a: \x91")))
WORKFLOW_SUFFIXES = st.sampled_from((".json", ".yaml", ".yml", "", ".txt"))
RAW_SUFFIXES = st.sampled_from((".json", ".yaml", ".db", ".jsonl", ""))
EVENT_SUFFIXES = st.sampled_from((".jsonl", ".json", ".db", ""))
event_keys = st.sampled_from(("context", "type", "job_id", "node_id", "time", "error", "progress", "workflow_id", "x"))
event_lines = st.lists(st.dictionaries(event_keys, json_values, max_size=6), max_size=8)
line_ends = st.sampled_from(("\n", "", "\nnot json\n"))
OPTIONS = {
    "execute": (("-p", "assign"), ("--pn", "node_assign"), ("--pa", "assign"), ("--engine", "engine"),
                ("-o", "option"), ("--outputs", "outputs"), ("--merge-outputs", None), ("--no-merge-outputs", None),
                ("--json", None), ("--no-progress", None), ("--events", "events"), ("--job-id", "text"),
                ("--on-events-lost", "policy"), ("--data-root-uri", "results"), ("--data-scheme", "scheme"),
                ("--root-dir", "dir")),
    "show": (("--root-dir", "dir"),),
    "convert": (("--format", "format"),),
    "events": (("--job", "text"), ("--node", "text"), ("--type", "type"), ("--since", "text"), ("--jobs", None)),
}
OPTION_LISTS = {command: st.lists(st.sampled_from(pool), max_size=5) for command, pool in OPTIONS.items()}
assignments = st.tuples(st.sampled_from(("a", "b", "x", "value", "", "1", "a b")) | texts, option_values).map(
    lambda t: f"{t[0]}={t[1]}") | texts
node_assignments = st.tuples(st.sampled_from(("count", "left", "1", "sub/a", "")) | texts, st.sampled_from("ax"),
                             option_values).map(lambda t: f"{t[0]}:{t[1]}={t[2]}")
VALUES = {
    "assign": assignments, "node_assign": node_assignments,
    "engine": st.sampled_from(("sequential", "core", "nosuch", "", "Sequential")),
    "option": st.tuples(st.sampled_from(("max_iterations", "timeout", "nosuch", "scheduler")), option_values).map(
        lambda t: f"{t[0]}={t[1]}"),
    "outputs": st.sampled_from(("none", "end", "all", "some")),
    "events": st.sampled_from(("ev.db", "ev.jsonl", "ev.json", "ev.txt", "sub/ev.db", "", ".", "ev.db/x.db",
                               "redis://127.0.0.1:1/0", "INPUTS/events.db")),
    "policy": st.sampled_from(("raise", "fail", "warn", "ignore")),
    "results": st.sampled_from(("results", "results.h5", "res/", "", "INPUTS/events.db")),
    "scheme": st.sampled_from(("json", "nexus", "hdf5")),
    "dir": st.sampled_from(("INPUTS", ".", "/", "missing", "/proc")),
    "format": st.sampled_from(("json", "yaml", "toml")),
    "type": st.sampled_from(("start", "end", "progress", "other")),
    "text": texts | st.sampled_from(("job1", "count", "2020-01-01", "2020-13-45T99")),
}
COMMANDS = st.sampled_from(("execute", "show", "convert", "events"))
DESTINATIONS = st.sampled_from(("out.json", "out.yaml", "out.yml", "-", "sub/out.json", "wf.json"))
SPECIAL = st.sampled_from(tuple(SPECIAL_PATHS))


@st.composite
def workflow_sources(draw) -> Tuple[str, Any]:
    kind = draw(st.integers(0, 9))
    if kind < 4:
        return "doc", (draw(small_documents), draw(WORKFLOW_SUFFIXES))
    if kind < 6:
        return "raw", (draw(raw_contents), draw(RAW_SUFFIXES))
    return "path", draw(SPECIAL)


@st.composite
def command_lines(draw) -> Tuple[str, Tuple[str, Any], List[str]]:
    command = draw(COMMANDS)
    if command == "events" and draw(ONE_IN[2]):
        text = "\n".join(json.dumps(line) for line in draw(event_lines)) + draw(line_ends)
        source: Tuple[str, Any] = ("raw", (text.encode(), draw(EVENT_SUFFIXES)))
    else:
        source = draw(workflow_sources())
    options: List[str] = []
    for flag, kind in draw(OPTION_LISTS[command]):
        options.append(flag)
        if kind is not None:
            options.append(draw(VALUES[kind]))
    return command, source, options + ([draw(DESTINATIONS)] if command == "convert" else [])


def _materialize(source: Tuple[str, Any], inputs: Path) -> str:
    kind, value = source
    if kind == "doc":
        return _write_document(*value)
    if kind == "raw":
        data, suffix = value
        Path(f"input{suffix}").write_bytes(data)
        return f"input{suffix}"
    return str(value).replace("INPUTS", str(inputs))


@pytest.mark.slow
@settings(max_examples=COMMAND_CASES, **SETTINGS)
@given(case=command_lines())
def test_fuzz_command_lines(sandbox, case):
    command, source, options = case
    with sandbox.case():
        try:
            path = _materialize(source, sandbox.inputs)
        except RecursionError:
            return
        options = [option.replace("INPUTS", str(sandbox.inputs)) for option in options]
        if command == "convert":
            options = options[:-1] + [options[-1]]  # the destination stays last
            argv = [command, path, options[-1], *options[:-1]]
        else:
            argv = [command, path, *options]
        if command == "execute":
            argv += ["-o", "max_iterations=50"]
        if "workflows" in path:  # the repository's files are inputs only
            argv = [a if a != "wf.json" else "out.json" for a in argv]
        check_cli_outcome(argv, *sandbox.run_cli(argv))


def test_fuzz_sandbox_catches_a_write_outside(sandbox):
    """The property can fail: a file written next to the shared inputs is reported."""
    with pytest.raises(AssertionError, match="outside the case's folder"):
        with sandbox.case():
            (sandbox.inputs / "stray.txt").write_text("written outside")
    (sandbox.inputs / "stray.txt").unlink()
    with pytest.raises(AssertionError, match="Traceback"):
        check_cli_outcome(["x"], 1, "", "Traceback (most recent call last):\n  ...\nValueError: x\n")
    with pytest.raises(AssertionError):
        check_cli_outcome(["x"], 2, "", "error: one\nerror: two\n")
