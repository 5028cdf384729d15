"""What the index workbench costs with many runs: page weight and the browser's own timings.

Builds the bench_index corpus (default 1,000 runs) with the real `build`, then reports
index.html's size and the part the workbench adds (its inline column table), every run's
overlay.js (total, mean, largest), and, from a headless Chromium with performance.now() in the
page: a search over every row, clearing it, a sort, adding a picked column, and ticking two runs
until their overlay is drawn (their two overlay.js files loaded by <script> tags).

Run from the repo root: python -m bench.bench_workbench [--runs N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from bench.bench_index import make_runs
from reportgen.build import build

PROBE = """<script>
(function () {
  var out = {};
  function shown() {
    return Array.prototype.filter.call(document.querySelectorAll("#runs-table tbody tr"), function (r) { return !r.hidden; }).length;
  }
  var search = document.getElementById("runs-search");
  var t = performance.now();
  search.value = "run-09"; search.dispatchEvent(new Event("input", {bubbles: true}));
  out.search_ms = performance.now() - t; out.search_rows = shown();
  t = performance.now();
  search.value = ""; search.dispatchEvent(new Event("input", {bubbles: true}));
  out.clear_ms = performance.now() - t;
  t = performance.now();
  document.querySelectorAll("#runs-table thead th")[3].querySelector("button").click();
  out.sort_ms = performance.now() - t;
  var box = document.querySelector('#column-picker input[value="h:seed"]');
  t = performance.now();
  box.checked = true; box.dispatchEvent(new Event("change", {bubbles: true}));
  out.add_column_ms = performance.now() - t;
  var ticks = document.querySelectorAll("#runs-table label.pick input");
  t = performance.now();
  ticks[0].click(); ticks[1].click();
  var poll = setInterval(function () {
    var wb = window.reportgenWorkbench;
    if (!wb || !wb.ready() || !wb.panels().length) return;
    clearInterval(poll);
    out.overlay_two_runs_ms = performance.now() - t;
    out.panels = wb.panels().map(function (p) { return p.series.length; });
    var pre = document.createElement("pre"); pre.id = "bench"; pre.textContent = JSON.stringify(out);
    document.body.appendChild(pre);
  }, 5);
})();
</script>"""


def chromium_timings(site: Path) -> dict | None:
    browser = next((b for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)
    if browser is None:
        return None
    probe = site / "bench-workbench.html"
    probe.write_text((site / "index.html").read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    try:
        with tempfile.TemporaryDirectory() as profile:
            out = subprocess.run(
                [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 f"--user-data-dir={profile}", "--virtual-time-budget=20000", "--dump-dom", probe.as_uri()],
                capture_output=True, text=True, timeout=300, check=False,
            ).stdout
    finally:
        probe.unlink()
    if 'id="bench">' not in out:
        return None
    return json.loads(out.split('id="bench">', 1)[1].split("</pre>", 1)[0].replace("&quot;", '"'))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--keep", type=Path, help="build the site here and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        runs = Path(tmp) / "runs"
        make_runs(runs, args.runs)
        site = args.keep or Path(tmp) / "site"
        start = time.perf_counter()
        report = build(runs, site)
        print(f"runs: {len(report.runs)}; full build {time.perf_counter() - start:.1f} s")
        index = (site / "index.html").read_bytes()
        data = re.search(rb'<script type="application/json" id="workbench-data">(.*?)</script>', index, re.S)
        inline = len(data.group(1)) if data else 0
        print(f"index.html: {len(index) / 1024:.0f} KiB ({len(gzip.compress(index)) / 1024:.0f} KiB gzipped); "
              f"its inline column table {inline / 1024:.0f} KiB")
        sizes = sorted(p.stat().st_size for p in site.glob("runs/*/overlay.js"))
        if sizes:
            print(f"overlay.js: {len(sizes)} files, {sum(sizes) / 1024:.0f} KiB in all, mean {sum(sizes) / len(sizes) / 1024:.1f} KiB, "
                  f"largest {sizes[-1] / 1024:.1f} KiB (loaded only for ticked runs)")
        timings = chromium_timings(site)
        if timings is None:
            print("chromium: not found (or the probe failed); no browser timings")
        else:
            print("chromium headless (performance.now()): search {search_ms:.1f} ms ({search_rows} rows shown), clear {clear_ms:.1f} ms, "
                  "sort {sort_ms:.1f} ms, add a column {add_column_ms:.1f} ms, tick two runs to overlay drawn "
                  "{overlay_two_runs_ms:.0f} ms (panels: {panels})".format(**timings))


if __name__ == "__main__":
    main()
