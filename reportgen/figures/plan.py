"""Figures: `plan_*` decide what to draw (pure, testable FigureSpecs); figures/draw.py paints a spec
to PNG bytes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reportgen.analysis.util import position_text
from reportgen.figures.axis_rules import (
    OFF_SCALE_COLOR,
    clamp,
    healthy_range,
    is_sparse,
    loss_scale,
    off_scale,
    padded,
)
from reportgen.figures.decimation import PLOT_COLUMNS, THUMB_COLUMNS, decimate, envelope, x_values
from reportgen.figures.sparkline import Sparkline, plan_sparkline
from reportgen.model import RunAnalysis, RunData, Series

# decimation and sparkline names are imported from here by other modules and tests
__all__ = ["PLOT_COLUMNS", "THUMB_COLUMNS", "Sparkline", "decimate", "envelope", "plan_sparkline", "x_values"]

# Okabe-Ito: readable by colour-blind readers. Train is dashed and validation solid everywhere,
# so the two stay apart without colour too.
TRAIN_COLOR = "#0072B2"
VAL_COLOR = "#D55E00"
TEST_COLOR = "#009E73"
OTHER_COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
GAP_COLOR = "#CC79A7"
MAX_POINTS = 2000  # per line where a plot thins by index (group figures' markers)


@dataclass(frozen=True)
class Line:
    label: str | None
    x: np.ndarray
    y: np.ndarray
    color: str
    linestyle: str = "-"
    linewidth: float = 1.6
    alpha: float = 1.0
    marker: str | None = None
    markevery: int | None = None  # draw the marker on every k-th point only (long lines)
    drawstyle: str = "default"  # "steps-post" for counts
    # what the line draws, by name, for the interactive figure (site/figure_data.py): on a run's
    # figures the logged series (its exact points are shipped, with steps, epochs and wall
    # times); on group figures the run
    series: str | None = None


@dataclass(frozen=True)
class Band:
    """A shaded range between `lower` and `upper`; gaps where either is NaN."""

    x: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    color: str
    label: str | None = None
    alpha: float = 0.22


@dataclass(frozen=True)
class Marker:
    x: float
    y: float
    label: str
    marker: str
    color: str
    size: float = 70.0


@dataclass(frozen=True)
class RefLine:
    value: float
    label: str
    orientation: str = "h"  # "h": y = value; "v": x = value
    color: str = "#555555"
    linestyle: str = ":"


@dataclass(frozen=True)
class Bars:
    """One series of a grouped bar chart (e.g. one split's percent per class)."""

    label: str
    values: np.ndarray
    color: str
    hatch: str = ""


@dataclass(frozen=True)
class Note:
    """A short text beside a data point (e.g. the loss at a checkpoint on a trajectory)."""

    x: float
    y: float
    text: str
    color: str = "#333333"


@dataclass(frozen=True)
class Panel:
    title: str | None
    xlabel: str
    ylabel: str
    lines: tuple[Line, ...] = ()
    markers: tuple[Marker, ...] = ()
    reflines: tuple[RefLine, ...] = ()
    yscale: str = "linear"
    legend: bool = True
    bare: bool = False  # sparkline: no axes, ticks or labels
    bands: tuple[Band, ...] = ()
    legend_outside: bool = False  # to the right of the axes, for many entries
    legend_cols: int = 1
    xticks: tuple[tuple[float, str], ...] | None = None  # categorical axes (strip plots)
    xlim: tuple[float, float] | None = None
    ylim: tuple[float, float] | None = None
    categories: tuple[str, ...] = ()  # x tick labels of a bar chart
    bars: tuple[Bars, ...] = ()
    notes: tuple[Note, ...] = ()
    # sweep figures (figures/plan_sweeps.py): an hparam spanning decades on a log x axis, and
    # named y positions (parallel coordinates, a categorical axis of a heat map)
    xscale: str = "linear"
    yticks: tuple[tuple[float, str], ...] | None = None


@dataclass(frozen=True)
class FigureSpec:
    name: str  # file name stem, unique within a page
    alt: str  # what the figure shows, for screen readers and failed loads
    panels: tuple[Panel, ...]
    width: float = 7.0  # inches
    height: float = 3.6
    ncols: int = 1
    dpi: int = 110
    height_ratios: tuple[float, ...] | None = None  # one per row of panels


def _value_at(series: Series, step: int) -> float | None:
    i = int(np.searchsorted(series.steps, step))
    if i < len(series) and series.steps[i] == step and np.isfinite(series.values[i]):
        return float(series.values[i])
    finite = np.nonzero(np.isfinite(series.values[:i]))[0]
    return float(series.values[finite[-1]]) if finite.size else None


def _x_at(series: Series, step: int, x: str) -> float:
    if x == "epoch" and series.epoch is not None:
        i = min(int(np.searchsorted(series.steps, step)), len(series) - 1)
        if np.isfinite(series.epoch[i]):
            return float(series.epoch[i])
    return float(step)


def _curve(
    run: RunData, analysis: RunAnalysis, role: str, label: str, color: str, style: str
) -> tuple[list[Line], list[Band]]:
    """A role's curve: its raw values faint (a band where denser than the pixels, see
    `envelope`), and its smoothed values labelled on top."""
    series = run.role(role)
    if series is None or len(series) == 0:
        return [], []
    x = x_values(series, run.x)
    smooth = analysis.smoothed.get(series.name)
    lines: list[Line] = []
    bands: list[Band] = []
    if is_sparse(series.values):
        # too few points for smoothing to help: the raw values, as points on a line
        return [Line(f"{label} ({series.name})", *decimate(x, series.values), color=color, linestyle=style,
                     linewidth=1.4, marker="o", series=series.name)], []
    raw = envelope(x, series.values)
    if raw is not None:
        bands.append(Band(raw[0], raw[1], raw[2], color, alpha=0.25))
    else:
        lines.append(Line(None, *decimate(x, series.values), color=color, linestyle="-", linewidth=0.8, alpha=0.25,
                          series=series.name))
    if smooth is not None:
        lines.append(Line(f"{label} ({series.name})", *decimate(x, smooth), color=color, linestyle=style,
                          series=series.name))
    return lines, bands


def _flag_markers(run: RunData, analysis: RunAnalysis, roles: tuple[str, ...]) -> tuple[list[Marker], list[RefLine]]:
    """Marks for the findings on these roles: divergence ✖ and spikes ▼ on the curve; the
    overfitting onset as a vertical line, so it never hides the best-value star beside it."""
    markers: list[Marker] = []
    refs: list[RefLine] = []
    names = {run.roles.get(r): r for r in roles if run.roles.get(r)}
    for flag in analysis.flags:
        if flag.metric not in names or flag.step is None:
            continue
        series = run.series[flag.metric]
        if flag.kind == "divergence":
            y = _value_at(series, flag.step)
            if y is not None:
                markers.append(Marker(_x_at(series, flag.step, run.x), y, "divergence", "X", "#000000", 90))
        elif flag.kind == "instability":
            for step in flag.evidence.get("spike_steps", [flag.step])[:50]:
                y = _value_at(series, int(step))
                if y is not None:
                    markers.append(Marker(_x_at(series, int(step), run.x), y, "spike", "v", "#000000", 30))
        elif flag.kind == "overfitting" and not refs:
            refs.append(RefLine(_x_at(series, flag.step, run.x), f"overfitting onset ({position_text(flag.step, flag.epoch)})",
                                "v", "#8B0000", "--"))
    # one legend entry per marker label
    seen: set[str] = set()
    out = []
    for m in markers:
        out.append(m if m.label not in seen else Marker(m.x, m.y, "", m.marker, m.color, m.size))
        seen.add(m.label)
    return out, refs


def failure_x(run: RunData, analysis: RunAnalysis) -> float | None:
    """x of the run's first divergence finding: the end of its healthy phase (None if none)."""
    xs = [_x_at(run.series[f.metric], f.step, run.x) for f in analysis.flags
          if f.kind == "divergence" and f.step is not None and f.metric in run.series]
    return min(xs) if xs else None


def _robust(
    curves: list[tuple[np.ndarray, np.ndarray]], until: float | None, scale: str
) -> tuple[tuple[float, float] | None, list[Marker], list[float]]:
    """Limits of the healthy phase (None when nothing is cut off), the ▲ marks where curves
    leave them at the top edge, and the peaks those curves reach (for the caption)."""
    limits = healthy_range(curves, until, scale)
    if limits is None:
        return None, [], []
    markers: list[Marker] = []
    peaks: list[float] = []
    for x, y in curves:
        off = off_scale(x, y, limits)
        if off is not None:
            markers.append(Marker(off[0], off[1], "" if markers else "off scale above", "^", OFF_SCALE_COLOR, 60))
            peaks.append(off[2])
    return limits, markers, peaks


def _off_words(peaks: list[float]) -> str:
    if not peaks:
        return ""
    top = max(peaks)
    return f"; values off the scale above are marked ▲ at the top edge (they reach {top:.2g})" if np.isfinite(top) else (
        "; values off the scale above (up to infinity) are marked ▲ at the top edge")


def _chance(baseline: float | None, data: tuple[float, float] | None, x0: float, scale: str) -> tuple[list[RefLine], list[Marker], tuple[float, float] | None]:
    """The chance-level line, or, when it lies far outside the data (more than half the data's
    range beyond it), a labelled mark at the nearer edge so it does not stretch the axis."""
    if baseline is None or not np.isfinite(baseline):
        return [], [], None
    label = f"chance level ({baseline:.3g})"
    if data is None:
        return [RefLine(baseline, label)], [], None
    lo, hi = data
    if scale == "log" and baseline > 0 and lo > 0:
        far = abs(np.log10(baseline) - np.clip(np.log10(baseline), np.log10(lo), np.log10(hi))) > 0.5 * (np.log10(hi) - np.log10(lo))
    else:
        far = abs(baseline - clamp(baseline, data)) > 0.5 * (hi - lo)
    if not far:
        return [RefLine(baseline, label)], [], None
    above = baseline > hi
    mark = Marker(x0, hi if above else lo, f"{label}, {'above' if above else 'below'} the plot", "^" if above else "v", "#555555", 50)
    return [], [mark], data


def _loss_figure(run: RunData, analysis: RunAnalysis) -> FigureSpec | None:
    xlabel = run.x
    loss_lines: list[Line] = []
    loss_bands: list[Band] = []
    for role, label, color, style in (
        ("train_loss", "train", TRAIN_COLOR, "--"),
        ("val_loss", "validation", VAL_COLOR, "-"),
        ("test_loss", "test", TEST_COLOR, "-."),
    ):
        lines, bands = _curve(run, analysis, role, label, color, style)
        loss_lines += lines
        loss_bands += bands
    if not any(line.label for line in loss_lines):
        lines, bands = _curve(run, analysis, "train_loss_epoch", "train (per epoch)", TRAIN_COLOR, "--")
        loss_lines += lines
        loss_bands += bands
    if not (loss_lines or loss_bands):
        return None
    markers, vlines = _flag_markers(run, analysis, ("train_loss", "val_loss", "test_loss"))
    best = analysis.best
    if best is not None:
        s = run.series[best.metric]
        markers.insert(0, Marker(_x_at(s, best.step, run.x), best.value, f"best {best.role.replace('_', ' ')}", "*", "#E69F00", 160))
    curves = [(ln.x, ln.y) for ln in loss_lines] + [(b.x, b.upper) for b in loss_bands] + [(b.x, b.lower) for b in loss_bands]
    until = failure_x(run, analysis)
    # the scale of what the page must show: the healthy phase of a run that diverged
    yscale = loss_scale([y if until is None else y[x < until] for x, y in curves])
    limits, off, peaks = _robust(curves, until, yscale)
    if limits is not None:
        markers = [Marker(m.x, clamp(m.y, limits), m.label, m.marker, m.color, m.size) for m in markers] + off
    x0 = min((float(np.nanmin(x)) for x, _ in curves if x.size), default=0.0)
    refs, chance_marks, fixed = _chance(analysis.baseline, limits or padded([y for _, y in curves], yscale), x0, yscale)
    markers += chance_marks
    shown = ", ".join(ln.label + (" raw points" if ln.marker else " smoothed") for ln in loss_lines if ln.label)
    where = f"; best at {best_where(analysis)}" if best else ""
    return FigureSpec(
        name="loss",
        alt=f"Loss by {xlabel}: {shown}{_faint(loss_lines, loss_bands)}{where}"
        + _off_words(peaks),
        panels=(Panel(None, xlabel, "loss", tuple(loss_lines), tuple(markers), tuple(refs + vlines), yscale,
                      bands=tuple(loss_bands), ylim=limits or fixed),),
    )


def best_where(analysis: RunAnalysis) -> str:
    best = analysis.best
    return position_text(best.step, best.epoch) or "" if best else ""


def _overfit_figure(run: RunData, analysis: RunAnalysis) -> FigureSpec | None:
    """Validation loss alone, raw, on a linear axis around its minimum: the rise an overfitting
    finding describes, which a loss axis shared with a train loss falling by decades flattens."""
    val = run.role("val_loss")
    flag = next((f for f in analysis.flags if f.kind == "overfitting" and val is not None and f.metric == val.name), None)
    if flag is None or flag.step is None:
        return None
    ok = np.isfinite(val.values)
    x, y = x_values(val, run.x)[ok], val.values[ok]
    if y.size < 3:
        return None
    i_min = int(np.argmin(y))
    # the axis holds the minimum and everything after it (the rise); the descent before it
    # runs off the top edge, where it says nothing about overfitting
    start = max(0, i_min - 5)
    limits = padded([y[i_min:]], "linear")
    line = Line(f"validation ({val.name})", x[start:], y[start:], VAL_COLOR, marker="o" if is_sparse(y) else None, linewidth=1.4,
                series=val.name)
    markers = []
    best = analysis.best
    if best is not None and best.metric == val.name:
        markers.append(Marker(_x_at(val, best.step, run.x), best.value, "best val loss", "*", "#E69F00", 160))
    onset = RefLine(_x_at(val, flag.step, run.x), f"overfitting onset ({position_text(flag.step, flag.epoch)})", "v", "#8B0000", "--")
    panel = Panel(None, run.x, "validation loss", (line,), tuple(markers), (onset,), "linear", ylim=limits)
    return FigureSpec(
        name="overfitting",
        alt=f"Validation loss alone on a linear axis around its minimum (raw values): it rises after "
        f"{position_text(flag.step, flag.epoch)}, the overfitting onset (dashed line)",
        panels=(panel,),
        height=2.8,
    )


def plan_run_figures(run: RunData, analysis: RunAnalysis) -> list[FigureSpec]:
    """The figures of one run page, in page order."""
    figures: list[FigureSpec] = []
    xlabel = run.x
    loss = _loss_figure(run, analysis)
    if loss is not None:
        from reportgen.figures.plan_scalars import with_schedule

        figures.append(with_schedule(loss, run))  # the learning rate in a panel under the loss
    overfit = _overfit_figure(run, analysis)
    if overfit is not None:
        figures.append(overfit)
    until = failure_x(run, analysis)
    gap = _gap_panel(run, analysis, until)
    if gap is not None:
        alt = "Generalisation gap: validation loss minus the training loss trend (running median) at each evaluation"
        figures.append(FigureSpec(name="gap", alt=alt + gap[1],
                                  panels=(gap[0],), height=2.8))
    train_acc, val_acc = (_curve(run, analysis, r, label, c, st) for r, label, c, st in
                          (("train_acc", "train", TRAIN_COLOR, "--"), ("val_acc", "validation", VAL_COLOR, "-")))
    acc_lines, acc_bands = train_acc[0] + val_acc[0], train_acc[1] + val_acc[1]
    if acc_lines or acc_bands:
        panel = Panel(None, xlabel, "accuracy", tuple(acc_lines), bands=tuple(acc_bands))
        figures.append(FigureSpec(name="accuracy", alt=f"Accuracy by {xlabel}", panels=(panel,), height=3.0))
    # every other logged series, grouped (plan_scalars builds on this module's classes, so it
    # is imported here, not at the top)
    from reportgen.figures.plan_scalars import plan_scalar_figures

    figures += plan_scalar_figures(run, analysis, until)
    return figures


def _faint(lines: list[Line], bands: list[Band]) -> str:
    """What shows the raw values behind smoothed lines, for alt text: faint lines, bands (dense
    curves), both, or nothing when every curve is drawn raw."""
    faint_lines = any(ln.label is None for ln in lines)
    if not (bands or faint_lines):
        return ""
    what = "faint lines and bands" if bands and faint_lines else ("faint bands" if bands else "faint lines")
    return f"; {what} behind smoothed lines are raw values"


def _gap_panel(run: RunData, analysis: RunAnalysis, until: float | None = None) -> tuple[Panel, str] | None:
    """The generalisation gap the analysis worked out (analysis/overfitting.py
    generalisation_gap_curve), on the healthy phase's range when the run diverged."""
    record = analysis.extra.get("generalisation")
    val = run.series.get(record["metric"]) if record else None
    if val is None:
        return None
    gap = np.array([np.nan if g is None else g for g in record["gap"]], dtype=np.float64)
    within = np.isin(val.steps, np.asarray(record["steps"], dtype=np.int64))
    x = x_values(val, run.x)[within]
    limits, off, peaks = _robust([(x, gap)], until, "linear")
    if limits is not None:
        # a gap is read against zero (no gap): the axis always shows it, so a gap that grows
        # from 0.06 to 0.1 is not drawn as one that grows from nothing to the top of the plot
        limits = (min(limits[0], 0.0), max(limits[1], 0.0))
    panel = Panel(
        None,
        run.x,
        "validation − train loss trend",
        (Line("gap", x, gap, GAP_COLOR, marker="." if gap.size < 60 else None),),
        tuple(off),
        reflines=(RefLine(0.0, "", color="#888888", linestyle="-"),),
        legend=False,
        ylim=limits,
    )
    return panel, _off_words(peaks)


def plan_thumbnail(run: RunData, analysis: RunAnalysis) -> FigureSpec | None:
    """The sparkline of plan_sparkline for the index table, on the y range printed beside it."""
    spark = plan_sparkline(run, analysis)
    if spark is None:
        return None
    color = VAL_COLOR if spark.role == "val_loss" else TRAIN_COLOR
    panel = Panel(None, "", "", (Line(None, spark.x, spark.y, color, linewidth=1.2),), yscale=spark.scale, legend=False,
                  bare=True, ylim=spark.ylim)
    return FigureSpec(name="thumb", alt=f"{spark.role.replace('_', ' ')} trend", panels=(panel,), width=1.6, height=0.45, dpi=100)
