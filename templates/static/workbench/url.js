/* Index workbench: the view in the page's URL (?q=...&cols=...&runs=...&curve=...), so a link
   restores it. The parts of the workbench share window.reportgenWorkbench and load in the order
   reportgen/site/scripts.py lists; start.js, loaded last, sets up the shared state they use. */
(function (W) {
  "use strict";

  // Run names and column ids may hold any character, so each list is JSON (URL-encoded by
  // URLSearchParams).
  function readState() {
    var params = new URLSearchParams(location.search);
    function list(key) {
      try { var v = JSON.parse(params.get(key) || "null"); return Array.isArray(v) ? v.map(String) : null; }
      catch (e) { return null; }
    }
    return { q: params.get("q") || "", cols: list("cols"), runs: list("runs") || [], curve: params.get("curve") || "" };
  }

  function currentCols() {
    var picker = W.el.picker;
    return Array.prototype.filter.call(picker ? picker.querySelectorAll("input[name=col]") : [], function (b) { return b.checked; })
      .map(function (b) { return b.value; });
  }

  function writeState() {
    var el = W.el, s = W.state;
    var params = new URLSearchParams(location.search);
    ["q", "cols", "runs", "curve"].forEach(function (k) { params.delete(k); });
    var q = el.search ? el.search.value.trim() : "";
    if (q) params.set("q", q);
    var cols = currentCols();
    if (cols.length) params.set("cols", JSON.stringify(cols));
    if (s.ticked.length) params.set("runs", JSON.stringify(s.ticked));
    if (s.ticked.length && s.wanted) params.set("curve", s.wanted);
    var text = params.toString();
    var url = location.pathname + (text ? "?" + text : "") + location.hash;
    el.linkEl.setAttribute("href", "?" + text + location.hash);
    try { history.replaceState(history.state, "", url); } catch (e) { /* the link above still carries it */ }
  }

  W.readState = readState;
  W.writeState = writeState;
})(window.reportgenWorkbench = window.reportgenWorkbench || {});
