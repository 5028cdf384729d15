/* Interactive figures: the "CSV" download, the same bytes as site/figure_data.py figure_csv(). */
(function (F) {
  "use strict";

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

  F.Figure.prototype.download = function () {
    var blob = new Blob([csv(this.data)], { type: "text/csv" });
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = this.data.name + ".csv";
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(a.href); }, 1000);
  };

  F.csv = csv;
})(window.reportgenFigures = window.reportgenFigures || {});
