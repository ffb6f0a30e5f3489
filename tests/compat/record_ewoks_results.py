"""Record what ewoks itself does with every graph of the corpus, into expected_ewoks_results.json.

Run it in a separate environment that has ewoks and not ewoks_core (CI never needs it: the JSON is
committed next to the graphs)::

    python3 -m venv /tmp/ewoks-ref && /tmp/ewoks-ref/bin/pip install "ewokscore>=5,<6" "ewoksppf>=3,<4" pyyaml
    /tmp/ewoks-ref/bin/python tests/compat/record_ewoks_results.py

DAGs without conditions or error handlers run on ewokscore's sequential engine (with the case's
outputs and merge_outputs); the others on ewoksppf with one worker thread, which is ewoks'
sequential semantics for them; they are run again with four threads to flag races. Every task
execution is observed (node id, success, outputs), so the expectations are ewoks' real per-node
behaviour, not only its return value.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import sys
import tempfile
import threading
import traceback
from pathlib import Path
from typing import Any, Dict, List, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ewokscore  # noqa: E402
import ewoksppf  # noqa: E402
from corpus import CASES, EXPECTED, CorpusCase  # noqa: E402
from ewokscore import Task  # noqa: E402
from ewokscore.graph import analysis  # noqa: E402
from ewokscore.missing_data import is_missing_data  # noqa: E402

try:
    import ewoks_core  # noqa: F401
except ImportError:
    pass
else:
    sys.exit("run this in an environment with ewokscore and without ewoks_core")

MISSING = {"__missing__": True}


def label(node_id: Any) -> str:
    """'G/inner/add' for ('G', ('inner', 'add')): ewoks_core's node_label."""
    if isinstance(node_id, (tuple, list)):
        return "/".join(label(part) for part in node_id)
    return str(node_id)


