/* Index workbench: the overlay panels, one uPlot chart per comparable set of ticked runs, each
   with a table of the exact best and final points under it. */
(function (W) {
  "use strict";

  var DASHES = [[8, 4], [2, 3], [12, 4, 2, 4], [4, 4], [1, 6], [16, 6]];
  var ROLE_LABEL = { val_loss: "validation loss", train_loss: "train loss", val_acc: "validation accuracy" };

  function colors() {
    var css = getComputedStyle(document.documentElement);
    return { fg: css.getPropertyValue("--fg").trim() || "#1b1f24", line: css.getPropertyValue("--line").trim() || "#d8dee4" };
  }

  function fillMetrics(payloads) {
    var metricSel = W.el.metricSel;
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
    if (roles.indexOf(W.state.wanted) >= 0) metricSel.value = W.state.wanted;
    metricSel.disabled = roles.length < 2;
  }

  function clearCharts() {
    W.state.charts.forEach(function (c) { c.chart.destroy(); });
    W.state.charts = [];
    W.el.panelsEl.textContent = "";
  }

  function pointText(pt, unit) {
    var at = unit === "epoch" && pt.epoch !== null ? "epoch " + W.formatNumber(pt.epoch) : "step " + pt.step;
    return W.formatNumber(pt.value) + " at " + at;
  }

  function drawPanel(set, role, width) {
    var fig = document.createElement("figure");
    fig.className = "workbench-panel";
    var cap = document.createElement("figcaption");
    cap.textContent = set.label + ", by " + set.unit;
    fig.appendChild(cap);
    var holder = document.createElement("div");
    fig.appendChild(holder);
    W.el.panelsEl.appendChild(fig);
    var tables = [], series = [{ label: set.unit }], names = [], missing = [], facts = [], used = {};
    set.runs.forEach(function (p) {
      var c = W.curveOf(p, role);
      var xs = c && (set.unit === "epoch" ? c.epoch : c.step);
      if (!c || !xs) { missing.push(p.name + (c ? " (no epochs for this curve)" : " (not logged)")); return; }
      tables.push([xs, c.value]);
      names.push(p.name);
      var color = W.rowOf[p.name].getAttribute("data-color") || "#888888";
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
    W.state.charts.push({ title: cap.textContent, unit: set.unit, role: role, names: names, chart: chart });
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

  W.fillMetrics = fillMetrics;
  W.clearCharts = clearCharts;
  W.drawPanel = drawPanel;
})(window.reportgenWorkbench = window.reportgenWorkbench || {});
