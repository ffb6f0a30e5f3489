// Shared by the monitor's pages: API calls (with the optional token), formatting, the header.
"use strict";

const ewoks = (() => {
  const TOKEN_KEY = "ewoks-token";

  function token() {
    return sessionStorage.getItem(TOKEN_KEY) || "";
  }

  async function api(path, options = {}) {
    const headers = Object.assign({}, options.headers || {});
    if (options.body !== undefined && typeof options.body !== "string") {
      headers["Content-Type"] = "application/json";
      options = Object.assign({}, options, { body: JSON.stringify(options.body) });
    }
    if (token()) headers["Authorization"] = "Bearer " + token();
    const response = await fetch(path, Object.assign({}, options, { headers }));
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    if (response.status === 401) {
      const given = window.prompt("This server needs a token to make changes:");
      if (given) {
        sessionStorage.setItem(TOKEN_KEY, given.trim());
        return api(path, options);
      }
    }
    if (!response.ok) {
      const message = (data && (data.message || JSON.stringify(data.detail))) || response.statusText;
      const error = new Error(message);
      error.status = response.status;
      error.data = data;
      throw error;
    }
    return data;
  }

  function parseTime(value) {
    if (value === null || value === undefined) return null;
    if (typeof value === "number") return value * 1000;
    const t = Date.parse(value);
    return isNaN(t) ? null : t;
  }

  function formatTime(value) {
    const t = parseTime(value);
    if (t === null) return "";
    const d = new Date(t);
    const pad = (n, w = 2) => String(n).padStart(w, "0");
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
      `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  }

  function formatDuration(seconds) {
    if (seconds === null || seconds === undefined) return "";
    if (seconds < 10) return seconds.toFixed(2) + " s";
    if (seconds < 60) return seconds.toFixed(1) + " s";
    const m = Math.floor(seconds / 60), s = Math.floor(seconds % 60);
    if (m < 60) return `${m} min ${String(s).padStart(2, "0")} s`;
    return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`;
  }

  // duration of a job row (live for running jobs)
  function jobDuration(job) {
    if (!job.started) return null;
    const end = job.finished || Date.now() / 1000;
    return Math.max(0, end - job.started);
  }

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function badge(state) {
    return el("span", { class: "badge state-" + state, "data-state": state, text: state });
  }

  function showError(where, error) {
    const box = document.querySelector(where);
    if (!box) return;
    box.textContent = error ? (error.message || String(error)) : "";
    box.hidden = !error;
  }

  function header(active) {
    const nav = document.querySelector("header nav");
    if (!nav) return;
    const links = [["Jobs", "./"], ["Start a workflow", "start.html"], ["API", "/docs"]];
    for (const [label, href] of links) {
      nav.append(el("a", { href, class: label === active ? "active" : null, text: label }));
    }
  }

  return { api, token, parseTime, formatTime, formatDuration, jobDuration, el, badge, showError, header };
})();
