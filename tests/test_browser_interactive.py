"""Interactive figures in a real headless Chromium, on the example site from file:// and in the
single-file report: hover reads the exact logged value at a known step, drag zooms the x range
and double-click restores it, log/linear toggles, the browser's EMA is the analysis' EMA, the
browser's CSV is the Python one byte for byte, and no console error or serious axe finding."""

from __future__ import annotations

import csv
import json
import math
import time

import numpy as np
import pytest
from browser_support import AXE_JS, ROOT, drain_logs, need

from reportgen.analysis.smoothing import ema
from reportgen.cli import main
from reportgen.site.figure_data import figure_csv

pytestmark = pytest.mark.browser

RUN = "digits-mlp-overfit"
LOG = ROOT / "runs" / RUN / "training_log.csv"
SECTION = f"page-runs-{RUN}"  # the run's section in the single-file report (single_file.page_id)


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """URLs of the example run's page on the built site and in the single-file report."""
    work = tmp_path_factory.mktemp("interactive")
    code = main(["build", str(ROOT / "runs"), "-o", str(work / "site"), "-q", "--single-file", str(work / "report.html")])
    assert code in (0, 1)  # 1: an example shows how a bad input is reported; the site is built
    return {
        "site": (work / "site" / "runs" / RUN / "index.html").resolve().as_uri(),
        "single": (work / "report.html").resolve().as_uri() + "#" + SECTION,
        "site_root": (work / "site").resolve().as_uri() + "/",
    }


def logged(column: str) -> dict[int, float]:
    """step -> value of one column of the example's log, read with the csv module."""
    with LOG.open(encoding="utf-8", newline="") as f:
        return {int(row["step"]): float(row[column]) for row in csv.DictReader(f) if row[column]}


FIND = """
const section = arguments[0] ? document.getElementById(arguments[0]) : document;
const done = arguments[arguments.length - 1];
const t0 = Date.now();
(function wait() {
  const figs = (window.reportgenFigures || {figures: []}).figures;
  const i = figs.findIndex(f => f.data.name === arguments[1] && section.contains(f.root) && f.plots.length);
  if (i >= 0 || Date.now() - t0 > 10000) return done(i);
  setTimeout(wait, 50);
})();
"""


def open_figure(driver, url: str, name: str, section: str | None) -> int:
    """Load `url` and wait for figure `name` to be drawn live; returns its index."""
    drain_logs(driver)
    driver.get(url)
    index = driver.execute_async_script(FIND.replace("arguments[1]", json.dumps(name)), section)
    assert index >= 0, f"figure {name!r} never went live on {url}"
    return index


def plot_js(index: int, panel: int = 0) -> str:
    return f"const f = reportgenFigures.figures[{index}]; const u = f.plots[{panel}];"


def over_point(driver, index: int, x_value: float, fraction_y: float = 0.5) -> tuple[float, float]:
    """Viewport coordinates of x = `x_value` on the plot area of figure `index`."""
    return tuple(driver.execute_script(plot_js(index) + """
const r = u.over.getBoundingClientRect();
u.over.scrollIntoView({block: 'center'});
const r2 = u.over.getBoundingClientRect();
return [r2.left + u.valToPos(arguments[0], 'x'), r2.top + r2.height * arguments[1]];
""", x_value, fraction_y))


def pointer(driver):
    from selenium.webdriver.common.actions.action_builder import ActionBuilder

    return ActionBuilder(driver)


def move(driver, x: float, y: float) -> None:
    actions = pointer(driver)
    actions.pointer_action.move_to_location(round(x), round(y))
    actions.perform()


def readout(driver, index: int) -> dict[str, dict[str, str]]:
    """The crosshair table: series -> {column header: text}, the columns shown."""
    head, rows = driver.execute_script(
        f"const f = reportgenFigures.figures[{index}];"
        "return [Array.from(f.readout.querySelectorAll('thead th')).filter(th => !th.hidden).map(th => th.textContent),"
        " Array.from(f.readout.querySelectorAll('tbody tr')).map(tr => Array.from(tr.cells).map(c => c.textContent))];"
    )
    return {r[0]: dict(zip(head[1:], r[1:])) for r in rows}


