// One job: live graph, events, node details, results or error, cancel and re-run.
"use strict";

(() => {
  const { api, el, badge, formatTime, formatDuration, jobDuration } = ewoks;
  const FINAL = ["success", "failed", "cancelled"];
  const MAX_EVENT_ROWS = 500;  // the table shows the newest ones; all are kept for the node panel
  const jobId = new URLSearchParams(location.search).get("id");
  const page = { job: null, graph: null, events: [], selected: null, nodeTimer: null, source: null };
  window.ewoksMonitor = page;  // for the browser tests and the curious

  // --- header, buttons, error, results
  function renderJob(job) {
    page.job = job;
    document.title = `ewoks: ${job.workflow_id} ${job.state}`;
    document.querySelector("#title").textContent = job.label ? `${job.label}` : job.workflow_id;
    document.querySelector("#state").replaceChildren(badge(job.state));
    document.querySelector("#summary").textContent =
      `${job.workflow_id} · job ${job.job_id} · ${job.engine || ""} · ${job.n_nodes} nodes`;
    renderTiming();
    document.querySelector("#cancel").hidden = FINAL.includes(job.state);
    document.querySelector("#rerun-all").hidden = !FINAL.includes(job.state);
    const rerunFailed = document.querySelector("#rerun-failed");
    rerunFailed.hidden = !["failed", "cancelled"].includes(job.state);
    rerunFailed.textContent = job.state === "cancelled" ? "Re-run from where it stopped" : "Re-run from the failed node";
    const parent = document.querySelector("#parent");
    parent.replaceChildren();
    if (job.parent_job_id) {
      parent.append(`re-run (${job.rerun === "failed" ? "from the failed node" : "whole"}) of job `,
        el("a", { href: "job.html?id=" + job.parent_job_id, text: job.parent_job_id }));
    }
  }

  function renderTiming() {
    const job = page.job;
    if (!job) return;
    const parts = [`submitted ${formatTime(job.submitted)}`];
    const d = jobDuration(job);
    if (d !== null) parts.push(`${FINAL.includes(job.state) ? "ran" : "running for"} ${formatDuration(d)}`);
    document.querySelector("#timing").textContent = parts.join(" · ");
  }

  function renderOutcome(job) {
    const error = job.error;
    const box = document.querySelector("#job-error");
    box.hidden = !error || job.state === "success";
    if (error) {
      const kv = document.querySelector("#error-kv");
      kv.replaceChildren();
      for (const key of ["node", "task", "type", "message", "field"]) {
        if (error[key]) kv.append(el("dt", { text: key }), el("dd", { text: error[key] }));
      }
      document.querySelector("#traceback").textContent = error.traceback || "";
    }
    const panel = document.querySelector("#results-panel");
    panel.hidden = job.state !== "success";
    if (job.state === "success") {
      document.querySelector("#results").textContent = JSON.stringify(job.results, null, 2);
      document.querySelector("#result-files").replaceChildren(...fileLinks(job.files || []));
    }
  }

  function fileLinks(files) {
    return files.map((f) => el("div", { class: "file" },
      el("a", { href: f.url, target: "_blank", "data-kind": f.kind, text: f.name }),
      f.kind === "image" ? el("div", {}, el("img", { src: f.url, alt: f.name, loading: "lazy" })) : null));
  }

  async function refreshJob() {
    const job = await api(`/api/jobs/${jobId}`);
    renderJob(job);
    renderOutcome(job);
    if (FINAL.includes(job.state)) page.graph.finish(job.state);
    scheduleCounts();
  }

  // --- events
  function onEvent(event) {
    page.events.push(event);
    if (event.context === "node" && event.node_id !== null) {
      if (event.type === "start") page.graph.setState(event.node_id, "running");
      else if (event.type === "progress") page.graph.setState(event.node_id, "running", event.progress);
      else if (event.type === "end") page.graph.setState(event.node_id, endState(event));
      if (event.node_id === page.selected && event.type !== "progress") scheduleNodeRefresh();
    }
    appendEventRow(event);
    scheduleCounts();
  }

  function scheduleCounts() {
    if (page.countsFrame) return;
    page.countsFrame = requestAnimationFrame(() => {
      page.countsFrame = null;
      const counts = page.graph.counts();
      const order = ["done", "running", "failed", "cancelled", "pending", "skipped"];
      document.querySelector("#node-counts").textContent =
        "nodes: " + order.filter((s) => counts[s]).map((s) => `${counts[s]} ${s}`).join(", ");
    });
  }

  function endState(event) {
    if (!event.error) return "done";
    return (event.error_message || "").startsWith("WorkflowCancelled") ? "cancelled" : "failed";
  }

  function appendEventRow(event) {
    const body = document.querySelector("#events tbody");
    body.append(el("tr", { "data-id": event.id },
      el("td", { class: "mono", text: event.id }), el("td", { class: "mono", text: (event.time || "").slice(11, 23) }),
      el("td", { text: event.context }), el("td", { text: event.node_id || "" }), el("td", { text: event.type }),
      el("td", { text: event.progress === null || event.progress === undefined ? "" : Math.round(event.progress) + "%" }),
      el("td", { class: "muted", text: event.error_message || (event.error ? "failed" : "") })));
    while (body.children.length > MAX_EVENT_ROWS) body.firstChild.remove();
    document.querySelector("#event-count").textContent = `(${page.events.length})`;
  }

  function follow() {
    const source = new EventSource(`/api/jobs/${jobId}/stream`);
    page.source = source;
    source.onmessage = (message) => onEvent(JSON.parse(message.data));
    source.addEventListener("state", (message) => {
      const job = JSON.parse(message.data);
      renderJob(Object.assign({}, page.job || {}, job));
    });
    source.addEventListener("end", () => {
      source.close();
      page.ended = true;
      refreshJob().catch((error) => ewoks.showError("#error", error));
    });
  }

  // --- node details
  function valueCell(value) {
    if (value && typeof value === "object" && value.__array__) {
      const a = value.__array__;
      const stats = a.min !== undefined ? ` min ${fmt(a.min)} max ${fmt(a.max)} mean ${fmt(a.mean)} std ${fmt(a.std)}` : "";
      return el("span", { class: "array mono", text: `array ${a.dtype} [${a.shape.join(" × ")}]${stats}` +
        (a.values ? ` = ${JSON.stringify(a.values)}` : "") });
    }
    const text = typeof value === "string" ? value : JSON.stringify(value, null, 1);
    return el("span", { class: "mono", text: text === undefined ? "" : text });
  }
  const fmt = (x) => (typeof x === "number" ? Number(x.toPrecision(4)) : x);

  function valuesTable(title, values) {
    if (!values || typeof values !== "object" || !Object.keys(values).length) return null;
    return el("div", {}, el("h3", { text: title, style: "font-size:13px;margin:10px 0 4px" }),
      el("table", { class: "values", "data-values": title },
        Object.entries(values).map(([name, value]) => el("tr", { "data-name": name },
          el("td", { text: name }), el("td", {}, valueCell(value))))));
  }

  async function showNode(nodeId) {
    page.selected = nodeId;
    page.graph.select(nodeId);
    document.querySelector("#node-hint").hidden = true;
    document.querySelector("#node-title").textContent = `Node ${nodeId}`;
    try {
      const node = await api(`/api/jobs/${jobId}/nodes/${nodeId.split("/").map(encodeURIComponent).join("/")}`);
      if (page.selected !== nodeId) return;
      const body = document.querySelector("#node-body");
      body.replaceChildren(
        el("dl", { class: "kv" }, el("dt", { text: "state" }), el("dd", {}, badge(node.state)),
          el("dt", { text: "task" }), el("dd", { class: "mono", text: node.task_id || "" }),
          el("dt", { text: "runs" }), el("dd", { text: node.runs })),
        node.files.length ? el("div", { class: "files" }, el("h3", { text: "files", style: "font-size:13px;margin:10px 0 4px" }),
          fileLinks(node.files)) : null,
        valuesTable("inputs", node.inputs),
        valuesTable("outputs", node.outputs),
        el("h3", { text: "events", style: "font-size:13px;margin:10px 0 4px" }),
        el("table", {}, node.events.map((e) => el("tr", {},
          el("td", { class: "mono", text: (e.time || "").slice(11, 23) }), el("td", { text: e.type }),
          el("td", { class: "muted", text: e.progress !== null && e.progress !== undefined ? Math.round(e.progress) + "%" : (e.error_message || "") }))))
      );
      body.dataset.node = nodeId;
    } catch (error) {
      ewoks.showError("#error", error);
    }
  }

  function scheduleNodeRefresh() {
    clearTimeout(page.nodeTimer);
    page.nodeTimer = setTimeout(() => page.selected && showNode(page.selected), 200);
  }

  // --- actions
  async function action(path, body) {
    try {
      return await api(path, { method: "POST", body: body || {} });
    } catch (error) {
      ewoks.showError("#error", error);
      return null;
    }
  }

  function legend() {
    const box = document.querySelector("#legend");
    for (const [state, color] of Object.entries(GraphView.COLORS)) {
      box.append(el("span", {}, el("i", { style: `background:${color}` }), state));
    }
    box.append(el("span", { text: "· click a node for details, a group to expand or collapse it" }));
  }

  async function main() {
    ewoks.header("Jobs");
    legend();
    const [job, graph] = await Promise.all([api(`/api/jobs/${jobId}`), api(`/api/jobs/${jobId}/graph`)]);
    renderJob(job);
    renderOutcome(job);
    page.graph = GraphView.create(document.querySelector("#graph"), graph, showNode);
    scheduleCounts();
    follow();
    document.querySelector("#cancel").addEventListener("click", async () => {
      const job = await action(`/api/jobs/${jobId}/cancel`);
      if (job) renderJob(job);
    });
    document.querySelector("#rerun-all").addEventListener("click", async () => {
      const job = await action(`/api/jobs/${jobId}/rerun`, { mode: "all" });
      if (job) location.href = "job.html?id=" + job.job_id;
    });
    document.querySelector("#rerun-failed").addEventListener("click", async () => {
      const job = await action(`/api/jobs/${jobId}/rerun`, { mode: "failed" });
      if (job) location.href = "job.html?id=" + job.job_id;
    });
    setInterval(renderTiming, 1000);
  }

  main().catch((error) => ewoks.showError("#error", error));
})();
