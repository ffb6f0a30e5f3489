"""The server's targets, against plain baselines measured in the same run.

    python benchmarks/bench_server.py [--events 100] [--jobs 100] [--list 10000] [--nodes 1000]

Starts `ewoks serve` (its own process, free loopback port, stopped by PID) and measures:

1. event latency: events written to the server's event store (committed by an SQLite sink in this
   process) until they arrive in a browser's EventSource (Debian's Chromium via Playwright) and in a
   Python SSE client; baseline: a thread of this process polling the same database at the server's
   poll interval. Target: browser <= 0.3 s. Also emitted -> browser for the events of a real job
   (includes the sink's batching, up to 0.2 s).
2. 100 concurrent submissions of the demo workflow through the API, all completed (local pool, one
   process per job); baseline: the same 100 runs with execute_graph in this process, one after another.
3. the job list with 10,000 jobs in the index: first page, a filtered page and the last page over
   HTTP; baseline: the same SQL queries on jobs.db directly. Target: < 100 ms.
4. the job page of a 1,000-node workflow in the browser: time to the drawn graph (cytoscape + dagre
   layout) and the cost of one batch of node state changes.
Prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import httpx
import yaml

ROOT = Path(__file__).resolve().parents[1]
DEMO = yaml.safe_load((ROOT / "workflows" / "demo.yaml").read_text())
SLEEP = {"graph": {"id": "sleepy"}, "links": [], "nodes": [
    {"id": "nap", "task_identifier": "ewoks_core.testing.tasks.Sleep", "default_inputs": [{"name": "seconds",
                                                                                           "value": 600}]}]}
ROWS: List[Tuple[str, str, str, str]] = []


def row(what: str, value: str, baseline: str = "", target: str = "") -> None:
    ROWS.append((what, value, baseline, target))
    print(f"  {what}: {value}" + (f" (baseline {baseline})" if baseline else ""), flush=True)


def stats(values_ms: List[float]) -> str:
    values = sorted(values_ms)
    if not values:
        return "no data"
    p95 = values[min(len(values) - 1, int(0.95 * len(values)))]
    return f"median {statistics.median(values):.0f} ms, p95 {p95:.0f} ms, max {values[-1]:.0f} ms (n={len(values)})"


# --- the server


def start_server(data_dir: Path, workers: int) -> Tuple[subprocess.Popen, str]:
    from ewoks_server.testing import free_port

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "ewoks_core.cli.main", "serve", "--port", str(port), "--data-dir",
                             str(data_dir), "--workers", str(workers), "--log-level", "warning"],
                            stdout=open(data_dir.parent / f"serve-{port}.log", "w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(url + "/api/info", timeout=2).status_code == 200:
                return proc, url
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("ewoks serve did not start")
        time.sleep(0.1)


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)


def wait_state(url: str, job_id: str, states: Tuple[str, ...], timeout: float = 120) -> Dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        job = httpx.get(f"{url}/api/jobs/{job_id}", timeout=30).json()
        if job["state"] in states or time.monotonic() > deadline:
            return job
        time.sleep(0.05)


# --- 1. event latency


_LISTEN = """([jobId]) => new Promise((resolve) => {
    window.arrivals = {}; window.eventTimes = {};
    const source = new EventSource(`/api/jobs/${jobId}/stream`);
    source.onmessage = (message) => {
        const now = performance.timeOrigin + performance.now();
        const event = JSON.parse(message.data);
        if (String(event.node_id).startsWith("bench-")) window.arrivals[event.node_id] = now;
        else window.eventTimes[message.lastEventId] = [now, event.time];
    };
    source.addEventListener("state", () => resolve(true));
    window.benchSource = source;
})"""


def _python_client(url: str, job_id: str, arrivals: Dict[str, float], stop: threading.Event) -> None:
    with httpx.stream("GET", f"{url}/api/jobs/{job_id}/stream", timeout=httpx.Timeout(None, connect=10)) as stream:
        for line in stream.iter_lines():
            if line.startswith("data: ") and '"bench-' in line:
                arrivals[json.loads(line[6:])["node_id"]] = time.time() * 1000
            if stop.is_set():
                return


def _poll_baseline(db: Path, after: int, interval: float, arrivals: Dict[str, float], stop: threading.Event) -> None:
    conn = sqlite3.connect(str(db), timeout=10)
    while not stop.is_set():
        for rowid, node in conn.execute("SELECT rowid, node_id FROM ewoks_events WHERE rowid > ?", (after,)):
            after = rowid
            if str(node).startswith("bench-"):
                arrivals[node] = time.time() * 1000
        time.sleep(interval)
    conn.close()


def bench_latency(url: str, data_dir: Path, browser: Any, n: int) -> None:
    from ewoks_core.events.emitter import EventEmitter
    from ewoks_core.events.readers import parse_time
    from ewoks_core.events.sinks.sqlite import SqliteSink

    job_id = httpx.post(url + "/api/jobs", json={"graph": SLEEP}, timeout=30).json()["job_id"]
    wait_state(url, job_id, ("running",))
    db = data_dir / "events.db"
    page = None
    if browser is not None:
        page = browser.new_page()
        page.goto(url + "/monitor/")
        page.evaluate(_LISTEN, [job_id])
    stop = threading.Event()
    python_arrivals: Dict[str, float] = {}
    poll_arrivals: Dict[str, float] = {}
    after = sqlite3.connect(str(db)).execute("SELECT MAX(rowid) FROM ewoks_events").fetchone()[0] or 0
    threads = [threading.Thread(target=_python_client, args=(url, job_id, python_arrivals, stop), daemon=True),
               threading.Thread(target=_poll_baseline, args=(db, after, 0.05, poll_arrivals, stop), daemon=True)]
    for t in threads:
        t.start()
    time.sleep(1.0)
    sink = SqliteSink(str(db))
    emitter = EventEmitter([sink], job_id=job_id, engine="bench", workflow_id="sleepy")
    written: Dict[str, float] = {}
    for i in range(n):
        emitter.emit("node", "progress", node_id=f"bench-{i}", progress=float(i))
        sink.flush()
        written[f"bench-{i}"] = time.time() * 1000
        time.sleep(random.uniform(0.02, 0.08))
    time.sleep(1.5)
    stop.set()
    sink.close()
    httpx.post(f"{url}/api/jobs/{job_id}/cancel", timeout=30)
    browser_arrivals = page.evaluate("window.arrivals") if page is not None else {}
    if page is not None:
        page.close()

    def latencies(arrivals: Dict[str, float]) -> List[float]:
        return [arrivals[k] - written[k] for k in written if k in arrivals]

    baseline = stats(latencies(poll_arrivals))
    if page is not None:
        row("written -> browser EventSource", stats(latencies(browser_arrivals)), baseline, "<= 300 ms")
    row("written -> Python SSE client", stats(latencies(python_arrivals)), baseline)

    if browser is None:
        return
    chain = {"graph": {"id": "chain"}, "nodes": [
        {"id": f"s{i}", "task_identifier": "ewoks_core.testing.tasks.Sleep",
         "default_inputs": [{"name": "seconds", "value": 0.1}]} for i in range(20)],
        "links": [{"source": f"s{i}", "target": f"s{i + 1}"} for i in range(19)]}
    job_id = httpx.post(url + "/api/jobs", json={"graph": chain}, timeout=30).json()["job_id"]
    page = browser.new_page()
    page.goto(url + "/monitor/")
    page.evaluate(_LISTEN, [job_id])
    wait_state(url, job_id, ("success", "failed"))
    time.sleep(0.5)
    times = page.evaluate("window.eventTimes")
    page.close()
    live = [arrival - parse_time(stamp).timestamp() * 1000 for arrival, stamp in times.values()]
    row("emitted -> browser, a running job (sink batching included)", stats(live))


# --- 2. concurrent submissions


def bench_submissions(url: str, n: int) -> None:
    from ewoks_core.api import execute_graph

    with tempfile.TemporaryDirectory() as tmp:
        handler = {"class": "sqlite", "arguments": [{"name": "uri", "value": str(Path(tmp) / "events.db")}]}
        t0 = time.perf_counter()
        for _ in range(n):
            execute_graph(DEMO, execinfo={"handlers": [handler]}, varinfo={"root_uri": str(Path(tmp) / "results")})
        plain = time.perf_counter() - t0
    t0 = time.perf_counter()

    def submit(i: int) -> Tuple[Optional[str], float]:
        start = time.perf_counter()
        answer = httpx.post(url + "/api/jobs", json={"graph": DEMO, "inputs": [{"name": "a", "value": i}]},
                            timeout=120)
        return (answer.json()["job_id"] if answer.status_code == 200 else None), time.perf_counter() - start

    with ThreadPoolExecutor(n) as pool:
        answers = list(pool.map(submit, range(n)))
    accepted = [job_id for job_id, _ in answers if job_id]
    states = [wait_state(url, job_id, ("success", "failed", "cancelled"), timeout=600)["state"] for job_id in accepted]
    done = states.count("success")
    total = time.perf_counter() - t0
    row(f"{n} concurrent submissions accepted", f"{len(accepted)}/{n}, slowest answer "
        f"{max(t for _, t in answers) * 1000:.0f} ms")
    row(f"{n} jobs completed (success)", f"{done}/{n} in {total:.1f} s = {n / total:.1f} jobs/s",
        f"{n / plain:.1f} jobs/s in-process, one after another", "all complete")


# --- 3. the job list


def fill_index(data_dir: Path, n: int) -> None:
    from ewoks_server.jobs.index import JobIndex

    index = JobIndex(data_dir / "jobs.db")
    now = time.time()
    states = ["success"] * 8 + ["failed", "cancelled"]
    index.add_many({"job_id": f"{i:032x}", "workflow_id": f"workflow{i % 20}", "label": "bench",
                    "state": states[i % 10],
                    "engine": "sequential", "executor": "local", "submitted": now - (n - i), "started": now - (n - i),
                    "finished": now - (n - i) + 1, "n_nodes": 5,
                    "message": "RuntimeError: intentional failure" if i % 10 == 8 else None} for i in range(n))
    index.close()


def bench_job_list(url: str, data_dir: Path, n: int) -> None:
    queries = {"first page": {}, "failed of one workflow": {"state": "failed", "workflow": "workflow8"},
               "last page": {"offset": n - 50}}
    conn = sqlite3.connect(str(data_dir / "jobs.db"))
    sql = {"first page": ("SELECT * FROM jobs ORDER BY submitted DESC LIMIT 50", ()),
           "failed of one workflow": ("SELECT * FROM jobs WHERE state = ? AND workflow_id = ? ORDER BY submitted DESC "
                                      "LIMIT 50", ("failed", "workflow8")),
           "last page": ("SELECT * FROM jobs ORDER BY submitted DESC LIMIT 50 OFFSET ?", (n - 50,))}
    with httpx.Client(base_url=url, timeout=30) as client:
        for name, params in queries.items():
            http, raw = [], []
            for _ in range(20):
                t0 = time.perf_counter()
                answer = client.get("/api/jobs", params=params)
                http.append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                conn.execute(*sql[name]).fetchall()
                conn.execute("SELECT COUNT(*) FROM jobs").fetchone()
                raw.append((time.perf_counter() - t0) * 1000)
            assert answer.status_code == 200 and answer.json()["total"] >= 1
            row(f"job list of {n} jobs, {name}", f"median {statistics.median(http):.1f} ms, max {max(http):.1f} ms",
                f"SQL {statistics.median(raw):.1f} ms", "< 100 ms")
    conn.close()


# --- 4. a 1,000-node graph in the browser


def bench_big_graph(url: str, browser: Any, n: int) -> None:
    nodes = [{"id": f"n{i}", "task_identifier": "ewoks_core.testing.tasks.Noop"} for i in range(n)]
    links = [{"source": f"n{(i - 1) // 2}", "target": f"n{i}"} for i in range(1, n)]
    job_id = httpx.post(url + "/api/jobs", json={"graph": {"graph": {"id": "tree"}, "nodes": nodes,
                                                           "links": links}}, timeout=60).json()["job_id"]
    wait_state(url, job_id, ("success", "failed"))
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    t0 = time.perf_counter()
    page.goto(f"{url}/monitor/job.html?id={job_id}")
    page.wait_for_function("window.ewoksMonitor.graph !== null", timeout=120000)
    shown = time.perf_counter() - t0
    page.wait_for_function("window.ewoksMonitor.ended === true", timeout=120000)
    timing = page.evaluate("""() => { const g = window.ewoksMonitor.graph;
        const t0 = performance.now();
        for (let i = 0; i < 100; i++) g.setState('n' + i, i % 2 ? 'running' : 'failed');
        g.color('n0');  // applies the batch now
        return {init: g.initMs, layout: g.layoutMs, update: performance.now() - t0}; }""")
    page.close()
    row(f"job page of a {n}-node workflow: graph drawn", f"{shown:.2f} s (cytoscape {timing['init']:.0f} ms, "
        f"dagre layout {timing['layout']:.0f} ms)")
    row("100 node state changes applied (one batch)", f"{timing['update']:.1f} ms")


def launch_browser(playwright_context: Any) -> Optional[Any]:
    from ewoks_server.testing import chromium_launch_args

    try:
        return playwright_context.chromium.launch(**chromium_launch_args())
    except Exception as e:  # no chromium: the browser rows are skipped
        print(f"no browser ({e}): browser measurements skipped")
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=100)
    parser.add_argument("--list", type=int, default=10000)
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=0, help="jobs at once (default: CPUs)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        browser = launch_browser(playwright)
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()
        fill_index(data_dir, args.list)
        proc, url = start_server(data_dir, args.workers)
        try:
            print(f"ewoks serve at {url}, data in {data_dir}")
            bench_job_list(url, data_dir, args.list)
            bench_latency(url, data_dir, browser, args.events)
            bench_submissions(url, args.jobs)
            if browser is not None:
                bench_big_graph(url, browser, args.nodes)
        finally:
            stop_server(proc)
            if browser is not None:
                browser.close()
    width = max(len(r[0]) for r in ROWS)
    print(f"\n{'measure'.ljust(width)}  value  |  baseline  |  target")
    for what, value, baseline, target in ROWS:
        print(f"{what.ljust(width)}  {value}" + (f"  |  {baseline}" if baseline else "") +
              (f"  |  {target}" if target else ""))


if __name__ == "__main__":
    main()
