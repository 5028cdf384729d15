/* Interactive figures: the readout under the chart (each series' nearest logged point to the
   cursor) and the arrow keys that move the crosshair. */
(function (F) {
  "use strict";

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

  // the readout: for the x under the cursor, each series' nearest logged point
  F.Figure.prototype.show = function (k, u) {
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
  F.Figure.prototype.key = function (e) {
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
})(window.reportgenFigures = window.reportgenFigures || {});
