"""Figures as a reader sees them in real headless Chromium: dark on a dark-mode page (read from the
pixels the browser painted), as wide as the content column on a wide screen, and inside a 400-px
screen at a legible size."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from conftest import make_run

from reportgen.cli import main


@pytest.fixture(scope="module")
def run_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("browser-figures")
    runs = work / "runs"
    make_run(runs, "a", overfit=True)
    assert main(["build", str(runs), "-o", str(work / "site"), "-q"]) == 0
    return work / "site" / "runs" / "a" / "index.html"


def _scheme(chrome, scheme: str) -> None:
    chrome.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]})


def _width(chrome, width: int) -> None:
    # the viewport itself, whatever the window's frame takes
    chrome.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": 1000, "deviceScaleFactor": 1, "mobile": False})


def _open(chrome, page: Path) -> None:
    chrome.get(page.as_uri())
    # every figure decoded before its pixels are read (they load lazily)
    chrome.execute_script("document.querySelectorAll('img').forEach(i => i.loading = 'eager')")
    chrome.execute_async_script(
        "const done = arguments[0];"
        "Promise.all([...document.images].map(i => i.decode().catch(() => null))).then(() => done())"
    )


def _figure_luminance(chrome) -> tuple[float, str]:
    """Mean luminance (0 black .. 1 white) of the first figure's painted pixels, and the URL the
    browser chose for it."""
    import numpy as np
    from PIL import Image

    img = chrome.find_element("css selector", "figure img")
    chrome.execute_script("arguments[0].scrollIntoView()", img)
    with Image.open(io.BytesIO(img.screenshot_as_png)) as shot:
        gray = np.asarray(shot.convert("L"), dtype=np.float64)
    return float(gray.mean()) / 255, chrome.execute_script("return arguments[0].currentSrc", img)


@pytest.fixture
def browser(chrome):
    # the static figure: what a browser without scripts shows (with scripts, the interactive
    # chart takes its place on screen; tests/test_browser_interactive.py covers that)
    chrome.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    yield chrome
    chrome.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})
    chrome.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
    chrome.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_a_dark_mode_page_shows_dark_figures_and_a_light_one_light(browser, run_page: Path) -> None:
    _width(browser, 1400)
    _scheme(browser, "light")
    _open(browser, run_page)
    light, src = _figure_luminance(browser)
    assert src.endswith("loss.svg")
    assert light > 0.85  # white paper, thin dark lines
    _scheme(browser, "dark")
    _open(browser, run_page)
    dark, src = _figure_luminance(browser)
    assert src.endswith("loss.svg")
    assert dark < 0.2  # the page's dark background, light lines
    page_bg = browser.execute_script("return getComputedStyle(document.body).backgroundColor")
    assert page_bg == "rgb(22, 24, 28)"  # the DARK_PAPER the figure is drawn on


def test_figures_fill_the_content_column_on_a_wide_screen(browser, run_page: Path) -> None:
    _width(browser, 1400)
    _open(browser, run_page)
    sizes = browser.execute_script(
        "const main = document.querySelector('main'); const s = getComputedStyle(main);"
        "const column = main.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);"
        "return [column, ...[...document.querySelectorAll('figure img')].map(i => i.getBoundingClientRect().width)]"
    )
    column, widths = sizes[0], sizes[1:]
    assert column > 1000 and widths
    for width in widths:
        assert abs(width - column) <= 1, (width, column)


def test_figures_stay_inside_a_400px_screen_at_a_legible_size(browser, run_page: Path) -> None:
    _width(browser, 400)
    _open(browser, run_page)
    found = browser.execute_script(
        "return {page: document.documentElement.scrollWidth, view: window.innerWidth,"
        " boxes: [...document.querySelectorAll('figure picture')].map(p => {"
        "   const r = p.getBoundingClientRect(); const i = p.querySelector('img');"
        "   return [r.left, r.right, p.scrollWidth > p.clientWidth, i.getBoundingClientRect().width];"
        " }),"
        " hint: getComputedStyle(document.querySelector('figure figcaption'), '::before').content}"
    )
    assert found["view"] == 400 and found["page"] <= 400  # nothing pushes the page sideways
    assert found["boxes"]
    for left, right, scrolls, width in found["boxes"]:
        assert left >= 0 and right <= 400
        # drawn at most 7 in = 504 pt wide: 8-pt tick labels at >= 576 px are >= 9 px tall
        assert width >= 576 and scrolls
    assert "Scroll the figure sideways" in found["hint"]
