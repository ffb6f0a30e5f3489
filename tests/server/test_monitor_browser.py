"""The web monitor in a real browser (Debian's Chromium driven by Playwright): the live job list, the
demo workflow started from its form with every node turning done, its pattern plot, cancelling a job."""

from __future__ import annotations

import re
from typing import Any, Iterator

import pytest
from _server_support import make_config, workflow_doc
from test_api_jobs import SLEEP

from ewoks_server.testing import serve_in_thread

httpx = pytest.importorskip("httpx")
pytest.importorskip("pytest_playwright", reason="browser tests need pytest-playwright")
pytest.importorskip("pyFAI", reason="the demo workflow needs ewoks_core[xrpd]")

DONE, RUNNING, CANCELLED = "rgb(46,157,87)", "rgb(47,127,224)", "rgb(217,138,28)"
XRPD_NODES = ["gen", "geometry", "integrate", "save", "xy", "plot"]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server on a free loopback port (uvicorn in a thread) with the XRPD demo workflow saved."""
    config = make_config(tmp_path_factory.mktemp("monitor") / "data")
    with serve_in_thread(config) as url:
        assert httpx.post(url + "/api/workflows", json=workflow_doc("xrpd_powder.json")).status_code == 200
        yield url


def node_color(page: Any, node: str) -> str:
    return page.evaluate("id => window.ewoksMonitor.graph.color(id)", node).replace(" ", "")


def click_node(page: Any, node: str) -> None:
    """A real mouse click on the node drawn in the graph's canvas."""
    box = page.locator("#graph").bounding_box()
    position = page.evaluate("id => window.ewoksMonitor.graph.cy.getElementById(id).renderedPosition()", node)
    page.mouse.click(box["x"] + position["x"], box["y"] + position["y"])


def test_job_list_updates_live(page: Any, live: str) -> None:
    page.goto(live + "/monitor/")
    page.wait_for_selector("#states .chip")
    job_id = httpx.post(live + "/api/jobs", json={"graph": workflow_doc("demo.yaml")}).json()["job_id"]
    page.wait_for_selector(f'#jobs tr[data-job="{job_id}"][data-state="success"]', timeout=30000)  # no reload
    page.click('#states .chip[data-filter="failed"]')
    page.wait_for_selector(f'#jobs tr[data-job="{job_id}"]', state="detached")
    page.click('#states .chip[data-filter="failed"]')
    page.click(f'#jobs tr[data-job="{job_id}"] a')
    page.wait_for_selector('#state [data-state="success"]')
    page.wait_for_selector("#results-panel", state="visible")
    assert page.locator("#results").inner_text().strip().startswith("{")


def test_start_the_demo_from_its_form_watch_it_and_open_the_plot(page: Any, live: str) -> None:
    page.goto(live + "/monitor/start.html")
    page.click("text=xrpd_powder")
    nframes = page.locator('[data-node="gen"][data-name="nframes"] input')
    assert nframes.input_value() == "20" and page.locator("#engine").input_value() == "sequential"
    nframes.fill("3")
    page.click("#submit")
    page.wait_for_url(re.compile(r"job\.html\?id="))
    page.wait_for_function("window.ewoksMonitor.graph !== null")
    # what the graph shows, sampled while the job runs: nodes must turn done one after the other
    page.evaluate("""() => { window.seen = []; const ids = %s;
        window.sampler = setInterval(() => window.seen.push(ids.map((id) => window.ewoksMonitor.graph.color(id))), 40);
    }""" % XRPD_NODES)
    page.wait_for_function(f"""() => {XRPD_NODES}.every(
        (id) => window.ewoksMonitor.graph.color(id).replace(/ /g, '') === '{DONE}')""", timeout=120000)
    seen = page.evaluate("() => { clearInterval(window.sampler); return window.seen; }")
    assert any(DONE in [c.replace(" ", "") for c in colors] and len(set(colors)) > 1 for colors in seen), \
        "the nodes did not change colour while the job ran"
    assert all(node_color(page, node) == DONE for node in XRPD_NODES)
    page.wait_for_selector('#state [data-state="success"]')

    click_node(page, "plot")
    page.wait_for_selector('#node-body[data-node="plot"]')
    assert page.locator('#node-body .values[data-values="outputs"] tr[data-name="png_path"]').count() == 1
    link = page.locator('#node-body a[data-kind="image"]')
    with page.expect_popup() as popup:
        link.click()
    plot = popup.value
    plot.wait_for_load_state()
    assert plot.url.endswith("_integrated.png")
    response = httpx.get(plot.url)
    assert response.headers["content-type"] == "image/png" and response.content[:4] == b"\x89PNG"
    assert page.locator('#node-body img[alt$="_integrated.png"]').evaluate("img => img.naturalWidth") > 100


def test_cancel_a_sleeping_job(page: Any, live: str) -> None:
    job_id = httpx.post(live + "/api/jobs", json={"graph": SLEEP}).json()["job_id"]
    page.goto(f"{live}/monitor/job.html?id={job_id}")
    page.wait_for_function(f"window.ewoksMonitor.graph && window.ewoksMonitor.graph.color('nap')"
                           f".replace(/ /g, '') === '{RUNNING}'", timeout=30000)
    page.click("#cancel")
    page.wait_for_selector('#state [data-state="cancelled"]', timeout=20000)
    page.wait_for_function("window.ewoksMonitor.ended === true")
    assert node_color(page, "nap") == CANCELLED
    assert page.locator("#cancel").is_hidden() and page.locator("#rerun-all").is_visible()
    assert "request to the API" in page.locator("#error-kv").inner_text()
