"""How big the index gets and how fast it loads with many runs.

Builds N small generated runs (default 1,000: groups of 5 seeds for a tenth of them, five tags)
with the real `build`, then reports index.html's size, Python's html.parser time over it (a lower
bound for any browser's parse), and, when chromium is installed, the page's own timings from a
headless load plus one sort of the leaderboard.

Run from the repo root: python -m bench.bench_index [--runs N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import subprocess
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path

import numpy as np

from reportgen.build import build

PROBE = """<script>
(function () {
  // this script sits after the table and leaderboard.js: now() is the time from navigation start
  // to the whole table parsed and the leaderboard script run
  var loaded = performance.now();
  var t0 = performance.now();
  var th = document.querySelectorAll("#runs-table thead th")[3].querySelector("button");
  th.click();
  var sorted = performance.now() - t0;
  var shown = Array.prototype.filter.call(document.querySelectorAll("#runs-table tbody tr"), function (r) { return !r.hidden; }).length;
  var pre = document.createElement("pre"); pre.id = "bench";
  pre.textContent = JSON.stringify({parsed_ms: window.__t0, script_ms: window.__t1 - window.__t0, loaded_ms: loaded,
                                    sort_ms: sorted, rows_shown: shown});
  document.body.appendChild(pre);
})();
</script>"""


def make_runs(root: Path, n: int, steps: int = 60) -> None:
    logs = root / "logs"
    logs.mkdir(parents=True)
    rng = np.random.default_rng(0)
    s = np.arange(steps)
    for i in range(n):
        name = f"run-{i:04d}"
        rate = 0.02 + 0.05 * rng.random()
        train = 0.2 + 2.0 * np.exp(-rate * s) + rng.normal(0, 0.02, steps)
        val = 0.3 + 2.0 * np.exp(-rate * s) + rng.normal(0, 0.01, steps)
        rows = ["step,train_loss,val_loss"] + [
            f"{k},{float(train[k])!r},{float(val[k])!r}" if k % 5 == 4 else f"{k},{float(train[k])!r},"
            for k in range(steps)
        ]
        (logs / f"{name}.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
        group = f"group: seeds-{i // 5:03d}\n" if i < n // 10 else ""
        (root / f"{name}.yaml").write_text(
            f"name: {name}\nlogs: logs/{name}.csv\n{group}tags: [t{i % 5}]\n"
            f"hparams: {{lr: {0.001 * (1 + i % 7)}, seed: {i}}}\n",
            encoding="utf-8",
        )


class _Counter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.rows += tag == "tr"


def chromium_timings(site: Path) -> dict | None:
    browser = next((b for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)
    if browser is None:
        return None
    probe = site / "bench-probe.html"
    html = (site / "index.html").read_text(encoding="utf-8").replace("</body>", PROBE + "</body>")
    # time stamps either side of the leaderboard script split parsing from the script's own work
    tag = '<script src="static/leaderboard.js"></script>'
    html = html.replace(tag, f"<script>window.__t0 = performance.now();</script>{tag}<script>window.__t1 = performance.now();</script>")
    probe.write_text(html, encoding="utf-8")
    with tempfile.TemporaryDirectory() as profile:
        start = time.perf_counter()
        out = subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
             f"--user-data-dir={profile}", "--dump-dom", probe.as_uri()],
            capture_output=True, text=True, timeout=300, check=False,
        ).stdout
        wall = time.perf_counter() - start
    probe.unlink()
    if 'id="bench">' not in out:
        return None
    data = json.loads(out.split('id="bench">', 1)[1].split("</pre>", 1)[0].replace("&quot;", '"'))
    data["wall_s_incl_browser_start"] = wall
    return data


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
        built = time.perf_counter() - start
        index = (site / "index.html").read_bytes()
        html = index.decode("utf-8")
        counter = _Counter()
        start = time.perf_counter()
        for _ in range(5):
            counter = _Counter()
            counter.feed(html)
            counter.close()
        parse_ms = (time.perf_counter() - start) / 5 * 1000
        print(f"runs: {len(report.runs)} (problems: {len(report.problems)}); full build {built:.1f} s, {report.files} files")
        print(f"index.html: {len(index) / 1024:.0f} KiB ({len(gzip.compress(index)) / 1024:.0f} KiB gzipped), "
              f"{len(index) / max(1, len(report.runs)):.0f} bytes per run, {counter.rows} table rows")
        print(f"html.parser over index.html: {parse_ms:.1f} ms (lower bound for a browser's parse)")
        timings = chromium_timings(site)
        if timings is None:
            print("chromium: not found (or the probe failed); no browser timings")
        else:
            print(
                "chromium headless: table parsed {parsed_ms:.0f} ms after navigation start, leaderboard script "
                "{script_ms:.0f} ms (all done at {loaded_ms:.0f} ms); sort by best loss {sort_ms:.0f} ms; rows shown after paging "
                "{rows_shown}; wall {wall_s_incl_browser_start:.1f} s incl. browser start".format(**timings)
            )


if __name__ == "__main__":
    main()
