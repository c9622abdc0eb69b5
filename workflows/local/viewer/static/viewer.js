// The saas-workflows execution viewer: machines, their graphs, executions and what each state did.
// Plain DOM, no dependencies, no network beyond the page's own API (or the data embedded in a report).
"use strict";
(function () {
  const SVG = "http://www.w3.org/2000/svg";
  const OUTCOMES = ["failed", "running", "caught", "retried", "succeeded"];
  const LABELS = { failed: "failed", running: "running", caught: "caught", retried: "retried",
    succeeded: "succeeded", none: "not reached", child: "in the Map Run's child executions" };
  const embedded = document.getElementById("viewer-data");
  const REPORT = embedded ? JSON.parse(embedded.textContent) : null;
  const app = document.getElementById("app");
  const live = document.getElementById("live");
  let timer = null;
  let lastText = "";
  const ui = { state: null, iteration: "", failedOnly: false, visits: 20, events: 200, filter: "" };

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else if (k === "class") el.className = v;
      else el.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }
  function s(tag, attrs, ...children) {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined) el.setAttribute(k, v);
    for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return el;
  }
  function seconds(value) {
    if (value === null || value === undefined) return "–";
    return value < 1 ? `${Math.round(value * 1000)} ms` : value < 120 ? `${value.toFixed(2)} s` : `${(value / 60).toFixed(1)} min`;
  }
  function when(iso) { return iso ? new Date(iso).toLocaleString() : "–"; }
  function badge(status) { return h("span", { class: `badge b-${status}` }, LABELS[status] || status); }
  function worst(counts) {
    if (!counts) return "none";
    for (const o of OUTCOMES) if (counts[o]) return o;
    return "none";
  }
  function parseMaybe(text) {
    if (typeof text !== "string") return { ok: true, value: text };
    try { return { ok: true, value: JSON.parse(text) }; } catch (e) { return { ok: false, value: text }; }
  }

  // -- collapsible JSON -----------------------------------------------------------------------------
  const CHUNK = 100;
  function jsonValue(value, key, depth) {
    const label = key === null ? null : h("span", { class: "k" }, JSON.stringify(key) + ": ");
    if (value === null || typeof value !== "object") {
      const cls = value === null ? "z" : typeof value === "string" ? "s" : typeof value === "number" ? "n" : "b";
      return h("div", { class: "row" }, label, h("span", { class: cls }, JSON.stringify(value)));
    }
    const isArray = Array.isArray(value);
    const keys = isArray ? null : Object.keys(value);
    const size = isArray ? value.length : keys.length;
    const summary = h("summary", {}, label, isArray ? "[" : "{",
      h("span", { class: "hint" }, ` ${size} ${isArray ? (size === 1 ? "item" : "items") : (size === 1 ? "key" : "keys")} `),
      isArray ? "]" : "}");
    const box = h("details", depth < 3 && size <= 50 ? { open: true } : {}, summary);
    let shown = 0;
    function more() {
      const end = Math.min(size, shown + CHUNK);
      for (let i = shown; i < end; i++) box.append(isArray ? jsonValue(value[i], i, depth + 1) : jsonValue(value[keys[i]], keys[i], depth + 1));
      shown = end;
      if (shown < size) {
        const button = h("button", { class: "row", onclick: () => { button.remove(); more(); } }, `show ${Math.min(CHUNK, size - shown)} more of ${size - shown}`);
        box.append(button);
      }
    }
    if (box.open) more();
    else box.addEventListener("toggle", function once() { if (box.open && shown === 0) more(); });
    return box;
  }
  function json(text, title) {
    const parsed = parseMaybe(text);
    const body = parsed.ok ? jsonValue(parsed.value, null, 0) : h("div", { class: "s" }, String(parsed.value));
    return h("div", { class: "json", "aria-label": title || "JSON" }, body);
  }

  // -- the graph as SVG -----------------------------------------------------------------------------
  function drawGraph(graph, view, selected, onSelect) {
    const states = view ? view.states : {};
    const iterations = view ? view.iterations : {};
    const taken = new Set(view ? view.taken.map((t) => t[0] + "\u0000" + t[1]) : []);
    const boxes = {};
    const nodeLayer = s("g", {});
    const edgeLayer = s("g", {});
    function level(g, ox, oy) {
      for (const node of g.nodes) {
        const x = ox + node.x, y = oy + node.y;
        boxes[node.id] = { x, y, w: node.w, h: node.h };
        const counts = states[node.id];
        const inRun = view && !counts && Object.entries(iterations).some(([p, it]) => it.mapRun && node.id.startsWith(p + "/"));
        const outcome = inRun ? "child" : view ? worst(counts) : "none";
        const total = counts ? Object.values(counts).reduce((a, b) => a + b, 0) : 0;
        const group = s("g", { class: `node o-${view ? outcome : "plain"}${node.inner ? " container" : ""}${selected === node.id ? " sel" : ""}`,
          tabindex: "0", role: "button", "data-state": node.id, "data-outcome": outcome,
          "aria-label": `${node.name} (${node.type})${view ? ": " + LABELS[outcome] + (total > 1 ? `, ${total} visits` : "") : ""}` });
        group.append(s("rect", { class: "box", x, y, width: node.w, height: node.h, rx: node.inner ? 8 : 6 }));
        group.append(s("text", { x: x + 10, y: y + 17 }, node.name));
        group.append(s("text", { class: "type", x: x + 10, y: y + 31 }, node.inner ? `${node.type}` : node.type));
        if (view && counts) {
          const parts = OUTCOMES.filter((o) => counts[o]).map((o) => `${counts[o]} ${LABELS[o]}`);
          const it = iterations[node.id];
          let text = parts.join(" · ");
          if (it) text = `${it.length} iteration${it.length === 1 ? "" : "s"}: ` + Object.entries(it.counts).map(([k, v]) => `${v} ${k}`).join(" · ");
          if (it || node.inner) group.append(s("text", { class: "counts", x: x + node.w - 8, y: y + 17, "text-anchor": "end" }, text));
          else if (total > 1) group.append(s("text", { class: "counts", x: x + node.w - 6, y: y + node.h - 6, "text-anchor": "end" }, `×${total}`));
        }
        group.addEventListener("click", () => onSelect(node.id));
        group.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); onSelect(node.id); } });
        nodeLayer.append(group);
        for (const inner of node.inner || []) {
          const ix = x + inner.x, iy = y + inner.y;
          nodeLayer.append(s("rect", { class: "lane", x: ix, y: iy, width: inner.w, height: inner.h, rx: 6 }));
          nodeLayer.append(s("text", { class: "type", x: ix + 6, y: iy + 12 }, inner.title));
          level(inner, ix, iy);
        }
      }
      const startBox = boxes[g.start];
      if (startBox) {
        const cx = startBox.x + startBox.w / 2, cy = startBox.y - 16;
        const went = view && states[g.start];
        edgeLayer.append(s("circle", { class: `start${went ? " taken" : ""}`, cx, cy, r: 5 }));
        edgeLayer.append(s("path", { class: `edge${went ? " taken" : ""}`, d: `M${cx},${cy + 5} L${cx},${startBox.y}` }));
      }
      const labelled = {};
      for (const e of g.edges) {
        const a = boxes[e.from], b = boxes[e.to];
        if (!a || !b) continue;
        let d, lx, ly;
        if (e.back) {
          const x1 = a.x + a.w, y1 = a.y + a.h / 2, x2 = b.x + b.w, y2 = b.y + b.h / 2;
          const bulge = Math.max(x1, x2) + 40;
          d = `M${x1},${y1} C${bulge},${y1} ${bulge},${y2} ${x2},${y2}`;
          lx = bulge - 10; ly = (y1 + y2) / 2;
        } else {
          const x1 = a.x + a.w / 2, y1 = a.y + a.h, x2 = b.x + b.w / 2, y2 = b.y;
          const my = (y1 + y2) / 2;
          d = `M${x1},${y1} C${x1},${my} ${x2},${my} ${x2},${y2}`;
          labelled[e.from] = (labelled[e.from] || 0) + (e.label ? 1 : 0);
          lx = (x1 + x2) / 2 + 4; ly = y1 + 2 + 11 * labelled[e.from];  // staggered: edges from one state part
        }
        const on = taken.has(e.from + "\u0000" + e.to);
        edgeLayer.append(s("path", { class: `edge ${e.kind}${on ? " taken" : ""}`, d, "data-from": e.from, "data-to": e.to }));
        if (e.label) {
          const label = s("text", { class: "elabel", x: lx, y: ly }, e.label.length > 32 ? e.label.slice(0, 31) + "…" : e.label);
          label.append(s("title", {}, e.label));
          edgeLayer.append(label);
        }
      }
    }
    level(graph, 0, 0);
    const svg = s("svg", { width: graph.w + 160, height: graph.h, viewBox: `0 0 ${graph.w + 160} ${graph.h}`, role: "group",
      "aria-label": "state graph" });
    svg.append(edgeLayer, nodeLayer);
    return svg;
  }
  function legend() {
    const colors = { succeeded: "var(--ok)", failed: "var(--fail)", caught: "var(--caught)", retried: "var(--retry)",
      running: "var(--run)", none: "var(--none)" };
    return h("div", { class: "legend", "aria-hidden": "true" },
      Object.entries(colors).map(([k, c]) => h("span", { style: `--c:${c}` }, LABELS[k])));
  }

  // -- data -----------------------------------------------------------------------------------------
  async function api(path) {
    const response = await fetch(path, { cache: "no-store" });
    const body = await response.json();
    if (!response.ok) throw new Error(body.error || response.statusText);
    return body;
  }
  function poll(ms, fn) { clearTimeout(timer); timer = setTimeout(fn, ms); }
  function show(...nodes) { app.replaceChildren(...nodes.filter((n) => n !== null && n !== undefined && n !== false)); }
  function failure(error) { show(h("div", { class: "err", role: "alert" }, h("div", { class: "name" }, "Cannot load"), h("div", { class: "cause" }, String(error.message || error)))); }

  // -- pages ----------------------------------------------------------------------------------------
  // an answer that arrives after the user moved to another page is dropped (each route has its own token)
  let token = 0;
  async function machinesPage(refresh, mine = token) {
    const data = await api("api/machines");
    if (mine !== token) return;
    const text = JSON.stringify(data);
    if (refresh && text === lastText) return poll(2000, () => machinesPage(true, mine).catch(failure));
    lastText = text;
    document.title = "Machines · saas-workflows";
    const rows = data.machines.map((m) => h("tr", {},
      h("td", {}, h("a", { href: `#/machine/${encodeURIComponent(m.name)}` }, m.name)),
      h("td", {}, m.type), h("td", {}, m.queryLanguage), h("td", { class: "num" }, m.stateCount),
      h("td", { class: "num" }, m.executions)));
    const focused = document.activeElement && document.activeElement.getAttribute("href");
    show(h("h1", {}, "State machines"),
      h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "name"), h("th", {}, "type"), h("th", {}, "query language"),
        h("th", { class: "num" }, "states"), h("th", { class: "num" }, "executions"))), h("tbody", {}, rows)));
    if (focused) { const again = app.querySelector(`a[href="${CSS.escape(focused)}"]`); if (again) again.focus(); }
    live.textContent = "live · updates every 2 s";
    poll(2000, () => machinesPage(true, mine).catch(failure));
  }

  function executionRows(executions, hrefOf) {
    return h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "execution"), h("th", {}, "status"), h("th", {}, "started"),
      h("th", { class: "num" }, "wall"), h("th", { class: "num" }, "virtual"))),
    h("tbody", {}, executions.map((e, i) => h("tr", {},
      h("td", {}, h("a", { href: hrefOf(e, i) }, e.name || e.arn)), h("td", {}, badge(e.status)), h("td", {}, when(e.startDate)),
      h("td", { class: "num" }, seconds(e.wallSeconds)), h("td", { class: "num" }, seconds(e.virtualSeconds))))));
  }

  async function machinePage(name, refresh, mine = token) {
    const m = await api(`api/machine?name=${encodeURIComponent(name)}`);
    if (mine !== token) return;
    const text = JSON.stringify(m);
    if (refresh && text === lastText) return poll(2000, () => machinePage(name, true, mine).catch(failure));
    lastText = text;
    document.title = `${m.name} · saas-workflows`;
    const focused = document.activeElement && document.activeElement.getAttribute("href");
    show(h("p", {}, h("a", { href: "#/" }, "← all machines")), h("h1", {}, m.name),
      h("div", { class: "meta" }, h("span", {}, m.type), h("span", {}, m.queryLanguage), h("span", {}, `${m.stateCount} states`),
        h("span", {}, `${m.executions.length} executions`)),
      h("div", { class: "layout" },
        h("section", {}, h("h2", {}, "Graph"), h("div", { class: "graph" }, drawGraph(m.graph, null, null, () => {}))),
        h("section", {}, h("h2", {}, "Executions, newest first"),
          m.executions.length ? executionRows(m.executions, (e) => `#/execution/${encodeURIComponent(e.arn)}`) : h("p", { class: "muted" }, "none yet"))));
    if (focused) { const again = app.querySelector(`a[href="${CSS.escape(focused)}"]`); if (again) again.focus(); }
    live.textContent = "live · updates every 2 s";
    poll(2000, () => machinePage(name, true, mine).catch(failure));
  }

  function firstInterest(view) {
    const bad = (o, task) => view.visits.find((v) => v.outcome === o && (!task || v.task));
    const failedVisit = bad("failed", true) || bad("caught", true) || bad("failed") || bad("caught");
    if (failedVisit) return view.paths[failedVisit.state] || failedVisit.state;
    const last = view.visits[view.visits.length - 1];
    return last ? view.paths[last.state] || last.state : view.graph.start;
  }

  function visitNode(v) {
    const where = v.iteration.length ? v.iteration.map((f) => `${f[0]}[${f[1]}]`).join(" ") : "";
    const parts = [h("div", { class: "head" }, badge(v.outcome), h("strong", {}, v.state), where && h("span", { class: "muted" }, `iteration ${where}`),
      h("span", { class: "muted" }, `events ${v.entered}–${v.exited ?? "…"}`))];
    if (v.task) {
      const t = v.task;
      parts.push(h("div", { class: "call", "data-call": `${t.resourceType}:${t.resource}` },
        h("dl", { class: "kv" },
          h("dt", {}, "service call"), h("dd", {}, h("code", {}, `${t.resourceType}:${t.resource}`), t.attempts > 1 ? ` · ${t.attempts} attempts` : ""),
          h("dt", {}, "as role"), h("dd", { class: "role" }, t.role || "the execution role")),
        t.parameters !== undefined && t.parameters !== null ? h("div", {}, h("h3", {}, "parameters"), json(t.parameters, "parameters")) : null));
    }
    if (v.error !== undefined || v.cause !== undefined) {
      parts.push(h("div", { class: "err" }, h("div", { class: "name" }, v.error || "(no error name)"), h("div", { class: "cause" }, v.cause || "")));
    }
    parts.push(h("h3", {}, "input"), json(v.input, "input"));
    if (v.exited !== null && v.exited !== undefined) parts.push(h("h3", {}, "output"), json(v.output, "output"));
    return h("article", { class: "visit", "data-visit": v.i, "data-outcome": v.outcome }, parts);
  }

  function statePanel(view, rerender) {
    const id = ui.state;
    const node = view.nodes[id];
    if (!node) return h("div", { class: "panel" }, h("p", { class: "muted" }, "Choose a state in the graph (Tab, then Enter)."));
    const name = node.name;
    const it = view.iterations[id];
    const inMap = Object.keys(view.iterations).find((m) => id.startsWith(m + "/"));
    let visits = view.visits.filter((v) => v.state === name);
    const children = [h("h2", {}, `${name} `, h("span", { class: "muted" }, node.type)),
      h("div", { class: "meta" }, OUTCOMES.filter((o) => (view.states[id] || {})[o]).map((o) => h("span", {}, badge(o), ` ${view.states[id][o]}`)),
        view.states[id] ? null : h("span", {}, badge("none"), " this execution never entered it"))];
    if (it) {
      children.push(h("h3", {}, `${it.length} iterations`), h("div", { class: "meta" }, Object.entries(it.counts).map(([k, v]) => h("span", {}, `${v} ${k}`))));
      if (it.mapRun) children.push(h("p", { class: "muted" }, "A Distributed Map: its iterations ran as child executions of the Map Run ", h("code", {}, it.mapRun), ", counted here; their states are not in this execution's history."));
      const grid = h("div", { class: "iters", role: "group", "aria-label": "iterations" });
      const entries = Object.entries(it.status);
      for (const [key, status] of entries) {
        const index = key.split(",").pop().split(":").pop();
        grid.append(h("button", { class: status, title: `iteration ${index}: ${status}`, "aria-label": `iteration ${index} ${status}`,
          "aria-pressed": ui.iteration === key ? "true" : "false",
          onclick: () => { ui.iteration = ui.iteration === key ? "" : key; ui.visits = 20; rerender(); } }));
      }
      // one tab stop for the whole grid; arrow keys, Home and End move between iterations
      const buttons = [...grid.children];
      const current = Math.max(0, entries.findIndex(([key]) => key === ui.iteration));
      buttons.forEach((b, i) => b.setAttribute("tabindex", i === current ? "0" : "-1"));
      grid.addEventListener("keydown", (e) => {
        const at = buttons.indexOf(document.activeElement);
        if (at < 0) return;
        const perRow = Math.max(1, Math.round(grid.clientWidth / 16));
        const to = { ArrowRight: at + 1, ArrowLeft: at - 1, ArrowDown: at + perRow, ArrowUp: at - perRow, Home: 0,
          End: buttons.length - 1 }[e.key];
        if (to === undefined) return;
        e.preventDefault();
        const next = buttons[Math.min(buttons.length - 1, Math.max(0, to))];
        buttons[at].setAttribute("tabindex", "-1");
        next.setAttribute("tabindex", "0");
        next.focus();
      });
      children.push(grid);
      if (ui.iteration) {
        const frames = ui.iteration.split(",");
        visits = view.visits.filter((v) => v.iteration.map((f) => `${f[0]}:${f[1]}`).join(",") === ui.iteration);
        children.push(h("p", {}, `Iteration ${frames[frames.length - 1].split(":").pop()}: the states it entered`, " ",
          h("button", { onclick: () => { ui.iteration = ""; rerender(); } }, "show the Map state itself")));
      }
    } else if (inMap) {
      const filter = h("input", { type: "number", min: 0, placeholder: "any", value: ui.iterationIndex ?? "", "aria-label": "iteration index",
        onchange: (e) => { ui.iterationIndex = e.target.value; ui.visits = 20; rerender(); } });
      children.push(h("div", { class: "filter" }, h("label", {}, "iteration ", filter),
        h("label", {}, h("input", { type: "checkbox", checked: ui.failedOnly, onchange: (e) => { ui.failedOnly = e.target.checked; ui.visits = 20; rerender(); } }), " not succeeded only")));
      if (ui.iterationIndex !== undefined && ui.iterationIndex !== "") visits = visits.filter((v) => v.iteration.length && String(v.iteration[v.iteration.length - 1][1]) === String(ui.iterationIndex));
      if (ui.failedOnly) visits = visits.filter((v) => v.outcome !== "succeeded");
    }
    const shown = visits.slice(0, ui.visits);
    children.push(...shown.map(visitNode));
    if (visits.length > shown.length) children.push(h("button", { onclick: () => { ui.visits += 20; rerender(); } }, `show 20 more of ${visits.length - shown.length}`));
    return h("div", { class: "panel", "aria-live": "polite" }, children);
  }

  function timeline(view, rerender) {
    const needle = ui.filter.toLowerCase();
    const rows = needle ? view.timeline.filter((r) => (r[2] + " " + r[3] + " " + r[4]).toLowerCase().includes(needle)) : view.timeline;
    const shown = rows.slice(0, ui.events);
    const input = h("input", { type: "search", placeholder: "filter: type, state or Map[3]", value: ui.filter, "aria-label": "filter events",
      onchange: (e) => { ui.filter = e.target.value; ui.events = 200; rerender("#events-filter"); } });
    input.id = "events-filter";
    return h("section", {}, h("h2", {}, `Timeline · ${view.timeline.length} events`), h("div", { class: "filter" }, input),
      h("table", { class: "timeline" }, h("thead", {}, h("tr", {}, h("th", { class: "num" }, "#"), h("th", { class: "num" }, "+ms"), h("th", {}, "event"), h("th", {}, "state"), h("th", {}, "iteration"))),
        h("tbody", {}, shown.map((r) => h("tr", { class: /Failed|TimedOut|Aborted/.test(r[2]) ? "fail" : "" },
          h("td", { class: "num" }, r[0]), h("td", { class: "num" }, r[1] ?? ""), h("td", {}, r[2]),
          h("td", {}, r[3] ? h("a", { href: "#", onclick: (e) => { e.preventDefault(); const p = view.paths[r[3]]; if (p) { ui.state = p; ui.iteration = ""; rerender(); } } }, r[3]) : ""), h("td", {}, r[4]))))),
      rows.length > shown.length ? h("button", { onclick: () => { ui.events += 500; rerender(); } }, `show 500 more of ${rows.length - shown.length}`) : null);
  }

  function indexNodes(view) {
    view.nodes = {};
    view.paths = {};
    (function walk(g) {
      for (const n of g.nodes) {
        view.nodes[n.id] = n;
        if (!(n.name in view.paths)) view.paths[n.name] = n.id;
        for (const inner of n.inner || []) walk(inner);
      }
    })(view.graph);
  }

  function zoomButton(rerender) {
    return h("button", { "aria-pressed": ui.fit ? "true" : "false", onclick: () => { ui.fit = !ui.fit; rerender(); } },
      ui.fit ? "actual size" : "fit to width");
  }
  function graphBox(svg) {
    if (ui.fit) { svg.style.width = "100%"; svg.style.height = "auto"; }
    const box = h("div", { class: "graph" }, svg);
    requestAnimationFrame(() => {  // bring the chosen state into view in a graph wider or taller than its box
      const chosen = box.querySelector(".node.sel");
      if (!chosen || ui.fit) return;
      const b = chosen.getBBox();
      box.scrollLeft = Math.max(0, b.x + b.width / 2 - box.clientWidth / 2);
      box.scrollTop = Math.max(0, b.y + b.height / 2 - box.clientHeight / 2);
    });
    return box;
  }

  function copyButton(text) {
    const status = h("span", { class: "muted", "aria-live": "polite" });
    const code = h("code", { tabindex: "0", "aria-label": "replay command" }, text);
    const button = h("button", { onclick: async () => {
      try { await navigator.clipboard.writeText(text); status.textContent = "copied"; }
      catch (e) { const range = document.createRange(); range.selectNodeContents(code); const sel = getSelection(); sel.removeAllRanges(); sel.addRange(range); status.textContent = "selected: press Ctrl+C"; }
    } }, "Copy replay command");
    return h("div", { class: "replay" }, button, code, status);
  }

  function renderExecution(view, back) {
    indexNodes(view);
    if (!ui.state || !view.nodes[ui.state]) ui.state = firstInterest(view);
    const rerender = (focusSelector) => {
      const keep = document.activeElement;
      const keepState = keep && keep.getAttribute && keep.getAttribute("data-state");
      renderExecution(view, back);
      const target = focusSelector ? app.querySelector(focusSelector) : keepState ? app.querySelector(`[data-state="${CSS.escape(keepState)}"]`) : null;
      if (target) target.focus();
    };
    const select = (id) => { ui.state = id; ui.iteration = ""; ui.iterationIndex = ""; ui.visits = 20; rerender(); };
    document.title = `${view.machine} · ${view.status}`;
    const errorBox = view.error || view.cause ? h("div", { class: "err", role: "alert" }, h("div", { class: "name" }, view.error || ""), h("div", { class: "cause" }, view.cause || "")) : null;
    show(back,
      h("h1", {}, `${view.machine} `, badge(view.status)),
      h("div", { class: "meta" }, h("span", {}, `execution ${view.name || view.arn || ""}`), h("span", {}, `started ${when(view.startDate)}`),
        h("span", {}, `wall ${seconds(view.wallSeconds)}`), h("span", {}, `virtual ${seconds(view.virtualSeconds)}`),
        h("span", {}, `${view.visits.length} states entered`), view.machineType && h("span", {}, view.machineType)),
      errorBox, copyButton(view.replay),
      h("div", { class: "layout" },
        h("section", {}, h("h2", {}, "Graph ", zoomButton(rerender)), legend(), graphBox(drawGraph(view.graph, view, ui.state, select)),
          h("h2", {}, "Execution input"), json(view.input, "execution input"),
          view.output !== null && view.output !== undefined ? h("div", {}, h("h2", {}, "Execution output"), json(view.output, "execution output")) : null),
        h("section", {}, statePanel(view, rerender))),
      timeline(view, rerender));
  }

  async function executionPage(arn, refresh, mine = token) {
    const view = await api(`api/execution?arn=${encodeURIComponent(arn)}`);
    if (mine !== token) return;
    const text = JSON.stringify(view);
    if (!refresh || text !== lastText) {
      lastText = text;
      const keep = document.activeElement && document.activeElement.getAttribute && document.activeElement.getAttribute("data-state");
      const back = h("p", {}, h("a", { href: `#/machine/${encodeURIComponent(view.machine)}` }, `← ${view.machine}`));
      renderExecution(view, back);
      if (keep) { const again = app.querySelector(`[data-state="${CSS.escape(keep)}"]`); if (again) again.focus(); }
    }
    if (view.status === "RUNNING") { live.textContent = "running · updates every second"; poll(1000, () => executionPage(arn, true, mine).catch(failure)); }
    else live.textContent = "";
  }

  // -- a static report (the pytest plugin's) --------------------------------------------------------
  function reportIndex() {
    document.title = REPORT.title;
    show(h("h1", {}, REPORT.title), REPORT.subtitle ? h("p", { class: "muted" }, REPORT.subtitle) : null,
      REPORT.executions.length ? executionRows(REPORT.executions, (e, i) => `#/execution/${i}`) : h("p", {}, "This test ran no execution."));
  }

  function route() {
    token += 1;
    clearTimeout(timer);
    lastText = "";
    live.textContent = "";
    const hash = decodeURIComponent(location.hash.replace(/^#\/?/, ""));
    const [kind, ...rest] = hash.split("/");
    const arg = rest.join("/");
    const previous = ui.route;
    ui.route = hash;
    if (previous !== hash) Object.assign(ui, { state: null, iteration: "", iterationIndex: "", failedOnly: false, visits: 20, events: 200, filter: "" });
    if (REPORT) {
      if (kind === "execution" && REPORT.executions[Number(arg)]) {
        const back = h("p", {}, h("a", { href: "#/" }, `← ${REPORT.title}`));
        return renderExecution(REPORT.executions[Number(arg)], back);
      }
      return REPORT.executions.length === 1 && !hash ? renderExecution(REPORT.executions[0], h("p", {}, h("a", { href: "#/list" }, `← ${REPORT.title}`))) : reportIndex();
    }
    const page = kind === "machine" ? machinePage(arg) : kind === "execution" ? executionPage(arg) : machinesPage();
    page.catch(failure);
  }
  window.addEventListener("hashchange", route);
  route();
})();
