/* Interactive figures: the smoothing slider's EMA, the same values as analysis/smoothing.py ema().
   The parts of the interactive figures share window.reportgenFigures and load in the order
   reportgen/site/scripts.py lists. */
(function (F) {
  "use strict";

  var MAX_WEIGHT = 0.999; // analysis/smoothing.py MAX_WEIGHT

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

  F.ema = ema;
})(window.reportgenFigures = window.reportgenFigures || {});