@pytest.mark.parametrize("where", ["site", "single"])
def test_hover_shows_the_exact_logged_value_at_a_known_step(chrome, example: dict[str, str], where: str) -> None:
    index = open_figure(chrome, example[where], "loss", SECTION if where == "single" else None)
    # the live chart takes the static figure's place on screen: one figure, not two
    shown = chrome.execute_script(
        f"const r = reportgenFigures.figures[{index}].root;"
        "return [...r.querySelectorAll(':scope > picture, :scope > img')].map(e => getComputedStyle(e).display);"
    )
    assert shown and set(shown) == {"none"}
    train, val = logged("train_loss"), logged("val_loss")
    step = 300  # both losses are logged at step 300
    move(chrome, *over_point(chrome, index, step))
    rows = readout(chrome, index)
    assert set(rows) == {"train (train_loss)", "validation (val_loss)"}
    for label, values in (("train (train_loss)", train), ("validation (val_loss)", val)):
        row = rows[label]
        assert row["step"] == str(step)
        assert float(row["value"]) == values[step]  # every digit the log holds
        assert row["epoch"] == str(int(logged("epoch")[step]))
    assert "time" not in rows["train (train_loss)"]  # the example logs no wall time: no empty column
    python = ema(np.array([train[s] for s in sorted(train)]))[sorted(train).index(step)]
    assert math.isclose(float(rows["train (train_loss)"]["smoothed"]), python, rel_tol=1e-5)


