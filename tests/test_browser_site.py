"""The built site in a real headless Chromium, over http://127.0.0.1 and from file://: every page
loads without a console error, every internal link, anchor and image resolves, nothing is
requested from off the machine, axe-core finds no serious accessibility problem, and user text
full of HTML/JS payloads stays text. The last tests plant faults to prove the checks can fail."""

from __future__ import annotations

import shutil
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
import yaml
from browser_support import AXE_JS, ROOT, crawl, http_site, need, visit
from conftest import exp_curve, make_run, write_csv

from reportgen.cli import main

pytestmark = pytest.mark.browser

EXAMPLE_RUNS = ROOT / "runs"

# Each payload, if it ever ran, would set window.__xss or open an alert.
PAYLOADS = [
    "<script>window.__xss='script'</script>",
    "<img src=x onerror=\"window.__xss='img'\">",
    "<svg/onload=window.__xss='svg'>",
    "\"><script>window.__xss='attr-break'</script>",
    "'><img src=x onerror=window.__xss='single-quote'>",
    "<iframe srcdoc=\"<script>parent.__xss='iframe'</script>\"></iframe>",
    "<details open ontoggle=window.__xss='details'>",
    "<body onload=window.__xss='body'>",
    "</textarea></title><script>alert('title-break')</script>",
    "<a href=\"javascript:window.__xss='js-link'\">click me</a>",
    "{{ 7*7 }} {% raw %}<script>window.__xss='jinja'</script>",
    "<style>@import 'https://example.invalid/x.css';</style><link rel=stylesheet href=https://example.invalid/y.css>",
]


SHARED_TAG = "<b>shared</b><script>window.__xss='tag'</script>"


def generated_runs(runs: Path) -> Path:
    """A small example when the repository has no runs/ folder: a clean run, an overfitting one,
    one that diverges to NaN, and one counted in epochs with notes and hyper-parameters."""
    make_run(runs, "baseline", group="mlp", tags=["baseline"], task="classification", loss="cross_entropy",
             num_classes=10, hparams={"lr": 0.003, "batch_size": 32})
    make_run(runs, "long-overfit", group="mlp", tags=["big"], overfit=True, steps=600)
    steps = np.arange(300)
    train = exp_curve(steps)
    train[250:] = np.linspace(1.0, 40.0, 50)
    train[280:] = np.nan
    write_csv(runs / "logs" / "diverge.csv", {"step": list(steps), "train_loss": list(train)})
    (runs / "diverge.yaml").write_text("name: lr-too-high\ngroup: mlp\nlogs: logs/diverge.csv\n", encoding="utf-8")
    epochs = np.arange(1, 31)
    write_csv(runs / "logs" / "epochs.csv", {"epoch": list(epochs), "loss": list(exp_curve(epochs, r=0.2)),
                                             "val_loss": list(exp_curve(epochs, r=0.2, c=0.3)),
                                             "val_accuracy": list(1 - exp_curve(epochs, r=0.2, c=0.1) / 3)})
    (runs / "epochs.yaml").write_text(
        "name: cnn-epochs\ntags: [cnn, augment]\nnotes: |\n  Trained with **cosine** decay.\n\n"
        "  | lr | acc |\n  |---|---|\n  | 0.1 | 0.9 |\nlogs: logs/epochs.csv\nhparams: {optimizer: sgd, momentum: 0.9}\n",
        encoding="utf-8",
    )
    return runs


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(site folder, single-file report) of the example runs."""
    work = tmp_path_factory.mktemp("example")
    has_examples = EXAMPLE_RUNS.is_dir() and any(EXAMPLE_RUNS.rglob("*.yaml"))
    runs = EXAMPLE_RUNS if has_examples else generated_runs(work / "runs")
    code = main(["build", str(runs), "-o", str(work / "site"), "-q", "--single-file", str(work / "report.html")])
    assert code in (0, 1)  # 1: an example may show how a bad input is reported; the site is built
    return work / "site", work / "report.html"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site whose run names, titles, groups, tags, notes and hparams are all payloads."""
    work = tmp_path_factory.mktemp("hostile")
    runs = work / "runs"
    for i, payload in enumerate(PAYLOADS):
        path = make_run(runs, f"r{i}")
        manifest = yaml.safe_load(path.read_text(encoding="utf-8"))
        manifest.update(
            name=f"{payload} #{i}",
            title=payload,
            # shared by several runs, so group and comparison pages carry payloads in titles too
            group=PAYLOADS[i % 2],
            tags=[payload, SHARED_TAG],
            notes=f"{payload}\n\n[link]({payload}) and [js](javascript:window.__xss='md-link')",
            hparams={payload: payload, "lr": 0.1},
        )
        path.write_text(yaml.safe_dump(manifest, sort_keys=False), encoding="utf-8")
    assert main(["build", str(runs), "-o", str(work / "site"), "-q", "--single-file", str(work / "report.html")]) == 0
    return work / "site"


