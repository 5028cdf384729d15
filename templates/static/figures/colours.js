/* Interactive figures: the page's colours (light or dark) and the figure's colours made to show
   on them. */
(function (F) {
  "use strict";

  function theme() {
    var css = getComputedStyle(document.documentElement);
    function v(name, fallback) { return css.getPropertyValue(name).trim() || fallback; }
    var bg = v("--bg", "#ffffff");
    return { fg: v("--fg", "#1b1f24"), muted: v("--muted", "#5b6470"), line: v("--line", "#d8dee4"),
      dark: /^#[0-9a-f]{6}$/i.test(bg) && luminance(bg) < 0.3 };
  }

  function luminance(hex) {
    var n = parseInt(hex.slice(1), 16);
    return (0.2126 * (n >> 16) + 0.7152 * ((n >> 8) & 255) + 0.0722 * (n & 255)) / 255;
  }

  // on a dark page a dark mark (the overfitting onset's dark red) is lifted halfway to white
  function lift(hex) {
    var n = parseInt(hex.slice(1), 16);
    var mix = function (c) { return Math.round(c + (255 - c) / 2); };
    return "#" + [n >> 16, (n >> 8) & 255, n & 255].map(function (c) { return (256 + mix(c)).toString(16).slice(1); }).join("");
  }

  function colour(hex, t, alpha) {
    if (/^#0{6}$/.test(hex)) hex = t.fg; // black lines stay visible on a dark page
    else if (/^#([0-9a-f]{2})\1\1$/i.test(hex)) hex = t.muted; // so do grey reference lines
    if (t.dark && /^#[0-9a-f]{6}$/i.test(hex) && luminance(hex) < 0.25) hex = lift(hex);
    if (alpha >= 1 || !/^#[0-9a-f]{6}$/i.test(hex)) return hex;
    var n = parseInt(hex.slice(1), 16);
    return "rgba(" + (n >> 16) + "," + ((n >> 8) & 255) + "," + (n & 255) + "," + alpha + ")";
  }

  F.theme = theme;
  F.colour = colour;
})(window.reportgenFigures = window.reportgenFigures || {});