@pytest.mark.parametrize("where", ["site", "single"])
def test_drag_zooms_the_x_range_and_double_click_restores_it(chrome, example: dict[str, str], where: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    index = open_figure(chrome, example[where], "loss", SECTION if where == "single" else None)
    scale = plot_js(index) + "return [u.scales.x.min, u.scales.x.max];"
    full = chrome.execute_script(scale)
    assert full == [1, 750]
    x1, y = over_point(chrome, index, 200)
    x2, _ = over_point(chrome, index, 400)
    drag = pointer(chrome)
    drag.pointer_action.move_to_location(round(x1), round(y)).pointer_down().move_to_location(round(x2), round(y)).pointer_up()
    drag.perform()
    lo, hi = chrome.execute_script(scale)
    assert 190 < lo < 210 and 390 < hi < 410, (lo, hi)
    # the readout follows the zoomed axis: hovering 300 still reads step 300
    move(chrome, *over_point(chrome, index, 300))
    assert readout(chrome, index)["train (train_loss)"]["step"] == "300"
    over = chrome.execute_script(plot_js(index) + "return u.over;")
    ActionChains(chrome).double_click(over).perform()
    assert chrome.execute_script(scale) == full


@pytest.mark.parametrize("where", ["site", "single"])
def test_log_linear_toggles(chrome, example: dict[str, str], where: str) -> None:
    index = open_figure(chrome, example[where], "loss", SECTION if where == "single" else None)
    state = plot_js(index) + "return [u.scales.y.distr, f.logButton.getAttribute('aria-pressed')];"
    assert chrome.execute_script(state) == [3, "true"]  # the loss spans decades: log, as the image
    button = chrome.execute_script(f"return reportgenFigures.figures[{index}].logButton;")
    chrome.execute_script("arguments[0].scrollIntoView({block: 'center'});", button)
    button.click()
    assert chrome.execute_script(state) == [1, "false"]
    button.click()
    assert chrome.execute_script(state) == [3, "true"]
    # the generalisation gap offers a log scale exactly when all its values are positive
    gap = open_figure(chrome, example[where], "gap", SECTION if where == "single" else None)
    values = chrome.execute_script(
        f"return reportgenFigures.figures[{gap}].data.panels.flatMap(p => p.series.flatMap(s => s.y));"
    )
    finite = [v for v in values if v is not None]
    assert finite, "the gap figure ships its values"
    disabled = chrome.execute_script(f"return reportgenFigures.figures[{gap}].logButton.disabled;")
    assert disabled is (min(finite) <= 0)


def test_browser_ema_is_the_analysis_ema(chrome, example: dict[str, str]) -> None:
    open_figure(chrome, example["site"], "loss", None)
    rng = np.random.default_rng(7)
    noisy = np.exp(-np.arange(3000) / 500) + rng.normal(0, 0.05, 3000)
    with_gaps = noisy.copy()
    with_gaps[[5, 6, 700, 2999]] = np.nan
    cases = [(noisy, 0.6), (noisy, 0.9), (noisy, 0.999), (with_gaps, 0.6), (np.full(20, 0.25), 0.6), (noisy[:50], 0.0)]
    for values, weight in cases:
        js = chrome.execute_script(
            "return reportgenFigures.ema(arguments[0], arguments[1], null);",
            [None if not math.isfinite(v) else v for v in values.tolist()], weight,
        )
        py = ema(values, weight)
        got = np.array([np.nan if v is None else v for v in js], dtype=float)
        np.testing.assert_allclose(got, py, rtol=0, atol=1e-9, equal_nan=True)


@pytest.mark.parametrize("where", ["site", "single"])
def test_browser_csv_is_the_python_csv(chrome, example: dict[str, str], where: str) -> None:
    open_figure(chrome, example[where], "loss", SECTION if where == "single" else None)
    pairs = chrome.execute_script(
        "return reportgenFigures.figures.map(f => [f.root.querySelector('script.fig-json').textContent, reportgenFigures.csv(f.data)]);"
    )
    assert len(pairs) >= 4
    for text, js_csv in pairs:
        assert js_csv.encode("utf-8") == figure_csv(json.loads(text))


AXE_RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ['violations']}).then(r => done(
  r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
   .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))
)).catch(e => done(['axe failed: ' + e]));
"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_live_figures_raise_no_console_error_or_serious_axe_finding(chrome, example: dict[str, str], scheme: str) -> None:
    need(AXE_JS, "axe-core (npm)")
    axe = AXE_JS.read_text(encoding="utf-8")
    chrome.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]})
    try:
        found = {}
        root = example["site_root"]
        pages = {"run": (example["site"], "loss", None), "single file": (example["single"], "loss", SECTION)}
        for label, (url, name, section) in pages.items():
            index = open_figure(chrome, url, name, section)
            move(chrome, *over_point(chrome, index, 100))  # the readout table too
            time.sleep(0.05)
            # console first: axe itself asks for file:// stylesheets, which Chromium refuses
            found[label] = [f"console: {c}" for c in drain_logs(chrome)[2]]
            chrome.execute_script(axe)
            found[label] += chrome.execute_async_script(AXE_RUN)
        # a group and a comparison page, whose curves come from the figure, not a run's log
        for page in ("groups/digits-mlp/index.html", "compare/tag-adam/index.html"):
            drain_logs(chrome)
            chrome.get(root + page)
            live = chrome.execute_script("return document.querySelectorAll('figure.is-live').length;")
            time.sleep(0.05)
            found[page] = [f"console: {c}" for c in drain_logs(chrome)[2]] + ([] if live else ["no live figure"])
            chrome.execute_script(axe)
            found[page] += chrome.execute_async_script(AXE_RUN)
        assert {k: v for k, v in found.items() if v} == {}
    finally:
        chrome.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})


def test_smoothing_slider_recomputes_the_analysis_ema(chrome, example: dict[str, str]) -> None:
    index = open_figure(chrome, example["site"], "loss", None)
    train = logged("train_loss")
    steps = sorted(train)
    chrome.execute_script(
        f"const s = reportgenFigures.figures[{index}].slider; s.value = '0.9'; s.dispatchEvent(new Event('input'));"
    )
    move(chrome, *over_point(chrome, index, 300))
    smoothed = float(readout(chrome, index)["train (train_loss)"]["smoothed"])
    python = ema(np.array([train[s] for s in steps]), 0.9)[steps.index(300)]
    assert math.isclose(smoothed, python, rel_tol=1e-5)
    assert not math.isclose(smoothed, ema(np.array([train[s] for s in steps]), 0.6)[steps.index(300)], rel_tol=1e-3)


