/* reportgen index workbench: pick columns, tick runs to overlay their curves, and keep all of it
   (with the search) in the page's URL so a link restores the view. Without JavaScript the index
   is the plain table. This part, loaded last (after leaderboard.js, uPlot and the workbench's
   other parts: url.js, columns.js, ticks.js, comparability.js, panels.js), holds the state they
   share on window.reportgenWorkbench, redraws on every change (`refresh`) and starts. */
(function (W) {
  "use strict";

  var el = {
    table: document.getElementById("runs-table"),
    box: document.getElementById("workbench"),
    dataEl: document.getElementById("workbench-data"),
    form: document.getElementById("runs-filters"),
    search: document.getElementById("runs-search"),
    picker: document.getElementById("column-picker"),
    metricSel: document.getElementById("workbench-metric"),
    note: document.getElementById("workbench-note"),
    panelsEl: document.getElementById("workbench-panels"),
    linkEl: document.getElementById("workbench-link"),
  };
  if (!el.table || !el.box || !el.dataEl) return;
  W.el = el;
  W.board = window.reportgenLeaderboard || { refresh: function () {}, sortable: function () {} };
  W.data = JSON.parse(el.dataEl.textContent);
  W.columns = {};
  W.data.columns.forEach(function (c) { W.columns[c.id] = c; });
  W.rows = Array.prototype.slice.call(el.table.tBodies[0].rows);
  W.rowOf = {};
  // the column table lists runs in the order the page was built in (before any sort)
  W.order = new Map();
  W.rows.forEach(function (r, i) { W.rowOf[r.getAttribute("data-run")] = r; W.order.set(r, i); });
  var s = W.state = {
    loaded: {},   // run name -> its overlay payload
    pending: {},  // run name -> true while its script loads
    failed: {},   // run name -> true when its script could not load
    ticked: [],   // run names, in the order ticked
    charts: [],   // {title, unit, names, chart}
    wanted: "",   // the curve the reader chose (or a link named), kept while its runs load
  };

  function refresh() {
    W.drain();
    s.ticked.forEach(W.load);
    W.writeState();
    el.box.hidden = false;
    W.clearCharts();
    var payloads = s.ticked.filter(function (n) { return s.loaded[n]; }).map(function (n) { return s.loaded[n]; });
    var waiting = s.ticked.filter(function (n) { return s.pending[n]; });
    var broken = s.ticked.filter(function (n) { return s.failed[n]; });
    W.fillMetrics(payloads);
    var msg = [];
    if (!s.ticked.length) msg.push("Tick runs in the table to overlay their curves here.");
    if (waiting.length) msg.push("Loading " + waiting.length + " run(s)…");
    if (broken.length) msg.push("No curve data for: " + broken.join(", ") + ".");
    var role = el.metricSel.value;
    if (payloads.length && !role) msg.push("None of the ticked runs logs a loss or accuracy curve.");
    var sets = payloads.length && role ? W.comparableSets(payloads) : [];
    if (sets.length > 1) {
      msg.push("These runs cannot share one axis: " + sets.length + " panels, one per task and loss kind and x unit " +
               "(an MSE is never drawn against a cross-entropy, epochs never against steps).");
    }
    el.note.textContent = msg.join(" ");
    var width = Math.max(280, Math.min(el.panelsEl.clientWidth || el.box.clientWidth || 800, 1100));
    sets.forEach(function (set) { W.drawPanel(set, role, width); });
  }
  W.refresh = refresh;

  var picker = el.picker;
  if (picker) {
    // the list floats over the table: Escape closes it and puts the focus back on its summary
    picker.addEventListener("keydown", function (e) {
      if (e.key !== "Escape" || !picker.open) return;
      picker.open = false;
      picker.querySelector("summary").focus();
    });
    picker.addEventListener("change", function (e) {
      if (e.target.name !== "col") return;
      W.showColumn(e.target.value, e.target.checked);
      W.writeState();
    });
  }
  el.metricSel.addEventListener("change", function () { s.wanted = el.metricSel.value; refresh(); });
  document.getElementById("workbench-clear").addEventListener("click", function () { W.setTicks([]); refresh(); });
  if (el.search) el.search.addEventListener("input", W.writeState);
  var resizing = 0;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () { if (s.ticked.length) refresh(); }, 150);
  });
  if (el.form) el.form.addEventListener("change", W.writeState);

  var state = W.readState();
  W.addTicks();
  if (state.q && el.search) { el.search.value = state.q; W.board.refresh(); }
  if (state.cols && picker) W.applyCols(state.cols);
  W.setTicks(state.runs);
  s.wanted = state.curve;
  refresh();

  // for tests and curious readers: what each panel draws
  W.panels = function () {
    return s.charts.map(function (c) {
      return { title: c.title, unit: c.unit, role: c.role, series: c.names.slice(), data: c.chart.data };
    });
  };
  W.ready = function () { return s.ticked.every(function (n) { return s.loaded[n] || s.failed[n]; }); };
  W.styles = function () {
    return s.charts.length ? s.charts[0].chart.series.slice(1).map(function (c) { return c.dash || null; }) : [];
  };
})(window.reportgenWorkbench = window.reportgenWorkbench || {});
