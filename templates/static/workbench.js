/* reportgen index workbench: pick columns, tick runs to overlay their curves, and keep all of it
   (with the search) in the page's URL so a link restores the view. Without JavaScript the index
   is the plain table. Curves come from each run's overlay.js (reportgen/site/overlay_data.py),
   loaded on demand with a <script> tag: fetch() is forbidden from file://, a script is not.
   Runs share a panel only when comparable (reportgen/figures/comparability.py): same task and
   loss kind, same x unit; otherwise each comparable set gets its own panel and the page says why. */
(function () {
  "use strict";
  var table = document.getElementById("runs-table");
  var box = document.getElementById("workbench");
  var dataEl = document.getElementById("workbench-data");
  if (!table || !box || !dataEl) return;
  var form = document.getElementById("runs-filters");
  var search = document.getElementById("runs-search");
  var picker = document.getElementById("column-picker");
  var metricSel = document.getElementById("workbench-metric");
  var note = document.getElementById("workbench-note");
  var panelsEl = document.getElementById("workbench-panels");
  var linkEl = document.getElementById("workbench-link");
  var board = window.reportgenLeaderboard || { refresh: function () {}, sortable: function () {} };
  var data = JSON.parse(dataEl.textContent);
  var columns = {};
  data.columns.forEach(function (c) { columns[c.id] = c; });
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var rowOf = {};
  // the column table lists runs in the order the page was built in (before any sort)
  var order = new Map();
  rows.forEach(function (r, i) { rowOf[r.getAttribute("data-run")] = r; order.set(r, i); });
  var DASHES = [[8, 4], [2, 3], [12, 4, 2, 4], [4, 4], [1, 6], [16, 6]];
  var ROLE_LABEL = { val_loss: "validation loss", train_loss: "train loss", val_acc: "validation accuracy" };
  var loaded = {};   // run name -> its overlay payload
  var pending = {};  // run name -> true while its script loads
  var failed = {};   // run name -> true when its script could not load
  var ticked = [];   // run names, in the order ticked
  var charts = [];   // {title, unit, names, chart}
  var wanted = "";   // the curve the reader chose (or a link named), kept while its runs load

  // ------------------------------------------------------------------ URL state

  // The view lives in the query string (?q=...&cols=...&runs=...&curve=...); run names and
  // column ids may hold any character, so each list is JSON (URL-encoded by URLSearchParams).
  function readState() {
    var params = new URLSearchParams(location.search);
    function list(key) {
      try { var v = JSON.parse(params.get(key) || "null"); return Array.isArray(v) ? v.map(String) : null; }
      catch (e) { return null; }
    }
    return { q: params.get("q") || "", cols: list("cols"), runs: list("runs") || [], curve: params.get("curve") || "" };
  }

  function currentCols() {
    return Array.prototype.filter.call(picker ? picker.querySelectorAll("input[name=col]") : [], function (b) { return b.checked; })
      .map(function (b) { return b.value; });
  }

  function writeState() {
    var params = new URLSearchParams(location.search);
    ["q", "cols", "runs", "curve"].forEach(function (k) { params.delete(k); });
    var q = search ? search.value.trim() : "";
    if (q) params.set("q", q);
    var cols = currentCols();
    if (cols.length) params.set("cols", JSON.stringify(cols));
    if (ticked.length) params.set("runs", JSON.stringify(ticked));
    if (ticked.length && wanted) params.set("curve", wanted);
    var text = params.toString();
    var url = location.pathname + (text ? "?" + text : "") + location.hash;
    linkEl.setAttribute("href", "?" + text + location.hash);
    try { history.replaceState(history.state, "", url); } catch (e) { /* the link above still carries it */ }
  }

  // ------------------------------------------------------------------ columns

  function cellText(c, v) {
    // a metric a run does not log reads as a dash, not as a blank that looks like "loading"
    if (v === null || v === undefined) return c.group === "metric" ? "—" : "";
    if (c.group === "hparam") return String(v);
    return formatNumber(v);
  }

  function formatNumber(v) {
    if (v === null || v === undefined || !isFinite(v)) return "—";
    var a = Math.abs(v);
    if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(3);
    return String(Number(v.toPrecision(4)));
  }

  function headOf(id) {
    return table.tHead.querySelector('th[data-col="' + cssEscape(id) + '"]');
  }

  function cssEscape(s) {
    return window.CSS && CSS.escape ? CSS.escape(s) : s.replace(/["\\]/g, "\\$&");
  }

  function addColumn(id) {
    var c = columns[id], values = data.values[id];
    if (!c || !values) return;
    var th = document.createElement("th");
    th.scope = "col";
    th.setAttribute("data-col", id);
    th.setAttribute("data-sort", c.sort);
    if (c.sort === "num") th.className = "num";
    th.textContent = c.label;
    table.tHead.rows[0].appendChild(th);
    board.sortable(th);
    rows.forEach(function (row) {
      var v = values[order.get(row)];
      var td = document.createElement("td");
      if (c.sort === "num") td.className = "num";
      var num = typeof v === "number" ? v : null;
      td.setAttribute("data-value", num === null || num === undefined ? "" : String(num));
      td.textContent = cellText(c, v);
      row.appendChild(td);
    });
  }

  function showColumn(id, on) {
    var th = headOf(id);
    if (!th && on) { addColumn(id); th = headOf(id); }
    if (!th) return;
    var col = Array.prototype.indexOf.call(table.tHead.rows[0].cells, th);
    th.hidden = !on;
    rows.forEach(function (row) { if (row.cells[col]) row.cells[col].hidden = !on; });
  }

  function applyCols(cols) {
    var want = {};
    cols.forEach(function (id) { want[id] = true; });
    Array.prototype.forEach.call(picker.querySelectorAll("input[name=col]"), function (b) {
      b.checked = !!want[b.value];
      showColumn(b.value, b.checked);
    });
  }

  // ------------------------------------------------------------------ ticks and data

  function addTicks() {
    rows.forEach(function (row) {
      var name = row.getAttribute("data-run");
      var label = document.createElement("label");
      label.className = "pick";
      var box = document.createElement("input");
      box.type = "checkbox";
      box.value = name;
      // an aria-label, not hidden text: the cell's text stays the run's name (sorting, copying)
      box.setAttribute("aria-label", "Overlay " + name);
      label.appendChild(box);
      row.cells[0].insertBefore(label, row.cells[0].firstChild);
      box.addEventListener("change", function () {
        var at = ticked.indexOf(name);
        if (box.checked && at < 0) ticked.push(name);
        if (!box.checked && at >= 0) ticked.splice(at, 1);
        row.classList.toggle("ticked", box.checked);
        refresh();
      });
    });
  }

  function setTicks(names) {
    ticked = names.filter(function (n) { return rowOf[n]; });
    rows.forEach(function (row) {
      var on = ticked.indexOf(row.getAttribute("data-run")) >= 0;
      row.querySelector("label.pick input").checked = on;
      row.classList.toggle("ticked", on);
    });
  }

  // each overlay.js pushes its payload here; the array may exist before this script runs
  function drain() {
    var q = window.reportgenOverlay || [];
    while (q.length) { var p = q.shift(); loaded[p.name] = p; }
    window.reportgenOverlay = q;
  }

  function load(name) {
    if (loaded[name] || pending[name] || failed[name]) return;
    // a script of a type no browser runs, so nothing loads until a tick; its src is relative to
    // the page (or, in the single file, a data: URI the single-file rewriter made of it)
    var src = rowOf[name].querySelector("script.overlay-src");
    if (!src) { failed[name] = true; return; }
    pending[name] = true;
    var s = document.createElement("script");
    s.src = src.getAttribute("src");
    s.onload = function () { delete pending[name]; drain(); if (!loaded[name]) failed[name] = true; refresh(); };
    s.onerror = function () { delete pending[name]; failed[name] = true; refresh(); };
    document.body.appendChild(s);
  }

  // ------------------------------------------------------------------ comparability

  // the sets of figures/comparability.py comparable_sets: by kind (in order of the first run
  // name), then by x unit: all by epoch when every run's epochs are known, all by step when
  // every run counts steps or none knows its epochs, else an epoch panel and a step panel
  function comparableSets(payloads) {
    var sorted = payloads.slice().sort(function (a, b) { return a.name < b.name ? -1 : a.name > b.name ? 1 : 0; });
    var kinds = [], byKind = {};
    sorted.forEach(function (p) {
      var key = JSON.stringify([p.kind.task, p.kind.loss]);
      if (!byKind[key]) { byKind[key] = []; kinds.push(key); }
      byKind[key].push(p);
    });
    var out = [];
    kinds.forEach(function (key) {
      var runs = byKind[key], label = runs[0].kind.label;
      var epochs = runs.filter(function (p) { return p.epochs; });
      var allStep = runs.every(function (p) { return p.x === "step"; });
      if (allStep || !epochs.length) out.push({ label: label, unit: "step", runs: runs });
      else if (epochs.length === runs.length) out.push({ label: label, unit: "epoch", runs: runs });
      else {
        out.push({ label: label, unit: "epoch", runs: epochs });
        out.push({ label: label, unit: "step", runs: runs.filter(function (p) { return !p.epochs; }) });
      }
    });
    return out;
  }

  function curveOf(p, role) {
    for (var i = 0; i < p.curves.length; i++) if (p.curves[i].role === role) return p.curves[i];
    return null;
  }

  // ------------------------------------------------------------------ drawing

  function colors() {
    var css = getComputedStyle(document.documentElement);
    return { fg: css.getPropertyValue("--fg").trim() || "#1b1f24", line: css.getPropertyValue("--line").trim() || "#d8dee4" };
  }

  function fillMetrics(payloads) {
    var have = {};
    payloads.forEach(function (p) { p.curves.forEach(function (c) { have[c.role] = true; }); });
    var roles = Object.keys(ROLE_LABEL).filter(function (r) { return have[r]; });
    metricSel.textContent = "";
    roles.forEach(function (r) {
      var o = document.createElement("option");
      o.value = r;
      o.textContent = ROLE_LABEL[r];
      metricSel.appendChild(o);
    });
    if (roles.indexOf(wanted) >= 0) metricSel.value = wanted;
    metricSel.disabled = roles.length < 2;
  }

  function clearCharts() {
    charts.forEach(function (c) { c.chart.destroy(); });
    charts = [];
    panelsEl.textContent = "";
  }

  function pointText(pt, unit) {
    var at = unit === "epoch" && pt.epoch !== null ? "epoch " + formatNumber(pt.epoch) : "step " + pt.step;
    return formatNumber(pt.value) + " at " + at;
  }

  function drawPanel(set, role, width) {
    var fig = document.createElement("figure");
    fig.className = "workbench-panel";
    var cap = document.createElement("figcaption");
    cap.textContent = set.label + ", by " + set.unit;
    fig.appendChild(cap);
    var holder = document.createElement("div");
    fig.appendChild(holder);
    panelsEl.appendChild(fig);
    var tables = [], series = [{ label: set.unit }], names = [], missing = [], facts = [], used = {};
    set.runs.forEach(function (p) {
      var c = curveOf(p, role);
      var xs = c && (set.unit === "epoch" ? c.epoch : c.step);
      if (!c || !xs) { missing.push(p.name + (c ? " (no epochs for this curve)" : " (not logged)")); return; }
      tables.push([xs, c.value]);
      names.push(p.name);
      var color = rowOf[p.name].getAttribute("data-color") || "#888888";
      // the site has 7 colours (comparison pages add markers past them): a colour already on
      // this panel gets a dash pattern, so two runs never look alike
      var seen = used[color] || 0;
      used[color] = seen + 1;
      var style = { label: p.name, stroke: color, width: 1.5, points: { show: false } };
      if (seen) style.dash = DASHES[(seen - 1) % DASHES.length];
      series.push(style);
      facts.push({ name: p.name, color: color, curve: c });
    });
    if (!tables.length) {
      var none = document.createElement("p");
      none.className = "sub";
      none.textContent = "No " + ROLE_LABEL[role] + " logged by: " + missing.join(", ") + ".";
      fig.appendChild(none);
      return;
    }
    var k = colors();
    var axis = { stroke: k.fg, grid: { stroke: k.line, width: 1 }, ticks: { stroke: k.line, width: 1 } };
    var chart = new uPlot({
      width: width,
      height: Math.max(220, Math.min(340, Math.round(width * 0.45))),
      scales: { x: { time: false } },
      series: series,
      axes: [Object.assign({ label: set.unit }, axis), Object.assign({ label: ROLE_LABEL[role] }, axis)],
      legend: { live: true },
    }, uPlot.join(tables), holder);
    charts.push({ title: cap.textContent, unit: set.unit, role: role, names: names, chart: chart });
    var wrap = document.createElement("div");
    wrap.className = "table-wrap";  // scrolls inside its box on a phone
    wrap.appendChild(factsTable(facts, set.unit, role));
    fig.appendChild(wrap);
    if (missing.length) {
      var m = document.createElement("p");
      m.className = "sub";
      m.textContent = "Not drawn: " + missing.join(", ") + ".";
      fig.appendChild(m);
    }
  }

  // the exact best and final points of each curve, and how finely it is drawn
  function factsTable(facts, unit, role) {
    var t = document.createElement("table");
    t.className = "workbench-facts";
    var head = t.createTHead().insertRow();
    ["Run", "Best " + ROLE_LABEL[role], "Final", "Points drawn"].forEach(function (h) {
      var th = document.createElement("th");
      th.scope = "col";
      th.textContent = h;
      head.appendChild(th);
    });
    var body = t.createTBody();
    facts.forEach(function (f) {
      var tr = body.insertRow();
      var name = tr.insertCell();
      var sw = document.createElement("span");
      sw.className = "swatch";
      sw.style.background = f.color;
      name.appendChild(sw);
      name.appendChild(document.createTextNode(f.name));
      tr.insertCell().textContent = pointText(f.curve.best, unit);
      tr.insertCell().textContent = pointText(f.curve.final, unit);
      tr.insertCell().textContent = f.curve.kept === f.curve.points ? "all " + f.curve.points
        : f.curve.kept + " of " + f.curve.points + " (per pixel column its first, last, lowest and highest; best and final kept)";
    });
    return t;
  }

  function refresh() {
    drain();
    ticked.forEach(load);
    writeState();
    box.hidden = false;
    clearCharts();
    var payloads = ticked.filter(function (n) { return loaded[n]; }).map(function (n) { return loaded[n]; });
    var waiting = ticked.filter(function (n) { return pending[n]; });
    var broken = ticked.filter(function (n) { return failed[n]; });
    fillMetrics(payloads);
    var msg = [];
    if (!ticked.length) msg.push("Tick runs in the table to overlay their curves here.");
    if (waiting.length) msg.push("Loading " + waiting.length + " run(s)…");
    if (broken.length) msg.push("No curve data for: " + broken.join(", ") + ".");
    var role = metricSel.value;
    if (payloads.length && !role) msg.push("None of the ticked runs logs a loss or accuracy curve.");
    var sets = payloads.length && role ? comparableSets(payloads) : [];
    if (sets.length > 1) {
      msg.push("These runs cannot share one axis: " + sets.length + " panels, one per task and loss kind and x unit " +
               "(an MSE is never drawn against a cross-entropy, epochs never against steps).");
    }
    note.textContent = msg.join(" ");
    var width = Math.max(280, Math.min(panelsEl.clientWidth || box.clientWidth || 800, 1100));
    sets.forEach(function (set) { drawPanel(set, role, width); });
  }

  // ------------------------------------------------------------------ start

  if (picker) {
    // the list floats over the table: Escape closes it and puts the focus back on its summary
    picker.addEventListener("keydown", function (e) {
      if (e.key !== "Escape" || !picker.open) return;
      picker.open = false;
      picker.querySelector("summary").focus();
    });
    picker.addEventListener("change", function (e) {
      if (e.target.name !== "col") return;
      showColumn(e.target.value, e.target.checked);
      writeState();
    });
  }
  metricSel.addEventListener("change", function () { wanted = metricSel.value; refresh(); });
  document.getElementById("workbench-clear").addEventListener("click", function () { setTicks([]); refresh(); });
  if (search) search.addEventListener("input", writeState);
  var resizing = 0;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () { if (ticked.length) refresh(); }, 150);
  });
  if (form) form.addEventListener("change", writeState);

  var state = readState();
  addTicks();
  if (state.q && search) { search.value = state.q; board.refresh(); }
  if (state.cols && picker) applyCols(state.cols);
  setTicks(state.runs);
  wanted = state.curve;
  refresh();

  // for tests and curious readers: what each panel draws
  window.reportgenWorkbench = {
    panels: function () {
      return charts.map(function (c) {
        return { title: c.title, unit: c.unit, role: c.role, series: c.names.slice(), data: c.chart.data };
      });
    },
    ready: function () { return ticked.every(function (n) { return loaded[n] || failed[n]; }); },
    styles: function () {
      return charts.length ? charts[0].chart.series.slice(1).map(function (s) { return s.dash || null; }) : [];
    },
  };
})();
