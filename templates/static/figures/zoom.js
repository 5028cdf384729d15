/* Interactive figures: drag to zoom x (panels on one x unit zoom together), "Reset zoom". */
(function (F) {
  "use strict";

  // panels on the same x unit zoom together (a group's curves and its run counts); a
  // comparison's panels by epoch and by step keep their own ranges
  F.Figure.prototype.zoomed = function (u) {
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

  F.Figure.prototype.fullRange = function (u) {
    var xs = u.data[0];
    return [xs[0], xs[xs.length - 1]];
  };

  F.Figure.prototype.reset = function () {
    var self = this;
    this.xRange = {};
    this.plots.forEach(function (u) {
      var r = self.fullRange(u);
      self.syncing = true;
      u.setScale("x", { min: r[0], max: r[1] });
      self.syncing = false;
    });
  };
})(window.reportgenFigures = window.reportgenFigures || {});