def page_count(site: Path) -> int:
    return sum(1 for p in site.rglob("*.html") if p.name != "404.html")


def test_every_page_link_and_image_resolves_over_http(chrome, example: tuple[Path, Path]) -> None:
    site, _ = example
    with http_site(site) as base:
        problems, visited = crawl(chrome, base + "index.html", base)
    assert problems == []
    assert len({v.split("#")[0] for v in visited}) >= page_count(site)


def test_every_page_link_and_image_resolves_from_file(chrome, example: tuple[Path, Path]) -> None:
    site, _ = example
    base = site.resolve().as_uri() + "/"
    problems, visited = crawl(chrome, base + "index.html", base)
    assert problems == []
    assert len({v.split("#")[0] for v in visited}) >= page_count(site)


def test_single_file_report_opens_from_disk_with_every_figure(chrome, example: tuple[Path, Path]) -> None:
    site, report = example
    url = report.resolve().as_uri()
    problems, _ = crawl(chrome, url, url)
    assert problems == []
    chrome.get(url)
    figures = sum(1 for p in site.rglob("*") if p.suffix in (".png", ".svg") and "static" not in p.parts)
    loaded = chrome.execute_script("return Array.from(document.images).filter(i => i.naturalWidth > 0).length")
    assert loaded == figures
    # the index shows first; a run link shows that run's section instead
    assert chrome.execute_script("return document.getElementById('page-index').offsetParent !== null")
    link = chrome.find_element("css selector", "#page-index a[href^='#page-runs-']")
    target = link.get_attribute("href").split("#")[1]
    link.click()
    assert chrome.execute_script(f"return document.getElementById('{target}').offsetParent !== null")
    assert chrome.execute_script("return document.getElementById('page-index').offsetParent === null")


