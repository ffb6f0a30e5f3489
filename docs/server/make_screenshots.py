"""Screenshots of the web monitor for docs/server.md, taken in Debian's Chromium with Playwright.

    python docs/server/make_screenshots.py [--out docs/server]

Starts a server in this process on a free loopback port with a temporary data folder, runs the
demo jobs the pages show (the XRPD workflow started from its form, a failed job, a cancelled job,
a 1,000-node workflow made of 40 sub-workflows) and writes:

    job-list.png  start-form.png  job-running.png  job-plot.png  job-cancelled.png  job-large.png
    job-large-expanded.png
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any, Dict

import httpx

ROOT = Path(__file__).resolve().parents[2]
VIEWPORT = {"width": 1360, "height": 860}
DONE = "rgb(46,157,87)"


def stage(n: int = 25) -> Dict[str, Any]:
    """A chain of n nodes, saved as the workflow 'scan_stage' and used as a sub-workflow."""
    nodes = [{"id": f"step{i}", "task_identifier": "ewoks_core.testing.tasks.Noop"} for i in range(n)]
    links = [{"source": f"step{i}", "target": f"step{i + 1}"} for i in range(n - 1)]
    return {"graph": {"id": "scan_stage", "input_nodes": [{"id": "in", "node": "step0"}],
                      "output_nodes": [{"id": "out", "node": f"step{n - 1}"}]}, "nodes": nodes, "links": links}


def campaign(chains: int = 8, length: int = 5) -> Dict[str, Any]:
    """prepare -> `chains` chains of `length` sub-workflows -> merge (40 x 25 + 2 = 1002 nodes)."""
    nodes = [{"id": "prepare", "task_identifier": "ewoks_core.testing.tasks.Noop"},
             {"id": "merge", "task_identifier": "ewoks_core.testing.tasks.Noop"}]
    links = []
    for c in range(chains):
        for k in range(length):
            nodes.append({"id": f"scan{c}_{k}", "task_type": "graph", "task_identifier": "scan_stage"})
            if k == 0:
                links.append({"source": "prepare", "target": f"scan{c}_0", "sub_target": "in"})
            else:
                links.append({"source": f"scan{c}_{k - 1}", "target": f"scan{c}_{k}", "sub_source": "out",
                              "sub_target": "in"})
        links.append({"source": f"scan{c}_{length - 1}", "target": "merge", "sub_source": "out"})
    return {"graph": {"id": "campaign", "label": "40 scans of 25 steps"}, "nodes": nodes, "links": links}


def wait_job(url: str, job_id: str) -> Dict[str, Any]:
    while True:
        job = httpx.get(f"{url}/api/jobs/{job_id}", timeout=30).json()
        if job["state"] in ("success", "failed", "cancelled"):
            return job
        time.sleep(0.1)


def shoot(out: Path) -> None:
    from playwright.sync_api import sync_playwright

    from ewoks_server.config import ServerConfig
    from ewoks_server.testing import chromium_launch_args, serve_in_thread

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, serve_in_thread(ServerConfig(data_dir=tmp, workers=2)) as url, \
            sync_playwright() as playwright:
        api = httpx.Client(base_url=url, timeout=60)
        api.post("/api/workflows", json=json.loads((ROOT / "workflows" / "xrpd_powder.json").read_text()))
        api.post("/api/workflows", json=stage())
        import yaml

        demo = yaml.safe_load((ROOT / "workflows" / "demo.yaml").read_text())
        for a in (1, 2, 3):
            wait_job(url, api.post("/api/jobs", json={"graph": demo, "inputs": [{"name": "a", "value": a}]})
                     .json()["job_id"])
        failing = {"graph": {"id": "failing", "label": "a task that raises"}, "links": [], "nodes": [
            {"id": "boom", "task_identifier": "ewoks_core.testing.tasks.Fail"}]}
        wait_job(url, api.post("/api/jobs", json={"graph": failing}).json()["job_id"])

        browser = playwright.chromium.launch(**chromium_launch_args())
        page = browser.new_page(viewport=VIEWPORT)

        page.goto(url + "/monitor/start.html?workflow=xrpd_powder")
        page.wait_for_selector('[data-node="gen"][data-name="nframes"] input')
        page.fill('[data-node="gen"][data-name="nframes"] input', "6")
        page.locator("#start details").first.evaluate("d => d.open = true")
        page.screenshot(path=str(out / "start-form.png"))
        page.click("#submit")
        page.wait_for_url("**/job.html?id=*")
        page.wait_for_function(f"""() => window.ewoksMonitor.graph &&
            window.ewoksMonitor.graph.color('geometry').replace(/ /g, '') === '{DONE}' &&
            window.ewoksMonitor.graph.state('integrate') === 'running'""", timeout=120000)
        page.wait_for_timeout(400)
        page.screenshot(path=str(out / "job-running.png"))
        page.wait_for_function("window.ewoksMonitor.ended === true", timeout=120000)
        box = page.locator("#graph").bounding_box()
        position = page.evaluate("() => window.ewoksMonitor.graph.cy.getElementById('plot').renderedPosition()")
        page.mouse.click(box["x"] + position["x"], box["y"] + position["y"])
        page.wait_for_selector('#node-body[data-node="plot"] img')
        page.wait_for_timeout(600)
        page.screenshot(path=str(out / "job-plot.png"))

        sleepy = {"graph": {"id": "sleepy", "label": "a long task"}, "links": [], "nodes": [
            {"id": "nap", "task_identifier": "ewoks_core.testing.tasks.Sleep",
             "default_inputs": [{"name": "seconds", "value": 600}]}]}
        job_id = api.post("/api/jobs", json={"graph": sleepy}).json()["job_id"]
        page.goto(f"{url}/monitor/job.html?id={job_id}")
        page.wait_for_function("window.ewoksMonitor.graph && window.ewoksMonitor.graph.state('nap') === 'running'")
        page.click("#cancel")
        page.wait_for_function("window.ewoksMonitor.ended === true")
        page.wait_for_timeout(300)
        page.screenshot(path=str(out / "job-cancelled.png"))

        job_id = api.post("/api/jobs", json={"graph": campaign()}).json()["job_id"]
        wait_job(url, job_id)
        page.goto(f"{url}/monitor/job.html?id={job_id}")
        page.wait_for_function("window.ewoksMonitor.ended === true", timeout=120000)
        page.wait_for_timeout(300)
        page.screenshot(path=str(out / "job-large.png"))
        page.evaluate("() => window.ewoksMonitor.graph.toggleGroup('scan2_1')")
        page.wait_for_timeout(500)
        page.screenshot(path=str(out / "job-large-expanded.png"))

        page.goto(url + "/monitor/")
        page.wait_for_selector("#jobs tbody tr[data-job]")
        page.wait_for_timeout(300)
        page.screenshot(path=str(out / "job-list.png"))
        browser.close()
    for name in sorted(p.name for p in out.glob("*.png")):
        print(out / name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent), help="folder for the PNG files")
    shoot(Path(parser.parse_args().out))


if __name__ == "__main__":
    main()