def test_keyboard_moves_the_crosshair_through_the_logged_points(chrome, example: dict[str, str]) -> None:
    from selenium.webdriver.common.keys import Keys

    index = open_figure(chrome, example["site"], "loss", None)
    box = chrome.execute_script(f"const b = reportgenFigures.figures[{index}].box; b.scrollIntoView({{block: 'center'}}); return b;")
    box.send_keys(Keys.END)
    last = max(logged("train_loss"))
    assert readout(chrome, index)["train (train_loss)"]["step"] == str(last)
    box.send_keys(Keys.HOME)
    box.send_keys(Keys.ARROW_RIGHT)
    row = readout(chrome, index)["train (train_loss)"]
    assert row["step"] == "2" and float(row["value"]) == logged("train_loss")[2]


def test_panels_on_different_x_units_zoom_apart(chrome, example: dict[str, str]) -> None:
    """A comparison's panel by epoch and its panel by step are different axes: zooming one
    leaves the other (a group's curve and run-count panels, on one unit, zoom together)."""
    url = example["site_root"] + "compare/tag-adam/index.html"
    index = open_figure(chrome, url, "curves", None)
    units = chrome.execute_script(f"return reportgenFigures.figures[{index}].data.panels.map(p => p.x);")
    assert units == ["epoch", "step"]
    ranges = f"return reportgenFigures.figures[{index}].plots.map(u => [u.scales.x.min, u.scales.x.max]);"
    before = chrome.execute_script(ranges)
    chrome.execute_script(plot_js(index, 1) + "u.setScale('x', {min: 20, max: 40});")
    after = chrome.execute_script(ranges)
    assert after[0] == before[0] and after[1] == [20, 40]
    group = open_figure(chrome, example["site_root"] + "groups/digits-mlp/index.html", "group-val-loss", None)
    chrome.execute_script(plot_js(group, 0) + "u.setScale('x', {min: 100, max: 200});")
    assert chrome.execute_script(f"return reportgenFigures.figures[{group}].plots.map(u => [u.scales.x.min, u.scales.x.max]);") == [
        [100, 200], [100, 200]]


def test_a_diverged_runs_smoothed_curve_is_drawn_up_to_the_divergence(chrome, example: dict[str, str]) -> None:
    """The example whose loss reaches 1.8e37: a canvas drops a whole path with a point that far
    off, which once hid the smoothed training curve; it must be drawn where the loss is sane."""
    url = example["site_root"] + "runs/diabetes-linear-diverge/index.html"
    index = open_figure(chrome, url, "loss", None)
    found = chrome.execute_script(plot_js(index) + """
const f2 = reportgenFigures.figures[arguments[0]];
const j = f2.data.panels[0].series.findIndex(s => s.smooth);
const k = 1 + 2 * j + 1;  // uPlot series: x, then raw and smoothed of each smoothed series
const smooth = f2.data.panels[0].series[j].smooth;
const stroke = u.series[k].stroke();
const probe = document.createElement('canvas').getContext('2d');
probe.fillStyle = stroke; probe.fillRect(0, 0, 1, 1);
const want = probe.getImageData(0, 0, 1, 1).data;
const px = u.ctx.canvas.width / u.ctx.canvas.getBoundingClientRect().width;
const left = Math.round(u.bbox.left), top = Math.round(u.bbox.top);
const right = Math.round(u.bbox.left + u.valToPos(100, 'x') * px);  // before the divergence at step 111
const img = u.ctx.getImageData(left, top, right - left, Math.round(u.bbox.height)).data;
let near = 0;
for (let i = 0; i < img.length; i += 4) {
  // the canvas is transparent: the faint raw curve has the same colour at a third of the opacity
  if (img[i + 3] > 150 && Math.abs(img[i] - want[0]) + Math.abs(img[i + 1] - want[1]) + Math.abs(img[i + 2] - want[2]) < 40) near++;
}
return [near, Math.max(...smooth.filter(v => v !== null))];
""", index)
    near, peak = found
    assert peak > 1e30  # the smoothed values the page holds do reach far off the plot
    assert near > 20, f"only {near} pixels of the smoothed curve's colour left of step 100"