class PagesLike(SimpleHTTPRequestHandler):
    """Like GitHub Pages: the site under /repo/, and its 404.html for any missing address."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "repo" / "404.html"
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_site_works_under_a_sub_path_with_its_404_page(chrome, example: tuple[Path, Path], tmp_path: Path) -> None:
    site, _ = example
    shutil.copytree(site, tmp_path / "repo")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(PagesLike, directory=str(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/repo/"
        problems, _ = crawl(chrome, base + "index.html", base)
        assert problems == []
        chrome.get(base + "runs/renamed-run/index.html")
        assert chrome.find_element("tag name", "h1").text == "Page not found"
        home = ""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not home.endswith("/repo/index.html"):
            home = chrome.find_element("id", "home").get_attribute("href")
            time.sleep(0.05)
        assert home == base + "index.html"
    finally:
        server.shutdown()
        server.server_close()


AXE_RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ['violations']}).then(r => done(
  r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
   .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))
)).catch(e => done(['axe failed: ' + e]));
"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_accessibility_violation(chrome, example: tuple[Path, Path], scheme: str) -> None:
    need(AXE_JS, "axe-core (npm)")
    site, report = example
    axe = AXE_JS.read_text(encoding="utf-8")
    chrome.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]})
    try:
        found = {}
        pages = {"index": site / "index.html", "404": site / "404.html", "single file": report}
        # one page of each kind: the first in each top-level folder (runs/, compare/, ...)
        for folder in sorted(p for p in site.iterdir() if p.is_dir() and p.name != "static"):
            first = min(folder.rglob("index.html"), default=None)
            if first is not None:
                pages[first.relative_to(site).as_posix()] = first
        for label, page in pages.items():
            chrome.get(page.resolve().as_uri())
            chrome.execute_script(axe)
            found[label] = chrome.execute_async_script(AXE_RUN)
        assert {k: v for k, v in found.items() if v} == {}
    finally:
        chrome.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})


def script_findings(driver, url: str) -> list[str]:
    """What user text managed to run on the page at `url`: a set marker, an open alert, or a
    javascript: link left clickable."""
    from selenium.common.exceptions import NoAlertPresentException

    found = visit(driver, url)
    problems = []
    try:
        alert = driver.switch_to.alert
        problems.append(f"alert opened: {alert.text}")
        alert.dismiss()
    except NoAlertPresentException:
        pass
    marker = driver.execute_script("return window.__xss === undefined ? null : String(window.__xss)")
    if marker is not None:
        problems.append(f"script ran: window.__xss = {marker}")
    js_links = driver.execute_script(
        "return Array.from(document.querySelectorAll('a[href]')).map(a => a.href).filter(h => /^javascript:/i.test(h))"
    )
    problems += [f"javascript: link: {h}" for h in js_links]
    return problems + [f"request leaves the machine: {r}" for r in found.requested if "example.invalid" in r]


def test_user_text_renders_as_text_and_never_runs(chrome, hostile: Path) -> None:
    base = hostile.resolve().as_uri() + "/"
    pages = sorted(p.relative_to(hostile).as_posix() for p in hostile.rglob("*.html"))
    assert len(pages) >= len(PAYLOADS) + 2
    assert [p for p in pages if not p.startswith("runs/") and p not in ("index.html", "404.html")]  # group/compare pages
    problems = {page: script_findings(chrome, base + page) for page in pages}
    report = (hostile.parent / "report.html").resolve().as_uri()
    problems["report.html"] = script_findings(chrome, report)
    assert {k: v for k, v in problems.items() if v} == {}
    # the payloads are shown as typed
    chrome.get(base + "index.html")
    text = chrome.find_element("tag name", "main").text
    for payload in PAYLOADS:
        assert payload.split("\n")[0] in text, payload


def test_planted_faults_are_caught(chrome, hostile: Path, tmp_path: Path) -> None:
    """Proof that the checks above can fail: a broken link, a missing image, an external image
    and an unescaped field are each reported."""
    site = tmp_path / "site"
    shutil.copytree(hostile, site)
    index = site / "index.html"
    html = index.read_text(encoding="utf-8")
    html = html.replace("</main>", '<a href="runs/gone/index.html">gone</a><img src="missing.png" alt="">'
                        '<img src="https://example.invalid/pixel.png" alt=""></main>')
    index.write_text(html, encoding="utf-8")
    run_page = min(site.glob("runs/*/index.html"))
    run_html = run_page.read_text(encoding="utf-8")
    run_page.write_text(run_html.replace("</h1>", "</h1><img src=x onerror=\"window.__xss='planted'\">", 1), encoding="utf-8")

    base = site.resolve().as_uri() + "/"
    problems, _ = crawl(chrome, base + "index.html", base)
    text = "\n".join(problems)
    assert f"{base}runs/gone/index.html: net::ERR_FILE_NOT_FOUND" in text
    assert f"image did not load: {base}missing.png" in text
    assert "request leaves the machine: https://example.invalid/pixel.png" in text
    planted = run_page.relative_to(site).as_posix()
    assert script_findings(chrome, base + planted) == ["script ran: window.__xss = planted"]


VISIBLE_VALUES = """
return Array.from(document.querySelectorAll('#runs-table tbody tr')).filter(r => !r.hidden)
  .map(r => r.cells[arguments[0]].getAttribute('data-value'));
"""


def test_leaderboard_sorts_on_the_site_and_in_the_single_file(chrome, example: tuple[Path, Path]) -> None:
    site, report = example
    for url in (site.resolve().as_uri() + "/index.html", report.resolve().as_uri()):
        chrome.get(url)
        heads = chrome.find_elements("css selector", "#runs-table thead th")
        col = next(i for i, th in enumerate(heads) if th.text.strip() in ("Best val loss", "Best loss"))
        button = heads[col].find_element("css selector", "button")
        before = [float(v) for v in chrome.execute_script(VISIBLE_VALUES, col) if v]
        assert before != sorted(before), "built in name order, so a sort has something to do"
        for direction in ("ascending", "descending"):
            button.click()
            assert heads[col].get_attribute("aria-sort") == direction
            raw = chrome.execute_script(VISIBLE_VALUES, col)
            values = [float(v) for v in raw if v]
            assert len(values) >= 10, url
            assert [v for v in raw if v] == raw[: len(values)], "runs without a value go last"
            assert values == sorted(values, reverse=direction == "descending"), (url, direction)
