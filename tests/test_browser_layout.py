"""Layout of the example site in a real headless Chromium (issue 13, "numbers that fit"): at
1,024 px no ranking, metrics or runs table is wider than its box; at 400 px a wide table scrolls
inside its box and the page itself never scrolls sideways; names wrap at "_", never mid-word."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_support import ROOT

from reportgen.cli import main

pytestmark = pytest.mark.browser

# Tables a reader must see whole at 1,024 px: the leaderboard, every ranking, every metrics table.
# (A comparison's "hyper-parameters that differ" may hold any number of columns; it scrolls.)
FITTING = "table.runs, table.ranking, table.metrics:not(.hparams-diff)"

OVERFLOWS = """
return Array.from(document.querySelectorAll(arguments[0])).filter(function (t) {
  var box = t.closest('.table-wrap') || t.parentElement;
  return t.getBoundingClientRect().width > box.clientWidth + 1;
}).map(function (t) { return t.className; });
"""

PAGE_WIDTH = "return [document.documentElement.scrollWidth, window.innerWidth];"

WRAP_STYLE = """
return Array.from(document.querySelectorAll('.table-wrap')).map(function (w) {
  return getComputedStyle(w).overflowX;
});
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    runs = ROOT / "runs"
    if not any(runs.glob("*.yaml")) and not any(runs.glob("*/*.yaml")):
        pytest.fail(f"the example runs are missing at {runs}")
    out = tmp_path_factory.mktemp("layout") / "site"
    assert main(["build", str(runs), "-o", str(out), "-q"]) in (0, 1)
    return out


def _pages(site: Path) -> list[Path]:
    chosen = [site / "index.html", site / "runs" / "diabetes-linear-diverge" / "index.html"]
    chosen += sorted((site / "compare").glob("*/index.html"))
    chosen += sorted((site / "sweeps").glob("*/index.html"))  # issue 17
    return chosen


def test_tables_fit_at_1024_px(chrome, site: Path) -> None:
    chrome.set_window_size(1024, 900)
    width = chrome.execute_script("return window.innerWidth;")
    chrome.set_window_size(1024 + (1024 - width), 900)  # the viewport, not the window, is 1,024 px
    for page in _pages(site):
        chrome.get(page.resolve().as_uri())
        assert chrome.execute_script("return window.innerWidth;") == 1024
        assert chrome.execute_script(OVERFLOWS, FITTING) == [], page.relative_to(site)


def test_wide_tables_scroll_inside_their_box_at_400_px(chrome, site: Path) -> None:
    chrome.set_window_size(400, 900)
    try:
        for page in _pages(site):
            chrome.get(page.resolve().as_uri())
            scroll, inner = chrome.execute_script(PAGE_WIDTH)
            assert scroll <= inner, (page.relative_to(site), scroll, inner)
            assert set(chrome.execute_script(WRAP_STYLE)) <= {"auto", "scroll"}, page.relative_to(site)
    finally:
        chrome.set_window_size(1280, 900)


def test_metric_names_wrap_only_after_an_underscore(chrome, site: Path) -> None:
    """At 400 px the metrics table's names are squeezed: each line of a name ends at "_" or
    at the name's end, as the <wbr> break points allow ("val_lo ss" was the bug)."""
    chrome.set_window_size(400, 900)
    try:
        chrome.get((site / "runs" / "diabetes-linear-diverge" / "index.html").resolve().as_uri())
        lines = chrome.execute_script("""
            var out = [];
            document.querySelectorAll('table.metrics th[scope=row] code').forEach(function (code) {
              var range = document.createRange(), text = code.textContent, tops = [], cut = [];
              var node = code.firstChild, offset = 0;
              code.childNodes.forEach(function (n) {
                if (n.nodeType !== 3) return;
                for (var i = 0; i < n.length; i++) {
                  range.setStart(n, i); range.setEnd(n, i + 1);
                  tops.push(Math.round(range.getBoundingClientRect().top));
                }
              });
              var chars = text.split('');
              for (var i = 1; i < tops.length; i++) if (tops[i] > tops[i - 1]) cut.push(chars[i - 1]);
              out.push([text, cut]);
            });
            return out;""")
        assert lines, "the metrics table lists the run's metrics"
        for text, cuts in lines:
            assert all(c == "_" for c in cuts), (text, cuts)
    finally:
        chrome.set_window_size(1280, 900)