def plain(value: Any) -> Any:
    """JSON-able copy: tuples become lists, numpy values Python ones, MISSING_DATA a marker."""
    if is_missing_data(value):
        return MISSING
    if isinstance(value, dict):
        return {str(k) if not isinstance(k, str) else k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


# -- observe every task execution ------------------------------------------------------------------
_TRACE: List[Optional[List[dict]]] = [None]  # the executions of the current run (one run at a time)
_TRACE_LOCK = threading.Lock()
_original_execute = Task.execute


def _observed_execute(self, *args, **kwargs):
    try:
        return _original_execute(self, *args, **kwargs)
    finally:
        trace = _TRACE[0]
        if trace is not None:
            # ewokscore's `succeeded` only says that outputs are set: a task may set them, then raise
            entry = {"node": label(self.node_id), "ok": not self.failed}
            if self.failed:
                entry["error"] = f"{type(self.exception).__name__}: {self.exception}"
            else:
                entry["outputs"] = plain(self.get_output_values())
            with _TRACE_LOCK:
                trace.append(entry)


Task.execute = _observed_execute


def _ppf_labels(case: CorpusCase) -> Dict[str, str]:
    """ewoksppf gives a task its node label (the 'label' attribute, or the id joined with ':') as node
    id: map those back to ewoks_core's node labels."""
    from ewokscore.node import get_node_label

    graph = ewokscore.load_graph(case.source(ewokscore.load_graph, _to_networkx), **case.load_options()).graph
    return {get_node_label(node_id, attrs): label(node_id) for node_id, attrs in graph.nodes.items()}


def _run(fn, case: CorpusCase, **kwargs) -> Dict[str, Any]:
    """Run one execution; return its result or error and the observed task executions."""
    runs: List[dict] = []
    _TRACE[0] = runs
    source = case.source(ewokscore.load_graph, _to_networkx)
    with tempfile.TemporaryDirectory() as tmp:
        if case.varinfo:
            kwargs["varinfo"] = {"root_uri": tmp, "scheme": "json"}
        record: Dict[str, Any] = {}
        try:
            result = fn(source, inputs=case.inputs, load_options=case.load_options(), **kwargs)
            record["result"] = plain({label(k) if not isinstance(k, str) else k: v for k, v in result.items()})
        except Exception as exc:
            record["error"] = {"type": type(exc).__name__, "message": str(exc).splitlines()[0][:300]}
        if case.varinfo:
            record["persisted_files"] = sorted(str(p.relative_to(tmp)) for p in Path(tmp).rglob("*") if p.is_file())
    _TRACE[0] = None
    record["runs"] = runs
    return record


def _to_networkx(doc: dict):
    from ewokscore.graph.serialize import _dict_to_networkx

    return _dict_to_networkx(json.loads(json.dumps(doc)))


def _node_summary(runs: List[dict]) -> Dict[str, Any]:
    """Per node: how many times it ran, the outputs of its last successful run, whether its last run failed."""
    counts: Dict[str, int] = {}
    last: Dict[str, Any] = {}
    failed: Dict[str, bool] = {}
    for entry in runs:
        counts[entry["node"]] = counts.get(entry["node"], 0) + 1
        failed[entry["node"]] = not entry["ok"]
        if entry["ok"]:
            last[entry["node"]] = entry["outputs"]
    return {"run_counts": counts, "node_results": last, "failed_nodes": sorted(n for n, f in failed.items() if f)}


def _ppf(source, **kwargs):
    return ewoksppf.execute_graph(source, pool_type="thread", scaling_workers=False, **kwargs)


def _run_ppf(case: CorpusCase, max_workers: int, attempts: int = 5, timeout: float = 20) -> Dict[str, Any]:
    """One ewoksppf run in a forked process: pypushflow can deadlock (a self-loop whose task ends before
    its callback is registered re-enters the input merger's lock), so a run that hangs is killed and
    retried. The number of hung attempts is recorded."""
    ctx = multiprocessing.get_context("fork")
    hangs = 0
    for _ in range(attempts):
        receive, send = ctx.Pipe(duplex=False)
        child = ctx.Process(target=_child, args=(send, case, max_workers), daemon=True)
        child.start()
        send.close()
        if receive.poll(timeout):
            record = receive.recv()
            child.join()
            record["hangs"] = hangs
            return record
        child.kill()
        child.join()
        hangs += 1
    return {"error": {"type": "Hang", "message": f"ewoksppf hung {attempts} times"}, "runs": [], "hangs": hangs}


def _child(send, case: CorpusCase, max_workers: int) -> None:
    record = _run(_ppf, case, max_workers=max_workers)
    labels = _ppf_labels(case)
    for entry in record["runs"]:
        entry["node"] = labels.get(entry["node"], entry["node"])
    send.send(record)
    send.close()
    os._exit(0)  # pool threads of a run that raised must not keep the child alive


def record_case(case: CorpusCase) -> Dict[str, Any]:
    out: Dict[str, Any] = {"file": case.file}
    try:
        taskgraph = ewokscore.load_graph(case.source(ewokscore.load_graph, _to_networkx), inputs=case.inputs,
                                         **case.load_options())
    except Exception as exc:
        out["engine"] = None
        out["error"] = {"type": type(exc).__name__, "message": str(exc).splitlines()[0][:300], "phase": "load"}
        return out
    graph = taskgraph.graph
    out["ewoks_end_nodes"] = sorted(label(n) for n in analysis.end_nodes(graph))
    try:
        out["ewoks_start_nodes"] = sorted(label(n) for n in analysis.start_nodes(graph))
    except Exception as exc:  # noqa: BLE001
        out["ewoks_start_nodes"] = f"{type(exc).__name__}: {exc}"
    outputs = dict(outputs=case.outputs, merge_outputs=case.merge_outputs)
    if ewokscore.graph_is_supported(taskgraph):
        out["engine"] = "sequential"
        ref = _run(ewokscore.execute_graph, case, **outputs)
        ppf = _run_ppf(case, max_workers=1) if case.outputs is None and case.merge_outputs else None
        if ppf is not None:
            out["ppf_agrees"] = _node_summary(ppf["runs"]) == _node_summary(ref["runs"])
    else:
        out["engine"] = "ppf"
        if case.outputs is not None or not case.merge_outputs:
            out["note"] = "ewoksppf only returns the default outputs: outputs/merge_outputs not recorded"
        ref = _run_ppf(case, max_workers=1)
        others = [_run_ppf(case, max_workers=4) for _ in range(3)]
        summaries = {json.dumps(_node_summary(other["runs"]), sort_keys=True) for other in others}
        out["ppf_racy"] = summaries != {json.dumps(_node_summary(ref["runs"]), sort_keys=True)}
        out["ppf_hangs"] = ref["hangs"] + sum(other["hangs"] for other in others)
    out.update({k: v for k, v in ref.items() if k not in ("runs", "hangs")})
    out.update(_node_summary(ref["runs"]))
    out["executions"] = [entry["node"] for entry in ref["runs"]]
    return out


def main(argv: Optional[List[str]] = None) -> int:
    if os.environ.get("PYTHONHASHSEED") != "0":  # ewoks orders start nodes by set iteration: same order every time
        os.execve(sys.executable, [sys.executable, __file__, *(argv or [])], {**os.environ, "PYTHONHASHSEED": "0"})
    logging.disable(logging.WARNING)
    import importlib.metadata as md

    versions = {name: md.version(name) for name in ("ewokscore", "ewoksppf", "pypushflow")}
    names = set(argv or [])
    results = {}
    for case in CASES:
        if names and case.name not in names:
            continue
        try:
            results[case.name] = record_case(case)
        except Exception:
            traceback.print_exc()
            results[case.name] = {"file": case.file, "recorder_error": traceback.format_exc().splitlines()[-1]}
        r = results[case.name]
        print(f"{case.name:42s} {r.get('engine')!s:10s} "
              f"{'ERROR ' + r['error']['type'] if 'error' in r else r.get('result')}", flush=True)
    if names:
        return 0
    EXPECTED.write_text(json.dumps({"recorded_with": versions, "cases": results}, indent=1, sort_keys=True) + "\n")
    print(f"wrote {EXPECTED}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
