// Start a saved workflow from a form generated from its unset inputs (typed from the task declarations).
"use strict";

(() => {
  const { api, el } = ewoks;
  const params = new URLSearchParams(location.search);
  const workflow = params.get("workflow");

  async function listWorkflows() {
    const section = document.querySelector("#workflows");
    const data = await api("/api/workflows/descriptions");
    const rows = data.items.map((item) => el("tr", {},
      el("td", {}, el("a", { href: "start.html?workflow=" + encodeURIComponent(item.id), text: item.id })),
      el("td", { text: item.label || "" }), el("td", { text: item.category || "" })));
    section.querySelector("tbody").replaceChildren(...rows);
    if (!rows.length) section.querySelector("tbody").append(el("tr", {}, el("td", { colspan: 3, class: "muted",
      text: "No saved workflows: save one with POST /api/workflows." })));
    section.hidden = false;
  }

  function input(field, id) {
    const value = field.value;
    if (field.enum) {
      return el("select", { id }, el("option", { value: "", text: "" }),
        field.enum.map((v) => el("option", { value: JSON.stringify(v), text: String(v), selected: v === value })));
    }
    if (field.type === "boolean") {
      return el("select", { id }, el("option", { value: "", text: "" }),
        el("option", { value: "true", text: "true", selected: value === true }),
        el("option", { value: "false", text: "false", selected: value === false }));
    }
    const text = value === null || value === undefined ? "" : (typeof value === "string" ? value : JSON.stringify(value));
    if (field.type === "integer" || field.type === "number") {
      return el("input", { id, type: "number", step: field.type === "integer" ? "1" : "any", value: text });
    }
    if (field.type === "string") return el("input", { id, type: "text", value: text, size: 50 });
    return el("textarea", { id, rows: 1, placeholder: "JSON or text" }, text);
  }

  function parse(field, raw) {
    if (field.type === "string") return raw;
    try { return JSON.parse(raw); } catch (e) { return raw; }
  }

  async function showForm() {
    const [data, info] = await Promise.all([api(`/api/workflow/${encodeURIComponent(workflow)}/inputs`),
                                             api("/api/info")]);
    document.querySelector("#title").textContent = `Start ${data.label} (${data.identifier})`;
    const box = document.querySelector("#fields");
    const byNode = new Map();
    data.fields.forEach((field, i) => {
      field.element = "f" + i;
      if (!byNode.has(field.node_label)) byNode.set(field.node_label, []);
      byNode.get(field.node_label).push(field);
    });
    for (const [node, fields] of byNode) {
      const row = (field) => el("div", { class: "field", "data-node": field.node_label, "data-name": String(field.name) },
        el("label", { for: field.element, title: field.description || "" }, String(field.name), " ",
          field.required ? el("span", { class: "req", text: "*" }) : null,
          el("span", { class: "muted", text: ` ${field.type}` })),
        input(field, field.element));
      const shown = fields.filter((f) => f.required || f.has_default);
      const more = fields.filter((f) => !(f.required || f.has_default));
      box.append(el("div", { class: "node-group", "data-group": node },
        el("strong", { text: fields[0].label }),
        fields[0].label !== node ? el("span", { class: "muted", text: ` (${node})` }) : null,
        shown.map(row),
        more.length ? el("details", {}, el("summary", { class: "muted",
          text: `${more.length} more optional input${more.length > 1 ? "s" : ""}` }), more.map(row)) : null));
    }
    const engine = document.querySelector("#engine");
    for (const name of info.engines || ["sequential"]) {
      engine.append(el("option", { value: name, text: name, selected: name === "sequential" }));
    }
    document.querySelector("#form").addEventListener("submit", (event) => { event.preventDefault(); submit(data.fields); });
    document.querySelector("#start").hidden = false;
  }

  async function submit(fields) {
    const inputs = [];
    for (const field of fields) {
      const raw = document.getElementById(field.element).value;
      if (raw === "") {
        if (field.required) return ewoks.showError("#error", new Error(`${field.node_label}: ${field.name} is required`));
        continue;
      }
      const value = parse(field, raw);
      if (field.has_default && JSON.stringify(value) === JSON.stringify(field.value)) continue;
      inputs.push({ id: field.node, name: field.name, value });
    }
    const button = document.querySelector("#submit");
    button.disabled = true;
    try {
      const engine = document.querySelector("#engine").value;
      const job = await api(`/api/execute/${encodeURIComponent(workflow)}`, {
        method: "POST", body: { execute_arguments: { inputs, engine } } });
      location.href = "job.html?id=" + job.job_id;
    } catch (error) {
      ewoks.showError("#error", error);
      button.disabled = false;
    }
  }

  ewoks.header("Start a workflow");
  (workflow ? showForm() : listWorkflows()).catch((error) => ewoks.showError("#error", error));
})();
