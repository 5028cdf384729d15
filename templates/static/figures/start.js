/* Interactive figures: wires each figure's buttons, slider and keys, and finds the figures of
   the page (their JSON) once the page and every part of this script are loaded. Loaded last. */
(function (F) {
  "use strict";

  F.Figure.prototype.wire = function () {
    var self = this, root = this.root;
    root.querySelector(".fig-reset").addEventListener("click", function () { self.reset(); });
    root.querySelector(".fig-csv").addEventListener("click", function () { self.download(); });
    if (this.logButton) this.logButton.addEventListener("click", function () {
      var on = !self.log.some(Boolean);
      self.log = self.data.panels.map(function (p) { return on && F.positive(p); });
      self.build();
    });
    if (this.slider) {
      var out = root.querySelector(".fig-smooth-value");
      this.slider.addEventListener("input", function () {
        self.weight = Number(self.slider.value);
        if (out) out.textContent = self.slider.value;
        self.build();
      });
    }
    this.box.addEventListener("keydown", function (e) { self.key(e); });
    this.live.hidden = false;
    root.classList.add("is-live");
    this.build();
    if (window.ResizeObserver) {
      new ResizeObserver(function () { if (self.box.clientWidth && self.box.clientWidth !== self.built) self.build(); })
        .observe(this.live);
    }
  };

  function init() {
    if (typeof uPlot === "undefined") return; // the static figures stay
    Array.prototype.forEach.call(document.querySelectorAll("script.fig-json"), function (script) {
      var root = script.closest("figure");
      if (!root || !root.querySelector(".fig-live")) return;
      try {
        F.figures.push(new F.Figure(root, JSON.parse(script.textContent)));
      } catch (err) {
        root.classList.remove("is-live"); // a figure that cannot go live keeps its image
        if (window.console) console.warn("reportgen: interactive figure unavailable:", err);
      }
    });
    var dark = window.matchMedia("(prefers-color-scheme: dark)");
    var rebuild = function () { F.figures.forEach(function (f) { f.build(); }); };
    if (dark.addEventListener) dark.addEventListener("change", rebuild);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})(window.reportgenFigures = window.reportgenFigures || {});
