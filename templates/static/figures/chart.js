/* Interactive curve figures (issue 16): hover to read values, drag to zoom x, double-click (or
   "Reset zoom") to reset, log/linear, a smoothing slider and a CSV download, drawn with the
   vendored uPlot from the JSON each figure carries (reportgen/site/figure_data.py).
   Progressive enhancement: without scripts the static image stays, and printing shows it.
   The data is inline (no fetch()), so this works from file:// and in the single-file report.
   This part builds one figure's uPlot charts; smoothing.js, colours.js, axes.js and marks.js
   give it what it draws, zoom.js, readout.js, csv.js and start.js add the controls. */
(function (F) {
  "use strict";

  var DASH = { "--": [6, 4], "-.": [6, 3, 1, 3], ":": [1, 3] };

  function Figure(root, data) {
    this.root = root;
    this.data = data;
    this.live = root.querySelector(".fig-live");
    this.box = root.querySelector(".fig-charts");
    this.readout = root.querySelector(".fig-readout");
    this.logButton = root.querySelector(".fig-log");
    this.slider = root.querySelector(".fig-smooth");
    this.weight = data.weight;
    this.log = data.panels.map(function (p) { return p.scale === "log" && F.positive(p); });
    this.plots = [];
    this.xRange = {}; // x unit -> zoomed [min, max]
    this.index = F.figures.length;
    this.active = 0;
    this.cursor = null;
    this.box.style.setProperty("--fig-cols", String(data.ncols || 1));
    this.wire();
  }

  Figure.prototype.smooths = function (panel) {
    var self = this;
    return panel.series.map(function (s) {
      if (!s.smooth) return null;
      if (self.weight === self.data.weight) return s.smooth; // the analysis' own values
      return F.ema(s.y, self.weight, s.rank);
    });
  };

  Figure.prototype.build = function () {
    var self = this;
    var width = this.box.clientWidth;
    if (!width) return; // hidden (a single-file section not shown): built when it appears
    var cols = window.matchMedia("(max-width: 640px)").matches ? 1 : (this.data.ncols || 1);
    var w = Math.floor((width - (cols - 1) * 8) / cols);
    var h = Math.round(Math.max(200, Math.min(380, w * (cols > 1 ? 0.75 : 0.5))));
    var t = F.theme();
    this.plots.forEach(function (u) { u.destroy(); });
    this.plots = [];
    this.box.textContent = "";
    this.data.panels.forEach(function (panel, k) {
      var smooths = self.smooths(panel);
      var series = [{ label: panel.x }];
      panel.series.forEach(function (s, j) {
        var dash = DASH[s.dash] || undefined;
        var pts = { show: s.x.length <= 60, size: 4 };
        if (smooths[j]) {
          series.push({ label: s.label + " raw", stroke: F.colour(s.color, t, 0.3), width: 1, points: { show: false } });
          series.push({ label: s.label, stroke: F.colour(s.color, t, 1), width: s.width, dash: dash, points: pts });
        } else {
          series.push({ label: s.label, stroke: F.colour(s.color, t, s.faint ? 0.35 : 1), width: s.width, dash: dash,
            points: pts, paths: s.steps ? uPlot.paths.stepped({ align: 1 }) : undefined });
        }
      });
      var axis = { stroke: t.fg, grid: { stroke: t.line, width: 1 }, ticks: { stroke: t.line, width: 1 } };
      var opts = {
        width: w, height: Math.max(170, Math.round(h * (panel.height || 1))), title: panel.title || undefined,
        legend: { show: true, live: false },
        scales: {
          x: { time: false },
          y: { distr: self.log[k] ? 3 : 1, log: 10, range: F.yRange(panel, self.log[k]) }
        },
        axes: [Object.assign({ label: panel.x, values: F.ticks }, axis),
          Object.assign({ label: panel.y, size: 60, values: F.ticks, filter: F.decades }, axis,
            { grid: { stroke: t.line, width: 1, filter: F.decades }, ticks: { stroke: t.line, width: 1, filter: F.decades } })],
        series: series,
        // panels on one x unit share the crosshair (a comparison's epoch and step panels do not)
        cursor: { drag: { x: true, y: false }, sync: { key: self.data.name + "-" + self.index + "-" + panel.x } },
        hooks: {
          setCursor: [function (u) { self.show(k, u); }],
          setScale: [function (u, key) { if (key === "x") self.zoomed(u); }],
          draw: [F.decorate(panel, t)]
        }
      };
      var holder = document.createElement("div");
      holder.className = "fig-chart";
      self.box.appendChild(holder);
      var u = new uPlot(opts, F.join(panel, smooths), holder);
      var key = F.keyText(panel);
      if (key) {
        var p = document.createElement("p");
        p.className = "fig-key";
        p.textContent = key;
        holder.appendChild(p);
      }
      self.plots.push(u);
      var kept = self.xRange[panel.x]; // a rebuild (log toggle, smoothing, resize) keeps the zoom
      if (kept) u.setScale("x", { min: kept[0], max: kept[1] });
    });
    if (this.logButton) {
      var any = this.data.panels.some(F.positive);
      this.logButton.disabled = !any;
      this.logButton.setAttribute("aria-pressed", this.log.some(Boolean) ? "true" : "false");
      if (!any) this.logButton.title = "A log scale needs positive values";
    }
    this.built = width;
  };

  F.figures = [];
  F.Figure = Figure;
})(window.reportgenFigures = window.reportgenFigures || {});
