"""What the sweep page draws (pure): slice plots with their fitted trend, strip plots of
categorical hparams, the fitted surface of the two most important hparams, parallel
coordinates coloured by the objective, and the curves coloured by the swept hparam.

Colours that encode a number come from one ordered, colour-blind-safe map (viridis, cut before
its palest yellow, which vanishes on white); the page draws the matching colour bar in HTML
(`ColorBar`), so it stays sharp and readable by screen readers.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from reportgen.analysis.sweep_advice import value_text
from reportgen.analysis.sweep_fit import SliceFit, Surface
from reportgen.analysis.sweeps import HParam, SweepAnalysis, SweepPoint, seed_spread
from reportgen.figures.decimation import decimate, x_values
from reportgen.figures.plan import Band, FigureSpec, Line, Marker, Panel, RefLine
from reportgen.model import RunData

TREND_COLOR = "#0072B2"
REGION_COLOR = "#009E73"
FAILED_COLOR = "#D55E00"
MEAN_COLOR = "#000000"
CMAP_END = 0.9  # viridis beyond this is too pale on a white page
STYLES = ("-", "--", ":", "-.")


@dataclass(frozen=True)
class ColorBar:
    """An HTML colour bar: what the colour means, and (colour, label) stops from low to high."""

    label: str
    stops: tuple[tuple[str, str], ...]
    discrete: bool  # one swatch per value (an hparam's tried values), else a gradient


def ordered_color(t: float) -> str:
    """Hex colour at position t in [0, 1] of the ordered map (0: dark purple, 1: yellow-green)."""
    r, g, b, _ = _viridis()(CMAP_END * min(max(t, 0.0), 1.0))
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


@functools.cache
def _viridis() -> Any:
    """matplotlib's viridis, looked up once: the registry hands out a fresh copy on every lookup,
    which builds its 256-colour table again on first use (0.1 ms, 1,000 times on a 200-run
    sweep's pages). Never modified, so one copy serves every call."""
    from matplotlib import colormaps

    return colormaps["viridis"]


def position(value: Any, h: HParam) -> float:
    """Where a value sits in the hparam's searched range, 0 (lowest) to 1 (highest); categorical
    values by their order."""
    if h.kind == "categorical":
        keys = [str(v) for v in h.values]
        return keys.index(str(value)) / max(len(keys) - 1, 1)
    lo, hi, v = float(h.values[0]), float(h.values[-1]), float(value)
    if h.log:
        lo, hi, v = math.log10(lo), math.log10(hi), math.log10(v)
    return (v - lo) / (hi - lo) if hi > lo else 0.5


def objective_scale(points: Sequence[SweepPoint]) -> str:
    """"log" when the healthy runs' objective values are positive and span a decade or more."""
    vals = np.array([p.value for p in points if p.failure is None and p.value is not None], dtype=np.float64)
    vals = vals[np.isfinite(vals)]
    return "log" if vals.size and (vals > 0).all() and vals.max() / vals.min() >= 10 else "linear"


def _xlim(h: HParam) -> tuple[float, float]:
    lo, hi = float(h.values[0]), float(h.values[-1])
    if h.log:
        pad = (math.log10(hi) - math.log10(lo)) * 0.06
        return 10 ** (math.log10(lo) - pad), 10 ** (math.log10(hi) + pad)
    pad = (hi - lo) * 0.06
    return lo - pad, hi + pad


def _dodge(h: HParam, x: float, k: int, count: int) -> float:
    """x moved a little so configurations at the same value do not hide each other's CI."""
    if count <= 1:
        return x
    step = 0.012 * (k - (count - 1) / 2)
    if h.log:
        lo, hi = math.log10(float(h.values[0])), math.log10(float(h.values[-1]))
        return 10 ** (math.log10(x) + step * (hi - lo))
    return x + step * (float(h.values[-1]) - float(h.values[0]))


SHAPES = ("o", "s", "^", "D")


def _config_marks(a: SweepAnalysis, h: HParam, x_of: Any) -> tuple[list[Line], list[Marker]]:
    """Each configuration's mean (a dot) and 95% CI (a vertical bar), seeds pooled; when one other
    hparam varies with at most 4 values, its value picks the dot's shape (and names it)."""
    others = [o for o in a.hparams if o.name != h.name]
    shape_by = others[0] if len(others) == 1 and len(others[0].values) <= len(SHAPES) else None
    mean = "geometric mean" if a.log_space else "mean"
    lines, marks = [], []
    by_x: dict[Any, list] = {}
    for c in a.configurations:
        by_x.setdefault(str(c.value(h.name)), []).append(c)
    named: set[str] = set()
    for group in by_x.values():
        for k, c in enumerate(group):
            s = c.spread
            if s.n == 0:
                continue
            x = x_of(c.value(h.name), k, len(group))
            if math.isfinite(s.ci95_low):
                lines.append(Line(None, np.array([x, x]), np.array([s.ci95_low, s.ci95_high]), MEAN_COLOR, linewidth=1.2))
            shape, label = "o", f"configuration: {mean} ± 95% CI"
            if shape_by is not None:
                level = [str(v) for v in shape_by.values].index(str(c.value(shape_by.name)))
                shape, label = SHAPES[level], f"{shape_by.name} = {value_text(shape_by.values[level])}: {mean} ± 95% CI"
            marks.append(Marker(x, s.mean, "" if label in named else label, shape, MEAN_COLOR, 30.0))
            named.add(label)
    return lines, marks


def _failed_marks(points: Sequence[SweepPoint], name: str, x_of: Any, top: float) -> list[Marker]:
    out = []
    for p in points:
        if p.failure is None:
            continue
        y = p.value if p.value is not None and math.isfinite(p.value) else top
        out.append(Marker(x_of(p.hparams[name], 0, 1), y, "" if out else "failed run (kept out of the fit)", "X",
                          FAILED_COLOR, 60.0))
    return out


def _y_extent(a: SweepAnalysis, points: Sequence[SweepPoint], fit: SliceFit | None) -> tuple[float, float]:
    """The runs' values and the trend: a CI from two seeds, or the trend's band where runs are few,
    can be far wider than the data and would squash it, so bars and bands may run off the axes
    (one that leaves the plot is wide)."""
    vals = [p.value for p in points if p.value is not None and math.isfinite(p.value)]
    if fit is not None and fit.mean is not None:
        vals += [float(np.nanmin(fit.mean)), float(np.nanmax(fit.mean))]
    return (min(vals), max(vals)) if vals else (0.0, 1.0)


def _ylim(lo: float, hi: float, yscale: str) -> tuple[float, float]:
    if yscale == "log" and lo > 0:
        pad = (math.log10(hi) - math.log10(lo)) * 0.08 or 0.1
        return 10 ** (math.log10(lo) - pad), 10 ** (math.log10(hi) + pad)
    pad = (hi - lo) * 0.08 or abs(hi) * 0.1 or 1.0
    return lo - pad, hi + pad


def plan_slice(a: SweepAnalysis, h: HParam, fit: SliceFit, points: Sequence[SweepPoint], ylabel: str,
               yscale: str) -> FigureSpec:
    """The objective against one numeric hparam: configurations with their CI, the fitted trend
    and its band, the best region shaded, the fitted optimum, failed runs marked."""
    lo, hi = _ylim(*_y_extent(a, points, fit), yscale)
    bands, lines, refs = [], [], []
    if fit.method is not None:
        r0, r1 = fit.region
        bands.append(Band(np.array([r0, r1]), np.array([lo, lo]), np.array([hi, hi]), REGION_COLOR,
                          "best region (trend's CI reaches the optimum's)", alpha=0.12))
        bands.append(Band(fit.grid, fit.lower, fit.upper, TREND_COLOR, "95% CI of the trend"))
        what = f"log10 {h.name}" if h.log else h.name
        lines.append(Line(f"trend: {fit.method} in {what}", fit.grid, fit.mean, TREND_COLOR, linewidth=2.0))
        refs.append(RefLine(fit.optimum, f"fitted optimum {h.name} = {value_text(_round(fit.optimum))}", "v",
                            REGION_COLOR, "--"))
    ci_lines, marks = _config_marks(a, h, lambda v, k, n: _dodge(h, float(v), k, n))
    marks += _failed_marks(points, h.name, lambda v, k, n: float(v), hi)
    panel = Panel(None, f"{h.name} (log scale)" if h.log else h.name, ylabel, lines=tuple(lines + ci_lines),
                  markers=tuple(marks), reflines=tuple(refs), bands=tuple(bands), yscale=yscale,
                  xscale="log" if h.log else "linear", xlim=_xlim(h), ylim=(lo, hi), legend_outside=True)
    alt = f"{ylabel} against {h.name}: " + (fit.description if fit.method else f"no trend ({fit.reason})")
    if fit.optimum is not None:
        alt += f"; fitted optimum at {h.name} = {value_text(_round(fit.optimum))}"
    return _plain_text(FigureSpec(f"slice-{_stem(h.name)}", alt, (panel,), width=8.4, height=3.8))


def plan_strip(a: SweepAnalysis, h: HParam, points: Sequence[SweepPoint], ylabel: str, yscale: str) -> FigureSpec:
    """A hparam with few or non-numeric values: every healthy run as a dot per value, and beside
    them the mean and 95% CI of all the runs with that value (other hparams pooled), failed runs
    marked."""
    keys = [str(v) for v in h.values]
    runs, lines, means = [], [], []
    level_values: dict[str, list[float]] = {k: [] for k in keys}
    for i, p in enumerate(sorted(points, key=lambda p: p.run)):
        if p.failure is None and p.value is not None:
            key = str(p.hparams[h.name])
            level_values[key].append(p.value)
            x = keys.index(key) - 0.25 + 0.03 * (i % 7)
            runs.append(Marker(x, p.value, "" if runs else "run", "o", "#888888", 20.0))
    mean = "geometric mean" if a.log_space else "mean"
    for i, key in enumerate(keys):
        s = seed_spread(level_values[key], a.log_space) if level_values[key] else None
        if s is None or s.n == 0:
            continue
        if math.isfinite(s.ci95_low):
            lines.append(Line(None, np.array([i + 0.15, i + 0.15]), np.array([s.ci95_low, s.ci95_high]), MEAN_COLOR,
                              linewidth=1.6))
        means.append(Marker(i + 0.15, s.mean, "" if means else f"{mean} ± 95% CI of its runs", "D", MEAN_COLOR, 40.0))
    lo, hi = _ylim(*_y_extent(a, points, None), yscale)
    failed = _failed_marks(points, h.name, lambda v, k, n: float(keys.index(str(v))), hi)
    panel = Panel(None, h.name, ylabel, lines=tuple(lines), markers=tuple(runs + means + failed), yscale=yscale,
                  ylim=(lo, hi),
                  xticks=tuple((float(i), value_text(v)) for i, v in enumerate(h.values)), xlim=(-0.6, len(keys) - 0.4),
                  legend_outside=True)
    return _plain_text(FigureSpec(f"strip-{_stem(h.name)}", f"{ylabel} for each value of {h.name} (other "
                                  f"hyper-parameters pooled), with the {mean} and 95% CI of each value's runs", (panel,),
                                  width=8.4, height=3.6))


def _edges(centres: np.ndarray, log: bool) -> np.ndarray:
    u = np.log10(centres) if log else centres
    mid = (u[1:] + u[:-1]) / 2
    e = np.r_[u[0] - (mid[0] - u[0]), mid, u[-1] + (u[-1] - mid[-1])]
    return 10.0**e if log else e


def plan_surface(a: SweepAnalysis, surface: Surface, points: Sequence[SweepPoint], objective: str,
                 yscale: str) -> tuple[FigureSpec, ColorBar]:
    """A heat map of the fitted objective over the two most important hparams, each tried
    configuration a dot and the best a star."""
    z = surface.z
    zt = np.log10(z) if yscale == "log" and (z > 0).all() else z
    lo, hi = float(zt.min()), float(zt.max())
    span = hi - lo or 1.0
    good = (lambda t: t) if a.goal == "min" else (lambda t: 1 - t)
    xe, ye = _edges(surface.x, surface.log_x), _edges(surface.y, surface.log_y)
    bands = []
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            color = ordered_color(good((zt[i, j] - lo) / span))
            bands.append(Band(np.array([xe[j], xe[j + 1]]), np.array([ye[i], ye[i]]), np.array([ye[i + 1], ye[i + 1]]),
                              color, alpha=1.0))
    marks = []
    for c in a.configurations:
        x, y = float(c.value(surface.x_name)), float(c.value(surface.y_name))
        if c is a.best:
            continue
        marks.append(Marker(x, y, "" if marks else "tried configuration", "o", "#ffffff" if c.spread.n else FAILED_COLOR, 36.0))
    if a.best is not None:
        marks.append(Marker(float(a.best.value(surface.x_name)), float(a.best.value(surface.y_name)),
                            "best configuration", "*", "#E69F00", 200.0))
    panel = Panel(None, surface.x_name + (" (log scale)" if surface.log_x else ""),
                  surface.y_name + (" (log scale)" if surface.log_y else ""), markers=tuple(marks), bands=tuple(bands),
                  xscale="log" if surface.log_x else "linear", yscale="log" if surface.log_y else "linear",
                  xlim=(float(xe[0]), float(xe[-1])), ylim=(float(ye[0]), float(ye[-1])), legend_outside=True)
    unlog = (lambda t: 10**t) if zt is not z else (lambda t: t)
    stops = tuple((ordered_color(good(k / 4)), f"{unlog(lo + span * k / 4):.3g}") for k in range(5))
    bar = ColorBar(f"fitted {objective}" + (" (log scale)" if zt is not z else ""), stops, discrete=False)
    alt = (f"Fitted {objective} over {surface.x_name} and {surface.y_name} ({surface.method}), "
           "tried configurations as dots, the best as a star")
    return _plain_text(FigureSpec("surface", alt, (panel,), width=7.6, height=4.4)), bar


def plan_parallel(a: SweepAnalysis, points: Sequence[SweepPoint], objective: str, yscale: str) -> tuple[FigureSpec, ColorBar]:
    """Parallel coordinates: one line per run across the varying hparams (most important first)
    and the objective, coloured by the objective (failed runs grey and dashed)."""
    order = [next(h for h in a.hparams if h.name == imp.hparam) for imp in a.importance]
    healthy = [p for p in points if p.failure is None and p.value is not None and math.isfinite(p.value)]
    vals = np.array([p.value for p in healthy], dtype=np.float64)
    tv = np.log10(vals) if yscale == "log" else vals
    lo, hi = (float(tv.min()), float(tv.max())) if tv.size else (0.0, 1.0)
    span = hi - lo or 1.0
    good = (lambda t: t) if a.goal == "min" else (lambda t: 1 - t)
    xs = np.arange(len(order) + 1, dtype=np.float64)
    lines = []
    # worst first, so the best lines are drawn on top
    ranked = sorted(zip(healthy, tv), key=lambda pv: (-pv[1] if a.goal == "min" else pv[1], pv[0].run))
    for p, t in ranked:
        ys = [position(p.hparams[h.name], h) for h in order] + [(t - lo) / span]
        lines.append(Line(None, xs, np.array(ys), ordered_color(good((t - lo) / span)), linewidth=1.4, alpha=0.9,
                          marker="o"))
    failed = [p for p in points if p.failure is not None]
    for k, p in enumerate(sorted(failed, key=lambda p: p.run)):
        ys = [position(p.hparams[h.name], h) for h in order]
        lines.append(Line("failed run (no objective)" if k == 0 else None, xs[:-1], np.array(ys), "#999999",
                          linestyle="--", linewidth=1.0))
    unlog = (lambda v: 10**v) if yscale == "log" else (lambda v: v)
    ticks = [(float(i), f"{h.name}\n{value_text(h.values[0])} – {value_text(h.values[-1])}") for i, h in enumerate(order)]
    ticks.append((float(len(order)), f"{objective}\n{unlog(lo):.3g} – {unlog(hi):.3g}"))
    refs = tuple(RefLine(float(i), "", "v", "#bbbbbb", "-") for i in range(len(order) + 1))
    panel = Panel(None, "", "position in the searched range", lines=tuple(lines), reflines=refs,
                  xticks=tuple(ticks), yticks=((0.0, "lowest"), (0.5, "middle"), (1.0, "highest")),
                  xlim=(-0.15, len(order) + 0.15), ylim=(-0.05, 1.05), legend_outside=True)
    stops = tuple((ordered_color(good(k / 4)), f"{unlog(lo + span * k / 4):.3g}") for k in range(5))
    bar = ColorBar(objective + (" (log scale)" if yscale == "log" else ""), stops, discrete=False)
    alt = (f"Parallel coordinates of {', '.join(h.name for h in order)} and {objective}, one line per run, "
           "coloured by the objective")
    return _plain_text(FigureSpec("parallel", alt, (panel,), width=8.4, height=3.8)), bar


def plan_sweep_curves(a: SweepAnalysis, runs: Mapping[str, RunData], series_of: Mapping[str, str], unit: str,
                      ylabel: str, yscale: str) -> tuple[FigureSpec, ColorBar] | None:
    """Each run's objective curve, coloured by the most important numeric hparam (ordered map)
    and dashed by the next hparam when it has at most 4 values."""
    numeric = [next(h for h in a.hparams if h.name == i.hparam) for i in a.importance]
    colour_by = next((h for h in numeric if h.kind == "numeric"), numeric[0] if numeric else None)
    if colour_by is None:
        return None
    style_by = next((h for h in numeric if h is not colour_by and len(h.values) <= len(STYLES)), None)
    lines = []
    for name in sorted(runs):
        run = runs[name]
        series = run.series.get(series_of.get(name, ""))
        if series is None or len(series) == 0:
            continue
        value = run.hparams.get(colour_by.name)
        style = STYLES[[str(v) for v in style_by.values].index(str(run.hparams.get(style_by.name)))] if style_by else "-"
        x, y = decimate(x_values(series, unit), series.values)
        lines.append(Line(None, x, y, ordered_color(position(value, colour_by)), linestyle=style, linewidth=1.3))
    if not lines:
        return None
    if style_by is not None:
        for k, v in enumerate(style_by.values):
            lines.append(Line(f"{style_by.name} = {value_text(v)}", np.zeros(0), np.zeros(0), "#555555",
                              linestyle=STYLES[k]))
    panel = Panel(None, unit, ylabel, lines=tuple(lines), yscale=yscale, legend_outside=True)
    stops = tuple((ordered_color(position(v, colour_by)), value_text(v)) for v in colour_by.values)
    bar = ColorBar(colour_by.name, stops, discrete=True)
    alt = f"{ylabel} of every run by {unit}, coloured by {colour_by.name} from low (dark) to high (light)"
    return _plain_text(FigureSpec("curves", alt, (panel,), width=8.4, height=3.8)), bar


def _plain_text(spec: FigureSpec) -> FigureSpec:
    """Hparam names and values are user text: a "$" in them would start matplotlib mathtext (and
    a bad expression would stop the build), so every label of the figure gets its "$" escaped."""
    def esc(text: str | None) -> str | None:
        return None if text is None else text.replace("$", r"\$")

    def ticks(pairs):
        return None if pairs is None else tuple((v, esc(t)) for v, t in pairs)

    panels = tuple(
        replace(p, xlabel=esc(p.xlabel), ylabel=esc(p.ylabel), xticks=ticks(p.xticks), yticks=ticks(p.yticks),
                lines=tuple(replace(ln, label=esc(ln.label)) for ln in p.lines),
                markers=tuple(replace(m, label=esc(m.label)) for m in p.markers),
                reflines=tuple(replace(r, label=esc(r.label)) for r in p.reflines),
                bands=tuple(replace(b, label=esc(b.label)) for b in p.bands))
        for p in spec.panels
    )
    return replace(spec, panels=panels)


def _round(v: float) -> float:
    """Two significant digits: a fitted optimum is not known better than that."""
    return float(f"{v:.2g}")


def _stem(name: str) -> str:
    """A file-name stem from an hparam name (user text)."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "hparam"
