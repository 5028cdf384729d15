/* Index workbench: the column picker, which adds the hparam and metric columns the table does not
   show by default (values from the page's workbench JSON, reportgen/site/workbench.py). */
(function (W) {
  "use strict";

  function cellText(c, v) {
    // a metric a run does not log reads as a dash, not as a blank that looks like "loading"
    if (v === null || v === undefined) return c.group === "metric" ? "—" : "";
    if (c.group === "hparam") return String(v);
    return formatNumber(v);
  }

  function formatNumber(v) {
    if (v === null || v === undefined || !isFinite(v)) return "—";
    var a = Math.abs(v);
    if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(3);
    return String(Number(v.toPrecision(4)));
  }

  function headOf(id) {
    return W.el.table.tHead.querySelector('th[data-col="' + cssEscape(id) + '"]');
  }

  function cssEscape(s) {
    return window.CSS && CSS.escape ? CSS.escape(s) : s.replace(/["\\]/g, "\\$&");
  }

  function addColumn(id) {
    var table = W.el.table;
    var c = W.columns[id], values = W.data.values[id];
    if (!c || !values) return;
    var th = document.createElement("th");
    th.scope = "col";
    th.setAttribute("data-col", id);
    th.setAttribute("data-sort", c.sort);
    if (c.sort === "num") th.className = "num";
    th.textContent = c.label;
    table.tHead.rows[0].appendChild(th);
    W.board.sortable(th);
    W.rows.forEach(function (row) {
      var v = values[W.order.get(row)];
      var td = document.createElement("td");
      if (c.sort === "num") td.className = "num";
      var num = typeof v === "number" ? v : null;
      td.setAttribute("data-value", num === null || num === undefined ? "" : String(num));
      td.textContent = cellText(c, v);
      row.appendChild(td);
    });
  }

  function showColumn(id, on) {
    var th = headOf(id);
    if (!th && on) { addColumn(id); th = headOf(id); }
    if (!th) return;
    var col = Array.prototype.indexOf.call(W.el.table.tHead.rows[0].cells, th);
    th.hidden = !on;
    W.rows.forEach(function (row) { if (row.cells[col]) row.cells[col].hidden = !on; });
  }

  function applyCols(cols) {
    var want = {};
    cols.forEach(function (id) { want[id] = true; });
    Array.prototype.forEach.call(W.el.picker.querySelectorAll("input[name=col]"), function (b) {
      b.checked = !!want[b.value];
      showColumn(b.value, b.checked);
    });
  }

  W.formatNumber = formatNumber;
  W.showColumn = showColumn;
  W.applyCols = applyCols;
})(window.reportgenWorkbench = window.reportgenWorkbench || {});
