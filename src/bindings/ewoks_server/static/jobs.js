// The job list: filters, pages of 50, live state changes (server-sent events), ticking durations.
"use strict";

(() => {
  const { api, el, badge, formatTime, formatDuration, jobDuration } = ewoks;
  const STATES = ["queued", "running", "success", "failed", "cancelled"];
  const PAGE = 50;
  const view = { states: new Set(), workflow: "", since: "", until: "", offset: 0, total: 0, rows: new Map() };
  let refetch = null;

  function query() {
    const params = new URLSearchParams({ limit: PAGE, offset: view.offset });
    for (const s of view.states) params.append("state", s);
    if (view.workflow) params.set("workflow", view.workflow);
    if (view.since) params.set("since", view.since + "T00:00:00");
    if (view.until) params.set("until", view.until + "T23:59:59.999");
    return params;
  }

  function matches(job) {
    return (!view.states.size || view.states.has(job.state)) && (!view.workflow || job.workflow_id === view.workflow);
  }

  function row(job) {
    return el("tr", { "data-job": job.job_id, "data-state": job.state },
      el("td", { class: "mono" }, el("a", { href: "job.html?id=" + job.job_id, text: job.job_id.slice(0, 12) })),
      el("td", { text: job.label ? `${job.workflow_id} (${job.label})` : job.workflow_id }),
      el("td", {}, badge(job.state)),
      el("td", { text: job.engine || "" }),
      el("td", { text: formatTime(job.submitted) }),
      el("td", { class: "duration", text: formatDuration(jobDuration(job)) }),
      el("td", { text: job.n_nodes ?? "" }),
      el("td", { class: "muted", text: (job.message || "").slice(0, 140),
                 title: job.parent_job_id ? `re-run (${job.rerun}) of ${job.parent_job_id}` : null }));
  }

  async function load() {
    try {
      const data = await api("/api/jobs?" + query());
      view.total = data.total;
      view.rows = new Map(data.jobs.map((job) => [job.job_id, job]));
      const body = document.querySelector("#jobs tbody");
      body.replaceChildren(...data.jobs.map(row));
      if (!data.jobs.length) body.append(el("tr", {}, el("td", { colspan: 8, class: "muted", text: "No jobs." })));
      document.querySelector("#count").textContent =
        data.total ? `${view.offset + 1}-${view.offset + data.jobs.length} of ${data.total}` : "";
      document.querySelector("#prev").disabled = view.offset === 0;
      document.querySelector("#next").disabled = view.offset + PAGE >= data.total;
      renderStates(data.counts || {});
      ewoks.showError("#error", null);
    } catch (error) {
      ewoks.showError("#error", error);
    }
  }

  function renderStates(counts) {
    const box = document.querySelector("#states");
    box.replaceChildren(...STATES.map((state) => el("span", {
      class: "chip" + (view.states.has(state) ? " on" : ""), "data-filter": state,
      onclick: () => { view.states.has(state) ? view.states.delete(state) : view.states.add(state); view.offset = 0; load(); },
    }, `${state} ${counts[state] || 0}`)));
  }

  async function loadWorkflows() {
    const select = document.querySelector("#workflow");
    const data = await api("/api/jobs/workflows");
    for (const id of data.workflows) if (![...select.options].some((o) => o.value === id)) select.append(el("option", { value: id, text: id }));
  }

  function scheduleReload() {
    if (refetch) return;
    refetch = setTimeout(() => { refetch = null; load(); }, 300);
  }

  function follow() {
    const source = new EventSource("/api/jobs/stream");
    source.addEventListener("job", (message) => {
      const job = JSON.parse(message.data);
      const current = document.querySelector(`#jobs tr[data-job="${job.job_id}"]`);
      if (current && matches(job)) {
        view.rows.set(job.job_id, job);
        current.replaceWith(row(job));
      } else if (current || (view.offset === 0 && matches(job))) {
        scheduleReload();  // a new job, or one leaving the filter: the page and the counts change
      }
    });
    source.onopen = () => { document.querySelector("#live").textContent = "live"; };
    source.onerror = () => { document.querySelector("#live").textContent = "reconnecting..."; };
  }

  function tick() {
    for (const [id, job] of view.rows) {
      if (job.state !== "running") continue;
      const cell = document.querySelector(`#jobs tr[data-job="${id}"] .duration`);
      if (cell) cell.textContent = formatDuration(jobDuration(job));
    }
  }

  ewoks.header("Jobs");
  document.querySelector("#workflow").addEventListener("change", (e) => { view.workflow = e.target.value; view.offset = 0; load(); });
  document.querySelector("#since").addEventListener("change", (e) => { view.since = e.target.value; view.offset = 0; load(); });
  document.querySelector("#until").addEventListener("change", (e) => { view.until = e.target.value; view.offset = 0; load(); });
  document.querySelector("#prev").addEventListener("click", () => { view.offset = Math.max(0, view.offset - PAGE); load(); });
  document.querySelector("#next").addEventListener("click", () => { view.offset += PAGE; load(); });
  load().then(loadWorkflows);
  follow();
  setInterval(tick, 1000);
})();
