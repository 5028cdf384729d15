/* Index workbench: a tick box on each run's row to overlay its curves, and loading each ticked
   run's curves from its overlay.js (reportgen/site/overlay_data.py) with a <script> tag, on
   demand: fetch() is forbidden from file://, a script is not. */
(function (W) {
  "use strict";

  function addTicks() {
    var s = W.state;
    W.rows.forEach(function (row) {
      var name = row.getAttribute("data-run");
      var label = document.createElement("label");
      label.className = "pick";
      var box = document.createElement("input");
      box.type = "checkbox";
      box.value = name;
      // an aria-label, not hidden text: the cell's text stays the run's name (sorting, copying)
      box.setAttribute("aria-label", "Overlay " + name);
      label.appendChild(box);
      row.cells[0].insertBefore(label, row.cells[0].firstChild);
      box.addEventListener("change", function () {
        var at = s.ticked.indexOf(name);
        if (box.checked && at < 0) s.ticked.push(name);
        if (!box.checked && at >= 0) s.ticked.splice(at, 1);
        row.classList.toggle("ticked", box.checked);
        W.refresh();
      });
    });
  }

  function setTicks(names) {
    var s = W.state;
    s.ticked = names.filter(function (n) { return W.rowOf[n]; });
    W.rows.forEach(function (row) {
      var on = s.ticked.indexOf(row.getAttribute("data-run")) >= 0;
      row.querySelector("label.pick input").checked = on;
      row.classList.toggle("ticked", on);
    });
  }

  // each overlay.js pushes its payload here; the array may exist before this script runs
  function drain() {
    var q = window.reportgenOverlay || [];
    while (q.length) { var p = q.shift(); W.state.loaded[p.name] = p; }
    window.reportgenOverlay = q;
  }

  function load(name) {
    var s = W.state;
    if (s.loaded[name] || s.pending[name] || s.failed[name]) return;
    // a script of a type no browser runs, so nothing loads until a tick; its src is relative to
    // the page (or, in the single file, a data: URI the single-file rewriter made of it)
    var src = W.rowOf[name].querySelector("script.overlay-src");
    if (!src) { s.failed[name] = true; return; }
    s.pending[name] = true;
    var el = document.createElement("script");
    el.src = src.getAttribute("src");
    el.onload = function () { delete s.pending[name]; drain(); if (!s.loaded[name]) s.failed[name] = true; W.refresh(); };
    el.onerror = function () { delete s.pending[name]; s.failed[name] = true; W.refresh(); };
    document.body.appendChild(el);
  }

  W.addTicks = addTicks;
  W.setTicks = setTicks;
  W.drain = drain;
  W.load = load;
})(window.reportgenWorkbench = window.reportgenWorkbench || {});
