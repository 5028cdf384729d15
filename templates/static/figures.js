/* Interactive curve figures (issue 16): hover to read values, drag to zoom x, double-click (or
   "Reset zoom") to reset, log/linear, a smoothing slider and a CSV download, drawn with the
   vendored uPlot from the JSON each figure carries (reportgen/site/figure_data.py).
   Progressive enhancement: without scripts the static image stays, and printing shows it.
   The data is inline (no fetch()), so this works from file:// and in the single-file report. */
(function () {
  "use strict";
  var MAX_WEIGHT = 0.999; // analysis/smoothing.py MAX_WEIGHT
  var DASH = { "--": [6, 4], "-.": [6, 3, 1, 3], ":": [1, 3] };
  var figures = [];

  // analysis/smoothing.py ema(): TensorBoard's debiased EMA over the finite points. `rank[i]`
  // counts the finite points up to i in the full log; where decimation left points out, the
  // step spans them with weight**gap (exact when nothing was left out: gap 1, the same products).
  function ema(values, weight, rank) {
    var w = Math.min(Math.max(weight, 0), MAX_WEIGHT);
    var out = new Array(values.length);
    var finite = [];
    for (var i = 0; i < values.length; i++) {
      out[i] = null;
      if (values[i] !== null && isFinite(values[i])) finite.push(i);
    }
    if (!finite.length) return out;
    var constant = finite.every(function (j) { return values[j] === values[finite[0]]; });
    if (w === 0 || constant) {
      finite.forEach(function (j) { out[j] = values[j]; });
      return out;
    }
    var oneMinus = 1.0 - w;
    var last = 0.0, decay = 1.0, prev = 0;
    finite.forEach(function (j, n) {
      var r = rank ? rank[j] : n + 1;
      var gap = r - prev;
      prev = r;
      if (gap === 1) {
        last = last * w + oneMinus * values[j];
        decay *= w;
      } else {
        var a = Math.pow(w, gap);
        last = last * a + (1.0 - a) * values[j];
        decay *= a;
      }
      out[j] = last / (1.0 - decay);
    });
    return out;
  }

  // site/figure_data.py figure_csv(): the same bytes
  function cell(v) {
    if (v === null || v === undefined) return "";
    if (typeof v === "number") return String(v);
    var text = String(v);
    if (/[,"\n\r]/.test(text) || /^[=+\-@]/.test(text)) {
      if (/^[=+\-@]/.test(text)) text = "'" + text;
      return '"' + text.replace(/"/g, '""') + '"';
    }
    return text;
  }

  function csv(data) {
    var lines = ["# reportgen figure " + data.name + ": the data behind the interactive figure"];
    data.panels.forEach(function (p) {
      p.series.forEach(function (s) { if (s.decimated) lines.push("# " + s.label + ": " + s.decimated); });
    });
    if (data.weight !== null && data.weight !== undefined) lines.push("# smoothed: debiased EMA, weight " + String(data.weight));
    lines.push("panel,series,x,step,epoch,wall_time_s,value,smoothed");
    data.panels.forEach(function (p) {
      var panel = p.title || p.y;
      p.series.forEach(function (s) {
        s.x.forEach(function (x, i) {
          var step = s.step ? s.step[i] : (p.x === "step" && x !== null ? x : null);
          var wall = s.wall && s.wall0 !== undefined ? s.wall[i] : null;
          var epoch = s.epoch ? s.epoch[i] : (p.x === "epoch" ? x : null);
          lines.push([panel, s.label, x, step, epoch, wall, s.y[i],
            s.smooth ? s.smooth[i] : null].map(cell).join(","));
        });
      });
      (p.bands || []).forEach(function (b) {
        ["lo", "hi"].forEach(function (side) {
          b.x.forEach(function (x, i) {
            lines.push([panel, b.label + " (" + side + ")", x, null, null, null, b[side][i], null].map(cell).join(","));
          });
        });
      });
    });
    return lines.join("\n") + "\n";
  }

  function theme() {
    var css = getComputedStyle(document.documentElement);
    function v(name, fallback) { return css.getPropertyValue(name).trim() || fallback; }
    var bg = v("--bg", "#ffffff");
    return { fg: v("--fg", "#1b1f24"), muted: v("--muted", "#5b6470"), line: v("--line", "#d8dee4"),
      dark: /^#[0-9a-f]{6}$/i.test(bg) && luminance(bg) < 0.3 };
  }

  function luminance(hex) {
    var n = parseInt(hex.slice(1), 16);
    return (0.2126 * (n >> 16) + 0.7152 * ((n >> 8) & 255) + 0.0722 * (n & 255)) / 255;
  }

  // on a dark page a dark mark (the overfitting onset's dark red) is lifted halfway to white
  function lift(hex) {
    var n = parseInt(hex.slice(1), 16);
    var mix = function (c) { return Math.round(c + (255 - c) / 2); };
    return "#" + [n >> 16, (n >> 8) & 255, n & 255].map(function (c) { return (256 + mix(c)).toString(16).slice(1); }).join("");
  }

  function colour(hex, t, alpha) {
    if (/^#0{6}$/.test(hex)) hex = t.fg; // black lines stay visible on a dark page
    else if (/^#([0-9a-f]{2})\1\1$/i.test(hex)) hex = t.muted; // so do grey reference lines
    if (t.dark && /^#[0-9a-f]{6}$/i.test(hex) && luminance(hex) < 0.25) hex = lift(hex);
    if (alpha >= 1 || !/^#[0-9a-f]{6}$/i.test(hex)) return hex;
    var n = parseInt(hex.slice(1), 16);
    return "rgba(" + (n >> 16) + "," + ((n >> 8) & 255) + "," + (n & 255) + "," + alpha + ")";
  }

  function num(v, digits) {
    if (v === null || v === undefined) return "—";
    return digits ? String(Number(v.toPrecision(digits))) : String(v);
  }

  function clock(seconds) {
    if (seconds === null || seconds === undefined) return "—";
    var s = Math.round(seconds), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    var pad = function (k) { return (k < 10 ? "0" : "") + k; };
    return h + ":" + pad(m) + ":" + pad(s % 60);
  }

  // the index of the point of ascending `xs` nearest to `x` (null entries skipped)
  function nearest(xs, x) {
    var lo = 0, hi = xs.length - 1;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (xs[mid] < x) lo = mid + 1; else hi = mid;
    }
    if (lo > 0 && Math.abs(xs[lo - 1] - x) <= Math.abs(xs[lo] - x)) lo -= 1;
    return lo;
  }

  // one x axis for every series of a panel; `undefined` where a series has no point there
  // (uPlot spans those), null where the log holds NaN/inf (a gap, as in the static figure)
  function join(panel, smooths) {
    var xs = [];
    panel.series.forEach(function (s) { s.x.forEach(function (x) { if (x !== null) xs.push(x); }); });
    xs.sort(function (a, b) { return a - b; });
    xs = xs.filter(function (x, i) { return i === 0 || x !== xs[i - 1]; });
    var at = new Map(xs.map(function (x, i) { return [x, i]; }));
    var columns = [xs];
    panel.series.forEach(function (s, k) {
      var ys = [s.y].concat(smooths[k] ? [smooths[k]] : []);
      ys.forEach(function (y) {
        var col = new Array(xs.length);
        s.x.forEach(function (x, i) { if (x !== null) col[at.get(x)] = y[i]; });
        columns.push(col);
      });
    });
    return columns;
  }

  var SYMBOLS = { "*": "★", "X": "✖", "v": "▼", "^": "▲", "o": "●", "s": "■", "D": "◆" };

  // vertical and horizontal reference lines and the marks (best, divergence, chance level) the
  // static figure draws, over the curves
  function decorate(panel, t) {
    return function (u) {
      var ctx = u.ctx, box = u.bbox, px = devicePixelRatio || 1;
      ctx.save();
      ctx.beginPath();
      ctx.rect(box.left, box.top, box.width, box.height);
      ctx.clip();
      (panel.bands || []).forEach(function (b) {
        // the band as one polygon: along the upper edge, back along the lower; a gap (null)
        // closes one polygon and starts the next, as the static figure's fill does
        ctx.fillStyle = colour(b.color, t, 0.18);
        var run = [];
        var flush = function () {
          if (run.length > 1) {
            ctx.beginPath();
            run.forEach(function (i, n) { var X = u.valToPos(b.x[i], "x", true), Y = u.valToPos(b.hi[i], "y", true); if (n) ctx.lineTo(X, Y); else ctx.moveTo(X, Y); });
            run.slice().reverse().forEach(function (i) { ctx.lineTo(u.valToPos(b.x[i], "x", true), u.valToPos(b.lo[i], "y", true)); });
            ctx.closePath();
            ctx.fill();
          }
          run = [];
        };
        b.x.forEach(function (x, i) {
          var ok = x !== null && b.lo[i] !== null && b.hi[i] !== null && (u.scales.y.distr !== 3 || b.lo[i] > 0);
          if (ok) run.push(i); else flush();
        });
        flush();
      });
      panel.refs.forEach(function (r) {
        if (r.axis === "y" && u.scales.y.distr === 3 && r.value <= 0) return;
        var at = u.valToPos(r.value, r.axis, true);
        ctx.strokeStyle = colour(r.color, t, 1);
        ctx.setLineDash([4 * px, 3 * px]);
        ctx.lineWidth = px;
        ctx.beginPath();
        if (r.axis === "x") { ctx.moveTo(at, box.top); ctx.lineTo(at, box.top + box.height); }
        else { ctx.moveTo(box.left, at); ctx.lineTo(box.left + box.width, at); }
        ctx.stroke();
      });
      ctx.setLineDash([]);
      ctx.restore();
      ctx.save();
      ctx.beginPath(); // marks sit on the top edge when off the scale: room for their glyph
      ctx.rect(box.left, box.top - 10 * px, box.width, box.height + 20 * px);
      ctx.clip();
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.font = Math.round(14 * px) + "px sans-serif";
      panel.marks.forEach(function (m) {
        if (u.scales.y.distr === 3 && m.y <= 0) return;
        ctx.fillStyle = colour(m.color, t, 1);
        ctx.fillText(SYMBOLS[m.symbol] || "●", u.valToPos(m.x, "x", true), u.valToPos(m.y, "y", true));
      });
      ctx.restore();
    };
  }

  // what the marks and dashed lines mean, under the chart (the static figure's legend says it)
  function keyText(panel) {
    var parts = [];
    panel.marks.forEach(function (m) { if (m.label) parts.push((SYMBOLS[m.symbol] || "●") + " " + m.label); });
    panel.refs.forEach(function (r) { if (r.label) parts.push("┆ " + r.label); });
    (panel.bands || []).forEach(function (b) { parts.push("▒ " + b.label); });
    return parts.join(" · ");
  }

  // tick labels that keep small values apart (uPlot's default prints 0.0001 as "0")
  function ticks(u, splits) {
    return splits.map(function (v) {
      if (v === null || v === undefined) return "";
      var a = Math.abs(v);
      return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(0).replace("e+", "e") : String(Number(v.toPrecision(6)));
    });
  }

  // on a log axis, grid lines and labels at powers of ten only (1..9 between them crowd it)
  function decades(u, splits) {
    if (u.scales.y.distr !== 3) return splits;
    return splits.map(function (v) { var e = Math.log10(v); return Math.abs(e - Math.round(e)) < 1e-9 ? v : null; });
  }

  // the data's range, padded as uPlot pads it, but within the static figure's limits when it
  // has them (a diverged run: its healthy phase, with ▲ marks where values leave the top)
  function yRange(panel, log) {
    var lim = panel.ylim;
    return function (u, lo, hi) {
      if (lo === null || hi === null) return lim || [0, 1];
      var r = log ? uPlot.rangeLog(lo, hi, 10, true) : uPlot.rangeNum(lo, hi, 0.1, true);
      if (!lim || (log && lim[0] <= 0)) return r;
      var a = Math.max(r[0], lim[0]), b = Math.min(r[1], lim[1]);
      return a < b ? [a, b] : lim;
    };
  }

  function positive(panel) {
    return panel.series.every(function (s) { return s.y.every(function (y) { return y === null || y > 0; }); });
  }

  function Figure(root, data) {
    this.root = root;
    this.data = data;
    this.live = root.querySelector(".fig-live");
    this.box = root.querySelector(".fig-charts");
    this.readout = root.querySelector(".fig-readout");
    this.logButton = root.querySelector(".fig-log");
    this.slider = root.querySelector(".fig-smooth");
    this.weight = data.weight;
    this.log = data.panels.map(function (p) { return p.scale === "log" && positive(p); });
    this.plots = [];
    this.xRange = {}; // x unit -> zoomed [min, max]
    this.index = figures.length;
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
      return ema(s.y, self.weight, s.rank);
    });
  };

  Figure.prototype.build = function () {
    var self = this;
    var width = this.box.clientWidth;
    if (!width) return; // hidden (a single-file section not shown): built when it appears
    var cols = window.matchMedia("(max-width: 640px)").matches ? 1 : (this.data.ncols || 1);
    var w = Math.floor((width - (cols - 1) * 8) / cols);
    var h = Math.round(Math.max(200, Math.min(380, w * (cols > 1 ? 0.75 : 0.5))));
    var t = theme();
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
          series.push({ label: s.label + " raw", stroke: colour(s.color, t, 0.3), width: 1, points: { show: false } });
          series.push({ label: s.label, stroke: colour(s.color, t, 1), width: s.width, dash: dash, points: pts });
        } else {
          series.push({ label: s.label, stroke: colour(s.color, t, s.faint ? 0.35 : 1), width: s.width, dash: dash,
            points: pts, paths: s.steps ? uPlot.paths.stepped({ align: 1 }) : undefined });
        }
      });
      var axis = { stroke: t.fg, grid: { stroke: t.line, width: 1 }, ticks: { stroke: t.line, width: 1 } };
      var opts = {
        width: w, height: Math.max(170, Math.round(h * (panel.height || 1))), title: panel.title || undefined,
        legend: { show: true, live: false },
        scales: {
          x: { time: false },
          y: { distr: self.log[k] ? 3 : 1, log: 10, range: yRange(panel, self.log[k]) }
        },
        axes: [Object.assign({ label: panel.x, values: ticks }, axis),
          Object.assign({ label: panel.y, size: 60, values: ticks, filter: decades }, axis,
            { grid: { stroke: t.line, width: 1, filter: decades }, ticks: { stroke: t.line, width: 1, filter: decades } })],
        series: series,
        // panels on one x unit share the crosshair (a comparison's epoch and step panels do not)
        cursor: { drag: { x: true, y: false }, sync: { key: self.data.name + "-" + self.index + "-" + panel.x } },
        hooks: {
          setCursor: [function (u) { self.show(k, u); }],
          setScale: [function (u, key) { if (key === "x") self.zoomed(u); }],
          draw: [decorate(panel, t)]
        }
      };
      var holder = document.createElement("div");
      holder.className = "fig-chart";
      self.box.appendChild(holder);
      var u = new uPlot(opts, join(panel, smooths), holder);
      var key = keyText(panel);
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
      var any = this.data.panels.some(positive);
      this.logButton.disabled = !any;
      this.logButton.setAttribute("aria-pressed", this.log.some(Boolean) ? "true" : "false");
      if (!any) this.logButton.title = "A log scale needs positive values";
    }
    this.built = width;
  };

  // panels on the same x unit zoom together (a group's curves and its run counts); a
  // comparison's panels by epoch and by step keep their own ranges
  Figure.prototype.zoomed = function (u) {
    if (this.syncing) return;
    var k = this.plots.indexOf(u);
    if (k < 0) return; // uPlot sets its first scale while it is built, before it is listed
    var x = u.scales.x, unit = this.data.panels[k].x;
    var full = this.fullRange(u), self = this;
    this.xRange[unit] = x.min <= full[0] && x.max >= full[1] ? null : [x.min, x.max];
    this.syncing = true;
    this.plots.forEach(function (p, j) {
      if (p !== u && self.data.panels[j].x === unit) p.setScale("x", { min: x.min, max: x.max });
    });
    this.syncing = false;
  };

  Figure.prototype.fullRange = function (u) {
    var xs = u.data[0];
    return [xs[0], xs[xs.length - 1]];
  };

  Figure.prototype.reset = function () {
    var self = this;
    this.xRange = {};
    this.plots.forEach(function (u) {
      var r = self.fullRange(u);
      self.syncing = true;
      u.setScale("x", { min: r[0], max: r[1] });
      self.syncing = false;
    });
  };

  // the readout: for the x under the cursor, each series' nearest logged point
  Figure.prototype.show = function (k, u) {
    var idx = u.cursor.idx;
    if (idx === null || idx === undefined) return;
    this.active = k;
    this.cursor = u.data[0][idx];
    var panel = this.data.panels[k], x = this.cursor, self = this;
    var smooths = this.smooths(panel);
    var rows = panel.series.map(function (s, j) {
      var i = nearest(s.x, x);
      var step = s.step ? s.step[i] : (panel.x === "step" ? s.x[i] : null);
      var epoch = s.epoch ? s.epoch[i] : (panel.x === "epoch" ? s.x[i] : null);
      return [s.label, step === null ? "—" : num(step), num(epoch, 6),
        s.wall ? clock(s.wall[i]) : "—", num(s.y[i]), smooths[j] ? num(smooths[j][i], 6) : "—"];
    });
    (panel.bands || []).forEach(function (b) {
      var i = nearest(b.x, x);
      rows.push([b.label, panel.x === "step" ? num(b.x[i]) : "—", panel.x === "epoch" ? num(b.x[i], 6) : "—", "—",
        num(b.lo[i], 6) + " … " + num(b.hi[i], 6), "—"]);
    });
    // a column nothing in the figure logs (wall time, epochs) is left out: room on a phone
    var empty = rows[0].map(function (_, c) { return c > 0 && rows.every(function (r) { return r[c] === "—"; }); });
    Array.prototype.forEach.call(this.readout.querySelectorAll("thead th"), function (th, c) { th.hidden = empty[c]; });
    var table = this.readout.querySelector("tbody");
    table.textContent = "";
    rows.forEach(function (r) {
      var tr = document.createElement("tr");
      r.forEach(function (text, c) {
        if (empty[c]) return;
        var td = document.createElement(c === 0 ? "th" : "td");
        if (c === 0) td.scope = "row"; else td.className = "num";
        td.textContent = text;
        tr.appendChild(td);
      });
      table.appendChild(tr);
    });
    self.readout.hidden = false;
  };

  // arrow keys move the crosshair point by point (Shift: ten), Home/End to the ends
  Figure.prototype.key = function (e) {
    var u = this.plots[this.active] || this.plots[0];
    if (!u) return;
    var xs = u.data[0], i = u.cursor.idx;
    if (i === null || i === undefined) i = this.cursor === null ? 0 : nearest(xs, this.cursor);
    var step = e.shiftKey ? 10 : 1;
    if (e.key === "ArrowRight") i += step;
    else if (e.key === "ArrowLeft") i -= step;
    else if (e.key === "Home") i = 0;
    else if (e.key === "End") i = xs.length - 1;
    else return;
    e.preventDefault();
    i = Math.max(0, Math.min(xs.length - 1, i));
    var y = null;
    for (var s = 1; s < u.data.length && y === null; s++) if (u.data[s][i] !== null && u.data[s][i] !== undefined) y = u.data[s][i];
    u.setCursor({ left: u.valToPos(xs[i], "x"), top: y === null ? u.bbox.height / 4 : u.valToPos(y, "y") });
  };

  Figure.prototype.download = function () {
    var blob = new Blob([csv(this.data)], { type: "text/csv" });
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = this.data.name + ".csv";
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(a.href); }, 1000);
  };

  Figure.prototype.wire = function () {
    var self = this, root = this.root;
    root.querySelector(".fig-reset").addEventListener("click", function () { self.reset(); });
    root.querySelector(".fig-csv").addEventListener("click", function () { self.download(); });
    if (this.logButton) this.logButton.addEventListener("click", function () {
      var on = !self.log.some(Boolean);
      self.log = self.data.panels.map(function (p) { return on && positive(p); });
      self.build();
    });
    if (this.slider) {
      var out = root.querySelector(".fig-smooth-value");
      this.slider.addEventListener("input", function () {
        self.weight = Number(self.slider.value);
        if (out) out.textContent = self.slider.value;
        self.build();
      });
    }
    this.box.addEventListener("keydown", function (e) { self.key(e); });
    this.live.hidden = false;
    root.classList.add("is-live");
    this.build();
    if (window.ResizeObserver) {
      new ResizeObserver(function () { if (self.box.clientWidth && self.box.clientWidth !== self.built) self.build(); })
        .observe(this.live);
    }
  };

  function init() {
    if (typeof uPlot === "undefined") return; // the static figures stay
    Array.prototype.forEach.call(document.querySelectorAll("script.fig-json"), function (script) {
      var root = script.closest("figure");
      if (!root || !root.querySelector(".fig-live")) return;
      try {
        figures.push(new Figure(root, JSON.parse(script.textContent)));
      } catch (err) {
        root.classList.remove("is-live"); // a figure that cannot go live keeps its image
        if (window.console) console.warn("reportgen: interactive figure unavailable:", err);
      }
    });
    var dark = window.matchMedia("(prefers-color-scheme: dark)");
    var rebuild = function () { figures.forEach(function (f) { f.build(); }); };
    if (dark.addEventListener) dark.addEventListener("change", rebuild);
  }

  window.reportgenFigures = { ema: ema, csv: csv, figures: figures };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
