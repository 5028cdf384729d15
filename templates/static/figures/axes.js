/* Interactive figures: what the axes hold: one x axis for a panel's series, tick labels, the y
   range, and whether a log scale fits. */
(function (F) {
  "use strict";

  // one x axis for every series of a panel; `undefined` where a series has no point there
  // (uPlot spans those), null where the log holds NaN/inf (a gap, as in the static figure)
  // how far beyond the panel's y range a point may be drawn: a canvas drops a whole path that
  // has a point millions of pixels away (a diverged run's loss at 1e37 hid its smoothed curve),
  // so such points are drawn at this bound, still off the plot; the readout and the CSV take
  // the logged values, never these
  function drawBounds(panel) {
    var lo = Infinity, hi = -Infinity;
    if (panel.ylim) {
      lo = panel.ylim[0];
      hi = panel.ylim[1];
    } else {
      panel.series.forEach(function (s) {
        s.y.forEach(function (v) { if (v !== null && isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); } });
      });
    }
    if (!(lo <= hi)) return null;
    var room = 1000 * Math.max(hi - lo, Math.abs(lo), Math.abs(hi), 1e-300);
    return [lo - room, hi + room];
  }

  function join(panel, smooths) {
    var bounds = drawBounds(panel);
    var clamp = bounds ? function (v) { return v === null || v === undefined ? v : Math.min(Math.max(v, bounds[0]), bounds[1]); }
      : function (v) { return v; };
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
        s.x.forEach(function (x, i) { if (x !== null) col[at.get(x)] = clamp(y[i]); });
        columns.push(col);
      });
    });
    return columns;
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

  F.join = join;
  F.ticks = ticks;
  F.decades = decades;
  F.yRange = yRange;
  F.positive = positive;
})(window.reportgenFigures = window.reportgenFigures || {});
