/* Interactive figures: the marks (best, divergence, chance level), reference lines and bands the
   static figure draws, drawn over the live curves, and the key that says what they mean. */
(function (F) {
  "use strict";

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
        ctx.fillStyle = F.colour(b.color, t, 0.18);
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
        ctx.strokeStyle = F.colour(r.color, t, 1);
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
        ctx.fillStyle = F.colour(m.color, t, 1);
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

  F.decorate = decorate;
  F.keyText = keyText;
})(window.reportgenFigures = window.reportgenFigures || {});
