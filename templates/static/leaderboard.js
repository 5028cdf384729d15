/* reportgen leaderboard: sort by a column, search and filter by tag/group/flag, show the table in pages.
   Without JavaScript the full table is shown as built (already sorted by run name). */
(function () {
  "use strict";
  var PAGE = 100;
  var table = document.getElementById("runs-table");
  if (!table) return;
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var form = document.getElementById("runs-filters");
  var pager = document.getElementById("runs-pager");
  var count = form ? form.querySelector(".filter-count") : null;
  var page = 0;
  var shown = rows;

  function cellKey(row, col, numeric) {
    var cell = row.cells[col];
    if (!numeric) return cell.textContent.trim().toLowerCase();
    var v = cell.getAttribute("data-value");
    return v === null || v === "" ? NaN : parseFloat(v);
  }

  function sortBy(col, numeric, descending) {
    var keyed = rows.map(function (row, i) { return [cellKey(row, col, numeric), i, row]; });
    keyed.sort(function (a, b) {
      var x = a[0], y = b[0];
      // missing numbers always go last, whichever the direction
      if (numeric && isNaN(x) !== isNaN(y)) return isNaN(x) ? 1 : -1;
      var c = x < y ? -1 : x > y ? 1 : 0;
      if (descending) c = -c;
      return c || a[1] - b[1];
    });
    rows = keyed.map(function (k) { return k[2]; });
    rows.forEach(function (row) { body.appendChild(row); });
  }

  // the filters' values, read once per update (not once per row: 1,000 rows stay instant)
  function activeFilters() {
    if (!form) return [];
    var found = [];
    var fields = form.querySelectorAll("[data-filter]");
    for (var i = 0; i < fields.length; i++) {
      var want = fields[i].value, kind = fields[i].getAttribute("data-filter");
      if (kind === "text") want = want.trim().toLowerCase();
      if (want) found.push([kind, want]);
    }
    return found;
  }

  function matches(row, filters) {
    for (var i = 0; i < filters.length; i++) {
      var kind = filters[i][0], want = filters[i][1];
      if (kind === "text") {
        // every word of the search, anywhere in the run's name, title, tags or notes
        var hay = row.getAttribute("data-search") || "";
        var words = want.split(/\s+/);
        for (var w = 0; w < words.length; w++) if (hay.indexOf(words[w]) < 0) return false;
      } else if (kind === "group") {
        if (row.getAttribute("data-group") !== want) return false;
      } else {
        var have = JSON.parse(row.getAttribute("data-" + kind) || "[]");
        if (want === "*" ? have.length === 0 : want === "-" ? have.length > 0 : have.indexOf(want) < 0) return false;
      }
    }
    return true;
  }

  function button(label, target, current) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    if (target === current) b.setAttribute("aria-current", "page");
    b.addEventListener("click", function () { page = target; update(); });
    return b;
  }

  function update() {
    var filters = activeFilters();
    shown = rows.filter(function (row) { return matches(row, filters); });
    var pages = Math.max(1, Math.ceil(shown.length / PAGE));
    if (page >= pages) page = pages - 1;
    var first = page * PAGE, last = first + PAGE;
    var visible = new Set(shown.slice(first, last));
    rows.forEach(function (row) { row.hidden = !visible.has(row); });
    if (count) count.textContent = shown.length === rows.length ? rows.length + " runs" : shown.length + " of " + rows.length + " runs";
    if (!pager) return;
    pager.textContent = "";
    pager.hidden = pages < 2;
    if (pages < 2) return;
    var info = document.createElement("span");
    info.textContent = "Runs " + (first + 1) + "–" + Math.min(last, shown.length) + " of " + shown.length + " ";
    pager.appendChild(info);
    if (page > 0) pager.appendChild(button("‹ Previous", page - 1, page));
    for (var p = 0; p < pages; p++) {
      if (pages > 12 && Math.abs(p - page) > 3 && p !== 0 && p !== pages - 1) continue;
      pager.appendChild(button(String(p + 1), p, page));
    }
    if (page < pages - 1) pager.appendChild(button("Next ›", page + 1, page));
  }

  var heads = table.tHead.rows[0].cells;

  // a column's index is read at click time: the workbench's column picker adds columns later
  function sortable(th) {
    var kind = th.getAttribute("data-sort");
    if (!kind || th.querySelector("button.sort")) return;
    var b = document.createElement("button");
    b.type = "button";
    b.className = "sort";
    while (th.firstChild) b.appendChild(th.firstChild);
    th.appendChild(b);
    b.addEventListener("click", function () {
      var descending = th.getAttribute("aria-sort") === "ascending";
      Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", descending ? "descending" : "ascending");
      sortBy(Array.prototype.indexOf.call(heads, th), kind === "num", descending);
      page = 0;
      update();
    });
  }
  Array.prototype.forEach.call(heads, sortable);

  if (form) {
    form.hidden = false;
    form.addEventListener("change", function (e) { if (e.target.hasAttribute("data-filter")) { page = 0; update(); } });
    form.addEventListener("input", function (e) { if (e.target.getAttribute("data-filter") === "text") { page = 0; update(); } });
    form.addEventListener("submit", function (e) { e.preventDefault(); });
  }
  update();
  // for the workbench (workbench/start.js): re-filter after it sets the search from a shared link, sort added columns
  window.reportgenLeaderboard = { refresh: function () { page = 0; update(); }, sortable: sortable };
})();
