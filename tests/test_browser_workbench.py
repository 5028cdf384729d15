"""The index workbench in a real headless Chromium, from file:// and in the single-file report:
search filters rows, the column picker adds and removes columns, ticking runs overlays exactly
those runs (their logged values), incomparable runs never share an axis, the URL restores the
view, and the page stays free of console errors and serious accessibility violations."""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import urlencode

import numpy as np
import pytest
from browser_support import AXE_JS, drain_logs, http_site, need
from conftest import exp_curve, make_run, write_csv

from reportgen.cli import main

pytestmark = pytest.mark.browser

NAMES = ("alpha", "beta", "gamma <b>&", "delta")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(site, single-file report): two comparable classifiers, a regression run (MSE, never on
    their axis) whose name is markup, and a classifier counted in epochs."""
    work = tmp_path_factory.mktemp("workbench")
    runs = work / "runs"
    common = {"task": "classification", "loss": "cross_entropy", "num_classes": 10}
    make_run(runs, "alpha", hparams={"lr": 0.1, "seed": 1}, notes="Wide net, zebra schedule.", **common)
    make_run(runs, "beta", overfit=True, hparams={"lr": 0.01, "seed": 1}, tags=["zebra"], **common)
    make_run(runs, "gamma", task="regression", loss="mse", hparams={"lr": 0.5, "seed": 1})
    manifest = runs / "gamma.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("name: gamma", "name: gamma <b>&"), encoding="utf-8")
    epochs = np.arange(1, 21)
    write_csv(runs / "logs" / "delta.csv", {"epoch": list(epochs), "val_loss": list(exp_curve(epochs, r=0.2, c=0.3))})
    (runs / "delta.yaml").write_text(
        "name: delta\ntask: classification\nloss: cross_entropy\nlogs: logs/delta.csv\nhparams: {lr: 0.2, seed: 1}\n",
        encoding="utf-8",
    )
    code = main(["build", str(runs), "-o", str(work / "site"), "-q", "--single-file", str(work / "report.html")])
    assert code == 0
    return work / "site", work / "report.html"


@pytest.fixture(params=["site", "single file"])
def index_url(request: pytest.FixtureRequest, built: tuple[Path, Path]) -> str:
    site, report = built
    return (site / "index.html" if request.param == "site" else report).resolve().as_uri()


def view(chrome, url: str, **state: object) -> None:
    """Open the index with a view in its query string (as a shared link carries it)."""
    query = {k: json.dumps(v) if isinstance(v, list) else v for k, v in state.items()}
    chrome.get(url + ("?" + urlencode(query) if query else ""))
    settle(chrome)


def settle(chrome) -> None:
    deadline = time.time() + 20
    while time.time() < deadline:
        if chrome.execute_script("return !!window.reportgenWorkbench && window.reportgenWorkbench.ready()"):
            return
        time.sleep(0.05)
    raise AssertionError("the ticked runs' data never loaded")


def panels(chrome) -> list[dict]:
    return chrome.execute_script("return window.reportgenWorkbench.panels()")


def visible_runs(chrome) -> list[str]:
    return chrome.execute_script(
        "return Array.from(document.querySelectorAll('#runs-table tbody tr')).filter(r => !r.hidden)"
        ".map(r => r.getAttribute('data-run'))"
    )


def tick(chrome, name: str) -> None:
    box = chrome.execute_script(
        "return Array.from(document.querySelectorAll('#runs-table label.pick input')).find(b => b.value === arguments[0])", name
    )
    box.click()
    settle(chrome)


def test_search_filters_rows_by_name_tag_and_notes(chrome, index_url: str) -> None:
    view(chrome, index_url)
    assert sorted(visible_runs(chrome)) == sorted(NAMES)
    search = chrome.find_element("id", "runs-search")
    search.send_keys("zebra")  # alpha's notes, beta's tag
    assert sorted(visible_runs(chrome)) == ["alpha", "beta"]
    search.clear()
    search.send_keys("<B>")  # a run name is matched as text, case-insensitively
    assert visible_runs(chrome) == ["gamma <b>&"]
    assert "q=%3CB%3E" in chrome.current_url


HEADS = "return Array.from(document.querySelectorAll('#runs-table thead th')).filter(t => !t.hidden).map(t => t.textContent.trim())"
COLUMN = """
var th = document.querySelector('#runs-table thead th[data-col="' + arguments[0] + '"]');
var i = Array.prototype.indexOf.call(th.parentNode.cells, th);
return Array.from(document.querySelectorAll('#runs-table tbody tr')).map(r => r.cells[i].textContent);
"""


def test_column_picker_adds_and_removes_columns(chrome, index_url: str) -> None:
    view(chrome, index_url)
    before = chrome.execute_script(HEADS)
    assert "lr" not in before and "seed" not in before
    chrome.find_element("css selector", "#column-picker summary").click()
    for col in ("h:seed", "h:lr", "m:final:val_loss"):
        chrome.find_element("css selector", f'#column-picker input[value="{col}"]').click()
    assert chrome.execute_script(HEADS) == [*before, "seed", "lr", "val_loss final"]
    assert chrome.execute_script(COLUMN, "h:seed") == ["1"] * len(NAMES)
    lrs = chrome.execute_script("return Array.from(document.querySelectorAll('#runs-table tbody tr')).map(r => r.getAttribute('data-run'))")
    assert dict(zip(lrs, chrome.execute_script(COLUMN, "h:lr"))) == {"alpha": "0.1", "beta": "0.01", "gamma <b>&": "0.5", "delta": "0.2"}
    # the keyboard removes one: focus its box, press space
    from selenium.webdriver.common.keys import Keys

    chrome.find_element("css selector", '#column-picker input[value="h:lr"]').send_keys(Keys.SPACE)
    heads = chrome.execute_script(HEADS)
    assert heads == [*before, "seed", "val_loss final"]
    chrome.find_element("css selector", '#column-picker input[value="h:seed"]').send_keys(Keys.ESCAPE)
    assert chrome.execute_script("return document.getElementById('column-picker').open") is False
    assert chrome.execute_script("return document.activeElement.tagName") == "SUMMARY"
    finals = chrome.execute_script(COLUMN, "m:final:val_loss")
    assert all(float(v) > 0 for v in finals)
    # the new column sorts like the others
    chrome.execute_script("document.querySelector('#runs-table thead th[data-col=\"m:final:val_loss\"] button').click()")
    values = [float(v) for v in chrome.execute_script(COLUMN, "m:final:val_loss")]
    assert values == sorted(values)
    # and the choice is in the URL: a reload restores it
    chrome.get(chrome.current_url)
    settle(chrome)
    assert chrome.execute_script(HEADS) == heads


def test_ticking_two_runs_overlays_exactly_those_two(chrome, index_url: str, built: tuple[Path, Path]) -> None:
    view(chrome, index_url)
    tick(chrome, "beta")
    tick(chrome, "alpha")
    found = panels(chrome)
    assert [(p["series"], p["unit"], p["role"]) for p in found] == [(["alpha", "beta"], "step", "val_loss")]
    x, a, b = found[0]["data"]
    # the make_run logs: validation loss every 10th step, exp_curve(step, c=0.3) for alpha
    at = x.index(99)
    assert a[at] == pytest.approx(float(exp_curve(np.array([99]), c=0.3)[0]), rel=1e-12)
    assert b[at] is not None
    assert chrome.find_element("id", "workbench-note").text == ""
    assert "best" in chrome.find_element("css selector", "table.workbench-facts").text.lower()
    # a reload of the page's own URL restores the ticks and the overlay
    chrome.get(chrome.current_url)
    settle(chrome)
    assert [p["series"] for p in panels(chrome)] == [["alpha", "beta"]]
    checked = chrome.execute_script("return Array.from(document.querySelectorAll('label.pick input:checked')).map(b => b.value)")
    assert sorted(checked) == ["alpha", "beta"]


def test_incomparable_runs_never_share_an_axis(chrome, index_url: str) -> None:
    view(chrome, index_url, runs=["alpha", "gamma <b>&", "delta"])
    found = panels(chrome)
    # a cross-entropy never beside an MSE; epochs (delta) never beside steps (alpha)
    assert sorted((p["series"], p["unit"]) for p in found) == [(["alpha"], "step"), (["delta"], "epoch"), (["gamma <b>&"], "step")]
    assert "cannot share one axis: 3 panels" in chrome.find_element("id", "workbench-note").text
    titles = [p["title"] for p in found]
    assert "regression, mse loss, by step" in titles


def test_runs_of_one_colour_never_look_alike(chrome, index_url: str) -> None:
    """The palette has 7 colours for the site's sorted runs; here every run gets a colour of its
    own, so force a clash: the later of two runs of one colour on a panel is dashed."""
    view(chrome, index_url)
    chrome.execute_script("document.querySelectorAll('#runs-table tbody tr').forEach(r => r.setAttribute('data-color', '#0072B2'))")
    tick(chrome, "alpha")
    tick(chrome, "beta")
    assert [p["series"] for p in panels(chrome)] == [["alpha", "beta"]]
    assert chrome.execute_script("return window.reportgenWorkbench.styles()") == [None, [8, 4]]


def test_curve_choice_train_loss(chrome, index_url: str) -> None:
    view(chrome, index_url, runs=["alpha", "beta"], curve="train_loss")
    found = panels(chrome)
    assert [(p["series"], p["role"]) for p in found] == [(["alpha", "beta"], "train_loss")]
    assert len(found[0]["data"][0]) == 200  # 200 steps fit the budget: every point drawn


def test_overlay_over_http_under_a_sub_path(chrome, built: tuple[Path, Path]) -> None:
    """Published under /<folder>/ (GitHub Pages): the overlay scripts load relative to the page."""
    site, _ = built
    with http_site(site.parent) as base:
        drain_logs(chrome)
        view(chrome, base + site.name + "/index.html", runs=["alpha", "beta"])
        assert [p["series"] for p in panels(chrome)] == [["alpha", "beta"]]
        requested, failed, console = drain_logs(chrome)
        assert (failed, console) == ([], [])
        assert base + site.name + "/runs/alpha/overlay.js" in requested


AXE_RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ['violations']}).then(r => done(
  r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
   .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))
)).catch(e => done(['axe failed: ' + e]));
"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_console_error_and_no_serious_accessibility_violation(chrome, index_url: str, scheme: str) -> None:
    need(AXE_JS, "axe-core (npm)")
    chrome.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]})
    try:
        drain_logs(chrome)
        view(chrome, index_url, runs=["alpha", "gamma <b>&"], q="a")
        chrome.find_element("css selector", "#column-picker summary").click()
        tick(chrome, "beta")
        time.sleep(0.05)  # let late console messages arrive
        # read before axe runs: axe itself re-reads the stylesheets, which file:// refuses it
        _requested, failed, console = drain_logs(chrome)
        assert (failed, console) == ([], [])
        assert len(panels(chrome)) == 2
        chrome.execute_script(AXE_JS.read_text(encoding="utf-8"))
        assert chrome.execute_async_script(AXE_RUN) == []
        assert chrome.execute_script("return window.__xss === undefined")
    finally:
        chrome.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})


def test_without_scripts_the_index_is_the_plain_table(built: tuple[Path, Path]) -> None:
    """Progressive enhancement: the workbench and picker are hidden until the script shows them,
    the varying hyper-parameters are table cells, and user text is escaped."""
    html = (built[0] / "index.html").read_text(encoding="utf-8")
    assert '<section class="workbench" id="workbench" aria-labelledby="workbench-h" hidden>' in html
    assert '<form class="filters" id="runs-filters" hidden>' in html
    assert "gamma &lt;b&gt;&amp;" in html and "gamma <b>" not in html
    assert '<div class="sub hparams"><span>lr=0.1</span></div>' in html  # the one that differs, under the name
