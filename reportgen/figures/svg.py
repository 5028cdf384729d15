"""The SVG rendition of a figure: what a screen shows. Drawn by matplotlib's own SVG renderer from
the same laid-out figure as the PNG (figures/draw.py), with text kept as text, so one file is
sharp at any screen density and follows the page's light or dark scheme: every colour is written
as a CSS custom property with the light colour as its fallback, and the file's own style sheet
gives each a dark counterpart under `prefers-color-scheme: dark` (which an SVG shown by an
`<img>` follows). The PNG stays what prints and what the single-file report embeds.

A frame (axes, ticks, labels, legend) is rendered once and kept as text, like the PNG frame's
pixels; a figure's ink is rendered on its own and put after it, so it lands on top as in the PNG.
"""

from __future__ import annotations

import colorsys
import contextlib
import functools
import io
import re
from dataclasses import dataclass

# Deterministic output: clip-path ids hash with this salt, no date or creator in the metadata.
RC = {"svg.fonttype": "none", "svg.hashsalt": "reportgen", "svg.id": None}
_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}
# matplotlib names the font it measured; a browser without it uses the nearest wide sans-serif
_FONT = re.compile(r"font-family: ?'?DejaVu Sans'?")
_FONTS = "font-family: 'DejaVu Sans', Verdana, 'Bitstream Vera Sans', sans-serif"
# path data to a tenth of a point (matplotlib writes six decimals): finer than any screen shows
# (0.3 device pixels at 2x), and it halves the file
PRECISION = 1
_COLOR = re.compile(r"(fill|stroke|stop-color): ?(#[0-9a-fA-F]{6})")
_VAR = re.compile(r"var\(--c([0-9a-f]{6}),")
# the page's dark background (templates/static/style.css --bg), so a figure sits on the page
DARK_PAPER = "#16181c"


@dataclass(frozen=True)
class Frame:
    """A rendered frame, themed once and kept: its text up to the closing tag, where its
    start tag ends (the style sheet goes there) and the colours it uses."""

    head: str
    style_at: int
    colors: frozenset


def render_frame(fig) -> Frame:
    """`fig` drawn whole, themed, ready for ink (`combine`)."""
    text = _themed(render(fig))
    colors = frozenset(_VAR.findall(text))
    return Frame(text[: text.rindex("</svg>")], text.index(">", text.index("<svg")) + 1, colors)


def render(fig, artists=None) -> str:
    """SVG text of `fig` drawn whole (artists None), or of `artists` alone on its canvas. The
    figure's dpi must be 72 (an SVG's user unit is the point)."""
    width, height = fig.get_size_inches() * 72
    buf = io.StringIO()
    with _rc():
        renderer = _renderer()(width, height, buf, image_dpi=72, metadata=_METADATA)
        if artists is None:
            fig.draw(renderer)
        else:
            for artist in artists:
                artist.draw(renderer)
        renderer.finalize()
    return buf.getvalue()


@contextlib.contextmanager
def _rc():
    """RC set for one rendering and put back (mpl.rc_context copies every setting, which cost
    a tenth of drawing a figure's ink)."""
    import matplotlib as mpl  # here: importing reportgen's figures does not load matplotlib

    params = mpl.rcParams
    saved = {k: params[k] for k in RC}
    try:
        for k, v in RC.items():
            params[k] = v
        yield
    finally:
        for k, v in saved.items():
            params[k] = v


@functools.cache
def _renderer():
    """matplotlib's SVG renderer, writing path data to PRECISION decimals (rounded in C, where
    rewriting the text afterwards cost a sixth of the drawing time)."""
    from matplotlib import _path
    from matplotlib.backends.backend_svg import RendererSVG

    class Renderer(RendererSVG):
        def _convert_path(self, path, transform=None, clip=None, simplify=None, sketch=None):
            clip = (0.0, 0.0, self.width, self.height) if clip else None
            return _path.convert_to_string(path, transform, clip, simplify, sketch, PRECISION,
                                           [b"M", b"L", b"Q", b"C", b"z"], False).decode("ascii")

    return Renderer


def _body(svg: str) -> str:
    """What an SVG document draws: between its <svg ...> start tag and </svg>."""
    start = svg.index(">", svg.index("<svg")) + 1
    return svg[start:svg.rindex("</svg>")]


def combine(frame: Frame, ink: str) -> bytes:
    """One themed SVG file: the frame, then the ink over it, and the style sheet giving the
    dark colours of both."""
    body = _themed(_body(ink))
    colors = sorted(frame.colors | set(_VAR.findall(body)))
    head = frame.head
    svg = head[: frame.style_at] + _style(colors) + head[frame.style_at:] + body + "</svg>\n"
    return svg.encode("utf-8")


def _themed(svg: str) -> str:
    """`svg` with the browser's fonts after matplotlib's and each colour a custom property (its
    light colour as the fallback); the style sheet giving the dark ones is `_style`'s."""
    svg = _FONT.sub(_FONTS, svg)
    return _COLOR.sub(lambda m: f"{m.group(1)}: var(--c{m.group(2)[1:].lower()}, {m.group(2).lower()})", svg)


def _style(colors: list[str]) -> str:
    """The style sheet of a themed SVG using `colors` (hex digits, lower case): each colour's
    dark value on a screen in dark mode (paper stays light)."""
    dark = " ".join(f"--c{c}: {dark_color('#' + c)};" for c in colors)
    # matplotlib leaves black fills unwritten (an SVG's default), so black text and black-filled
    # shapes (a group's mean band, divergence and off-scale marks) take the theme's black here;
    # a marker's shape (a path with an id) takes its fill from the <use> that places it
    black = dark_color("#000000")
    return (f"<style>@media screen and (prefers-color-scheme: dark) {{ svg {{ {dark} }} text, "
            f"path:not([id]):not([style*='fill']), use:not([style*='fill']) {{ fill: {black}; }} }}</style>")


def dark_color(color: str) -> str:
    """The colour that plays `color`'s part on a dark background: greys mirror (white paper
    becomes the page's dark background, black text light grey, a faint grid stays faint);
    colours keep their hue and get at least as light as their mirror, so a dark blue curve
    stays blue and readable."""
    color = color.lower()
    if color == "#ffffff":
        return DARK_PAPER
    r, g, b = (int(color[i:i + 2], 16) / 255 for i in (1, 3, 5))
    h, lightness, s = colorsys.rgb_to_hls(r, g, b)
    if s < 0.08:
        lightness = 0.1 + (1.0 - lightness) * 0.8
    else:
        lightness = min(max(lightness, 1.0 - lightness, 0.55), 0.8)
    r, g, b = colorsys.hls_to_rgb(h, lightness, s)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"
