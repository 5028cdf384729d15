"""A page figure's one rendition, the themed SVG (figures/svg.py): shown by the page, sharp and
themed (light colours as fallbacks, dark ones on a screen under prefers-color-scheme, light on
paper), text kept as text, the same bytes whatever was drawn before, and inlined by the
single-file report. Only the index's thumbnails are PNG."""

from __future__ import annotations

import base64
import colorsys
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import make_run

from reportgen.cli import main
from reportgen.figures import svg
from reportgen.figures.draw import Painter, draw_svg
from reportgen.figures.plan import FigureSpec, Line, Marker, Panel, RefLine


class _Pictures(HTMLParser):
    """The img src of each <picture> (a figure's scroll box)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._open = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "picture":
            self._open = True
        elif tag == "source" and self._open:
            self.found.append("a <source> in a <picture>")  # no second rendition to choose from
        elif tag == "img" and self._open:
            self.found.append(dict(attrs)["src"] or "")
            self._open = False


def _pictures(html: str) -> list[str]:
    parser = _Pictures()
    parser.feed(html)
    return parser.found


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    work = tmp_path_factory.mktemp("renditions")
    runs = work / "runs"
    make_run(runs, "a", group="g")
    make_run(runs, "b", group="g", overfit=True)
    assert main(["build", str(runs), "-o", str(work / "site"), "-q", "--single-file", str(work / "report.html")]) == 0
    return work / "site", work / "report.html"


def test_every_figure_on_every_page_is_its_themed_svg(site: tuple[Path, Path]) -> None:
    out, _ = site
    seen = set()
    for page in sorted(out.rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        pictures = _pictures(html)
        assert html.count("<figure>") == len(pictures), page
        for src in pictures:
            assert src.endswith(".svg"), (page, src)
            text = (page.parent / src).resolve().read_text(encoding="utf-8")
            # dark only on a screen: a page printed from a dark browser prints light figures
            assert text.startswith("<?xml") and "@media screen and (prefers-color-scheme: dark)" in text
            seen.add((page.parent / src).resolve())
    # two run pages (loss, gap, ... each), a group page and its comparison
    assert len(seen) >= 6
    # every figure file is shown by a page, and the only PNGs are the index's thumbnails
    figures = {p for p in out.rglob("*.svg") if out / "static" not in p.parents}
    assert figures == seen
    assert {p.name for p in out.rglob("*.png")} == {"thumb.png"}


def test_the_single_file_report_inlines_each_svg(site: tuple[Path, Path]) -> None:
    out, report = site
    pictures = _pictures(report.read_text(encoding="utf-8"))
    assert pictures
    for src in pictures:
        assert src.startswith("data:image/svg+xml;base64,")
        assert b"prefers-color-scheme" in base64.b64decode(src.split(",", 1)[1])


def _spec(label: str, mark: float) -> FigureSpec:
    x = [0.0, 10.0, 20.0, 30.0]
    import numpy as np

    line = Line(label, np.array(x), np.array([2.0, 1.2, 0.9, mark]), "#0072B2", linestyle="--")
    panel = Panel(None, "step", "loss", (line,), (Marker(20.0, 0.9, "best", "*", "#E69F00", 160),),
                  (RefLine(1.5, "chance level"),))
    return FigureSpec(name="loss", alt="loss", panels=(panel,))


def test_an_svg_is_the_same_bytes_whatever_was_drawn_before() -> None:
    specs = [_spec("train", 0.8), _spec("train", 0.85), _spec("other", 0.7), _spec("train", 0.8)]
    fresh = [draw_svg(s) for s in specs]
    assert fresh[0] == fresh[3] and fresh[0] != fresh[1]
    for order in ([0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1]):
        painter = Painter("svg")
        assert {i: painter.draw(specs[i]) for i in order} == dict(enumerate(fresh))
    text = fresh[0].decode("utf-8")
    assert "<dc:date>" not in text and "Matplotlib v" not in text


def test_svg_text_is_text_and_every_colour_has_a_dark_counterpart() -> None:
    text = draw_svg(_spec("train (train_loss)", 0.8)).decode("utf-8")
    words = set(re.findall(r"<text[^>]*>([^<]*)</text>", text))
    assert {"train (train_loss)", "step", "loss", "best", "chance level"} <= words
    # no colour left as a bare literal: each is var(--cRRGGBB, #rrggbb) ...
    drawn = re.sub(r"<style>.*?</style>", "", text, flags=re.S)
    assert not re.search(r"(fill|stroke): ?#", drawn)
    used = set(re.findall(r"var\(--c([0-9a-f]{6}), #\1\)", text))
    assert {"0072b2", "e69f00", "ffffff"} <= used
    # ... and the dark style sheet defines every one of them
    dark = dict(re.findall(r"--c([0-9a-f]{6}): (#[0-9a-f]{6});", text))
    assert set(dark) == used
    assert dark["ffffff"] == svg.DARK_PAPER


def test_black_fills_matplotlib_leaves_unwritten_turn_light_in_the_dark() -> None:
    import numpy as np

    from reportgen.figures.plan import Band

    x = np.arange(5.0)
    band = Band(x, x - 1, x + 1, "#000000", "95% confidence interval", alpha=0.18)
    panel = Panel(None, "step", "loss", (Line("mean", x, x, "#000000"),), bands=(band,))
    text = draw_svg(FigureSpec(name="g", alt="g", panels=(panel,))).decode("utf-8")
    unfilled = [s for s in re.findall(r'<path d="[^"]*" (?:clip-path="[^"]*" )?style="([^"]*)"', text) if "fill" not in s]
    assert any("opacity: 0.18" in s for s in unfilled)  # the band: black by SVG's default
    assert f"path:not([id]):not([style*='fill']), use:not([style*='fill']) {{ fill: {svg.dark_color('#000000')}; }}" in text


def _luminance(color: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(int(color[i:i + 2], 16) / 255) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@pytest.mark.parametrize("color", ["#000000", "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#8B0000", "#555555"])
def test_dark_colours_keep_their_hue_and_read_on_the_dark_paper(color: str) -> None:
    dark = svg.dark_color(color)
    contrast = (_luminance(dark) + 0.05) / (_luminance(svg.DARK_PAPER) + 0.05)
    assert contrast >= 4.5, (color, dark, contrast)  # WCAG AA for text, more than lines need
    h0, _, s0 = colorsys.rgb_to_hls(*(int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)))
    h1, _, _ = colorsys.rgb_to_hls(*(int(dark[i:i + 2], 16) / 255 for i in (1, 3, 5)))
    if s0 > 0.08:
        assert min(abs(h0 - h1), 1 - abs(h0 - h1)) < 0.02  # a blue curve stays blue
