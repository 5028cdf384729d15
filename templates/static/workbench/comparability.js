/* Index workbench: which ticked runs may share a panel. Runs share one only when comparable
   (reportgen/figures/comparability.py): same task and loss kind, same x unit; otherwise each
   comparable set gets its own panel and the page says why. */
(function (W) {
  "use strict";

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

  W.comparableSets = comparableSets;
  W.curveOf = curveOf;
})(window.reportgenWorkbench = window.reportgenWorkbench || {});
