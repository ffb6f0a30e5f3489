// The workflow graph of a job (cytoscape.js + dagre layout), with node states updated live.
//
// Large graphs stay usable: the layout runs once (and again only when a sub-workflow is expanded
// or collapsed), state changes only touch the data of the changed nodes, batched once per animation
// frame; sub-workflows (node ids "sub/x") are groups, collapsed into one node when the graph has more
// than COLLAPSE_ABOVE nodes (click a group to expand or collapse it).
"use strict";

const GraphView = (() => {
  const COLLAPSE_ABOVE = 150;
  const COLORS = { pending: "#b8bec6", running: "#2f7fe0", done: "#2e9d57", failed: "#d23c3c",
                   cancelled: "#d98a1c", skipped: "#eceef1" };
  const STYLE = [
    { selector: "node", style: {
      "label": "data(display)", "text-valign": "center", "text-halign": "center", "text-wrap": "wrap",
      "font-size": 11, "width": "data(w)", "height": "data(h)", "shape": "round-rectangle",
      "background-color": COLORS.pending, "color": "#fff", "text-outline-width": 0, "border-width": 1,
      "border-color": "#ffffff" } },
    ...Object.entries(COLORS).map(([state, color]) => ({ selector: `node[state="${state}"]`,
      style: { "background-color": color } })),
    { selector: 'node[state="skipped"]', style: { "color": "#66707c", "border-style": "dashed", "border-color": "#9aa3ad" } },
    { selector: 'node[state="pending"]', style: { "color": "#1d232b" } },
    { selector: "node.group-collapsed", style: { "shape": "round-rectangle", "border-width": 3,
      "border-style": "double", "border-color": "#55606c" } },
    { selector: ":parent", style: { "background-color": "#f1f3f6", "background-opacity": 1, "border-color": "#c3c9d1",
      "border-width": 1, "label": "data(display)", "text-valign": "top", "text-halign": "center", "color": "#55606c",
      "font-size": 11, "padding": "12px" } },
    { selector: "node:selected", style: { "border-width": 3, "border-color": "#1d2733" } },
    { selector: "edge", style: { "width": 1.5, "line-color": "#9aa3ad", "target-arrow-color": "#9aa3ad",
      "target-arrow-shape": "triangle", "curve-style": "bezier", "arrow-scale": 0.8 } },
    { selector: 'edge[kind="conditional"]', style: { "line-style": "dashed" } },
    { selector: 'edge[kind="error"]', style: { "line-color": COLORS.failed, "target-arrow-color": COLORS.failed,
      "line-style": "dotted" } },
  ];

  function sized(data) {  // node size from its label (cheaper than style functions on large graphs)
    const lines = String(data.display || "").split("\n");
    data.w = Math.max(36, 16 + 6.6 * Math.max(...lines.map((l) => l.length)));
    data.h = 14 + 14 * lines.length;
    return data;
  }

  function aggregate(states) {
    if (states.includes("failed")) return "failed";
    if (states.includes("running")) return "running";
    if (states.includes("cancelled")) return "cancelled";
    if (states.every((s) => s === "done" || s === "skipped")) return states.includes("done") ? "done" : "skipped";
    return states.includes("done") ? "running" : "pending";
  }

  function create(container, graph, onSelect) {
    const nodes = new Map(graph.nodes.map((n) => [n.id, { ...n, state: "pending", progress: null }]));
    const groups = new Map();
    for (const n of graph.nodes) {
      n.groups.forEach((g, i) => {
        if (!groups.has(g)) groups.set(g, { id: g, parent: i ? n.groups[i - 1] : null, members: [], collapsed: false });
        groups.get(g).members.push(n.id);
      });
    }
    if (graph.nodes.length > COLLAPSE_ABOVE) for (const g of groups.values()) g.collapsed = true;
    const dirty = new Set();
    let frame = null;

    function hiddenGroup(path) {  // the outermost collapsed group of a path of groups, or null
      for (const g of path) if (groups.get(g).collapsed) return g;
      return null;
    }
    function representative(nodeId) {
      const g = hiddenGroup(nodes.get(nodeId).groups);
      return g === null ? nodeId : "g:" + g;
    }
    function groupPath(g) {
      const path = [];
      for (let cur = groups.get(g); cur; cur = cur.parent ? groups.get(cur.parent) : null) path.unshift(cur.id);
      return path;
    }
    function nodeData(n) {
      const display = n.state === "running" && n.progress !== null ? `${n.label}\n${Math.round(n.progress)}%` : n.label;
      return sized({ id: n.id, display, state: n.state, kind: "node" });
    }
    function groupData(g) {
      const states = g.members.map((id) => nodes.get(id).state);
      const done = states.filter((s) => s === "done").length;
      const label = g.id.split("/").pop();
      return sized({ id: "g:" + g.id, display: g.collapsed ? `${label}\n${done}/${states.length}` : label,
                     state: g.collapsed ? aggregate(states) : undefined, kind: "group" });
    }

    function elements() {
      const els = [];
      for (const g of groups.values()) {
        const path = groupPath(g.id);
        const outer = hiddenGroup(path.slice(0, -1));
        if (outer !== null) continue;  // inside a collapsed group
        const data = groupData(g);
        if (g.parent) data.parent = "g:" + g.parent;
        els.push({ group: "nodes", data, classes: g.collapsed ? "group-collapsed" : "group" });
      }
      for (const n of nodes.values()) {
        if (representative(n.id) !== n.id) continue;
        const data = nodeData(n);
        if (n.groups.length) data.parent = "g:" + n.groups[n.groups.length - 1];
        els.push({ group: "nodes", data });
      }
      const seen = new Set();
      graph.links.forEach((link, i) => {
        const source = representative(link.source), target = representative(link.target);
        const key = source + "\u0000" + target;
        if ((source === target && source.startsWith("g:")) || seen.has(key)) return;
        seen.add(key);
        els.push({ group: "edges", data: { id: "e" + i, source, target, kind: link.kind } });
      });
      return els;
    }

    const tInit = performance.now();
    const large = graph.nodes.length > 300;
    const cy = cytoscape({ container, style: STYLE, elements: elements(), minZoom: 0.02, maxZoom: 3,
                           boxSelectionEnabled: false, hideEdgesOnViewport: large, textureOnViewport: large,
                           pixelRatio: large ? 1 : "auto" });

    function direction() {  // left to right, unless the graph is much wider than deep (fan-outs)
      const next = new Map(), indegree = new Map();
      cy.nodes().forEach((n) => { next.set(n.id(), []); indegree.set(n.id(), 0); });
      cy.edges().forEach((e) => {
        if (e.source().isParent() || e.target().isParent()) return;
        next.get(e.source().id()).push(e.target().id());
        indegree.set(e.target().id(), indegree.get(e.target().id()) + 1);
      });
      let level = [...indegree].filter(([, d]) => d === 0).map(([id]) => id);
      const seen = new Set(level);
      let depth = 0, breadth = 0;
      while (level.length) {
        depth += 1;
        breadth = Math.max(breadth, level.length);
        const following = [];
        for (const id of level) for (const t of next.get(id)) if (!seen.has(t)) { seen.add(t); following.push(t); }
        level = following;
      }
      return breadth > 2.5 * depth ? "TB" : "LR";
    }
    function layout(focus = null) {
      const t0 = performance.now();
      cy.layout({ name: "dagre", rankDir: direction(), nodeSep: 14, rankSep: 42, edgeSep: 6, animate: false,
                  fit: true, padding: 20 }).run();
      const target = focus === null ? cy.collection() : cy.getElementById(focus);
      if (!target.empty()) {  // an expanded group, readable: its start, at least at zoom 0.8
        cy.fit(target, 60);
        if (cy.zoom() < 0.8) {
          const box = target.boundingBox();
          cy.zoom(0.8);
          cy.pan({ x: 40 - box.x1 * 0.8, y: cy.height() / 2 - ((box.y1 + box.y2) / 2) * 0.8 });
        }
      }
      if (cy.zoom() > 1.4) {  // a small graph: readable size, centred
        cy.zoom(1.4);
        cy.center();
      }
      view.layoutMs = performance.now() - t0;
    }

    function flush() {
      frame = null;
      cy.batch(() => {
        for (const id of dirty) {
          const ele = cy.getElementById(id);
          if (ele.empty()) continue;
          ele.data(id.startsWith("g:") ? groupData(groups.get(id.slice(2))) : nodeData(nodes.get(id)));
        }
      });
      dirty.clear();
    }
    function touch(nodeId) {
      dirty.add(representative(nodeId));
      for (const g of nodes.get(nodeId).groups) dirty.add("g:" + g);
      if (frame === null) frame = requestAnimationFrame(flush);
    }

    cy.on("tap", "node", (event) => {
      const id = event.target.id();
      if (id.startsWith("g:")) {
        const g = groups.get(id.slice(2));
        if (event.target.isParent() || g.collapsed) {
          g.collapsed = !g.collapsed;
          cy.json({ elements: elements() });
          layout(g.collapsed ? null : id);  // an expanded group is shown up close
        }
        return;
      }
      onSelect(id);
    });

    const view = {
      cy, layoutMs: 0,
      setState(nodeId, state, progress = null) {
        const n = nodes.get(nodeId);
        if (!n) return;
        n.state = state;
        n.progress = progress;
        touch(nodeId);
      },
      state(nodeId) { return nodes.get(nodeId) ? nodes.get(nodeId).state : null; },
      counts() {
        const counts = {};
        for (const n of nodes.values()) counts[n.state] = (counts[n.state] || 0) + 1;
        return counts;
      },
      toggleGroup(groupId) { cy.getElementById("g:" + groupId).emit("tap"); },
      states() { return Object.fromEntries([...nodes.values()].map((n) => [n.id, n.state])); },
      // the colour the node is drawn with (its group's when collapsed)
      color(nodeId) { flush(); return cy.getElementById(representative(nodeId)).style("background-color"); },
      finish(jobState) {  // nodes that never ran
        for (const n of nodes.values()) {
          if (n.state === "pending") view.setState(n.id, "skipped");
          else if (n.state === "running" && jobState !== "running") view.setState(n.id, jobState === "cancelled" ? "cancelled" : "failed");
        }
      },
      select(nodeId) { cy.$(":selected").unselect(); cy.getElementById(representative(nodeId)).select(); },
    };
    view.initMs = performance.now() - tInit;
    layout();
    return view;
  }

  return { create, COLORS };
})();
