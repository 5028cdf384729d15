"""Figures of group and comparison pages: what to draw (pure FigureSpecs); figures/draw.py paints them.

Every run keeps the colour (and, past the palette, the marker) that run_styles.run_colors gave
it for the whole site, so a run looks the same on every page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from reportgen.analysis.groups import GroupCurve, GroupSummary, aggregate_curves
from reportgen.figures.axis_rules import OFF_SCALE_COLOR, is_sparse, loss_scale, off_scale, padded
from reportgen.figures.comparability import Kind, kind_sets, x_units
from reportgen.figures.plan import (
    MAX_POINTS,
    PLOT_COLUMNS,
    Band,
    FigureSpec,
    Line,
    Marker,
    Panel,
    RefLine,
    decimate,
    x_values,
)
from reportgen.figures.run_styles import Style
from reportgen.model import RunAnalysis, RunData

CENTER_COLOR = "#000000"
ROLE_LABELS = {"val_loss": "validation loss", "train_loss": "train loss"}
BAND_LABELS = {"ci95": "95% confidence interval (t)", "std": "± 1 std", "sem": "± 1 standard error"}
MAX_LEGEND_RUNS = 24  # past this the legend would hide the plot; the page's table is the key
MARK_EVERY = 12  # markers per line, roughly, when a run needs one to tell it apart
# Past this many runs on one figure their lines overlap so much that two pixel columns per
# min/max pair look the same as one, at half the points to draw.
CROWDED_RUNS = 8


@dataclass(frozen=True)
class RoleCurves:
    """The curves of one role across a group's runs, and their aggregate."""

    role: str
    runs: tuple[str, ...]  # runs that log the role, sorted
    raw: tuple[tuple[np.ndarray, np.ndarray], ...]  # (steps, values) per run, as aggregated
    curve: GroupCurve
    smoothed: bool  # the curves are the runs' smoothed (EMA) values, not raw logged values


def role_curve(
    run: RunData, analysis: RunAnalysis, role: str, by_epoch: bool = False
) -> tuple[np.ndarray, np.ndarray] | None:
    """(x, values) of a run's `role`: raw validation values (usually sparse and clean), the
    smoothed training loss (usually dense and noisy, so raw values would mostly average noise).
    x is the logged step, or the epoch when `by_epoch` and the steps count something else (a
    run logged by step beside runs logged by epoch: both on one epoch axis, never steps beside
    epochs); repeated epochs (rounded in the log) keep their last point."""
    series = run.role(role)
    if series is None or len(series) == 0:
        return None
    values = analysis.smoothed.get(series.name, series.values) if role == "train_loss" else series.values
    if not by_epoch or run.x == "epoch" or series.epoch is None:
        return series.steps, values
    epochs = np.asarray(series.epoch, dtype=np.float64)
    keep = np.isfinite(epochs)
    epochs, values = epochs[keep], np.asarray(values)[keep]
    # the last point of each epoch value, in order
    last = np.r_[epochs[1:] != epochs[:-1], True]
    epochs, values = epochs[last], values[last]
    order = np.argsort(epochs, kind="stable")
    epochs, values = epochs[order], values[order]
    rising = np.r_[True, np.diff(epochs) > 0]
    return epochs[rising], values[rising]


def group_curves(
    members: Sequence[tuple[RunData, RunAnalysis]],
    role: str,
    *,
    center: str = "mean",
    band: str = "ci95",
    by_epoch: bool = False,
) -> RoleCurves | None:
    """Aggregate the runs' `role` curves on the union of their steps (their epochs when
    `by_epoch`, see role_curve); None when fewer than two runs log it. Log space when the values
    span more than two decades (as the figure's axis)."""
    found = []
    for run, analysis in sorted(members, key=lambda m: m[0].spec.name):
        curve = role_curve(run, analysis, role, by_epoch)
        if curve is not None:
            found.append((run.spec.name, curve))
    if len(found) < 2:
        return None
    raw = tuple(c for _, c in found)
    log_space = loss_scale([v for _, v in raw]) == "log"
    # With 3+ runs, two survivors of a longer tail are no group mean (and a t interval for n=2 is
    # 12.7 standard errors wide): the center and band need 3 runs there.
    min_runs = min(3, len(found))
    aggregated = aggregate_curves(raw, log_space=log_space, min_runs=min_runs, center=center, band=band)
    return RoleCurves(role, tuple(n for n, _ in found), raw, aggregated, smoothed=role == "train_loss")


def count_segments(curve: GroupCurve) -> list[dict[str, int]]:
    """Runs with data per step as stretches of equal count: [{first, last, n}], in step order."""
    out: list[dict[str, int]] = []
    for step, n in zip(curve.steps.tolist(), curve.n.tolist()):
        if out and out[-1]["n"] == n:
            out[-1]["last"] = step
        else:
            out.append({"first": step, "last": step, "n": n})
    return out


def _columns(runs: int) -> int:
    """Pixel columns to decimate each run's line to (see CROWDED_RUNS)."""
    if runs <= CROWDED_RUNS:
        return PLOT_COLUMNS
    return PLOT_COLUMNS // 2 if runs <= MAX_LEGEND_RUNS else PLOT_COLUMNS // 4


def _thin(n: int, limit: int = MAX_POINTS) -> np.ndarray:
    """Indices keeping at most `limit` evenly spaced points (first and last kept)."""
    if n <= limit:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, limit).round().astype(np.int64))


def plan_group_curve_figure(
    rc: RoleCurves, styles: Mapping[str, Style], xlabel: str = "step", title: str | None = None, suffix: str = ""
) -> FigureSpec:
    """The group's curve for one role: the runs faint in their colours, the center line in black
    with its band where at least two runs have data, and below it how many runs have data.
    `title` and `suffix` (of the file name) tell apart one comparable set of a mixed group."""
    curve = rc.curve
    label = ROLE_LABELS.get(rc.role, rc.role)
    lines = []
    columns = _columns(len(rc.runs))
    for name, (steps, values) in zip(rc.runs, rc.raw):
        x, y = decimate(steps.astype(np.float64), values, columns)
        lines.append(Line(None, x, y, styles[name].color, linewidth=0.9, alpha=0.35, series=name))
    keep = _thin(curve.steps.shape[0])
    x = curve.steps[keep].astype(np.float64)
    center_label = ("geometric " if curve.log_space else "") + curve.center_kind
    lines.append(Line(f"{center_label} of {len(rc.runs)} runs", x, curve.center[keep], CENTER_COLOR, linewidth=1.8))
    bands = (Band(x, curve.lower[keep], curve.upper[keep], CENTER_COLOR, BAND_LABELS[curve.band_kind], alpha=0.18),)
    yscale = "log" if curve.log_space else "linear"
    top = Panel(title, "", label, tuple(lines), yscale=yscale, bands=bands)
    counts = Line(None, x, curve.n[keep].astype(np.float64), "#555555", linewidth=1.2, drawstyle="steps-post")
    bottom = Panel(None, xlabel, "runs with data", (counts,), legend=False, ylim=(0.0, len(rc.runs) + 0.5),
                   reflines=(RefLine(float(curve.min_runs), "", color="#aaaaaa", linestyle=":"),))
    how = "smoothed " if rc.smoothed else ""
    return FigureSpec(
        name=f"group-{rc.role.replace('_', '-')}{suffix}",
        alt=f"{title + ': ' if title else ''}{label.capitalize() if not title else label} of {len(rc.runs)} runs by {xlabel}: each run's {how}curve faint, "
        f"the {center_label} in black with its {BAND_LABELS[curve.band_kind]} shaded where at least "
        f"{max(2, curve.min_runs)} runs have data (dotted line below); below, how many runs have data at each {xlabel}",
        panels=(top, bottom),
        height=4.6,
        height_ratios=(3.0, 1.0),
    )


def plan_group_strip(
    summary: GroupSummary, styles: Mapping[str, Style], title: str | None = None, suffix: str = ""
) -> FigureSpec | None:
    """Final and best value of the monitored loss per run, as points, with mean ± std (`title`
    and `suffix` as for plan_group_curve_figure)."""
    role = summary.monitored
    keys = [f"final_{role}", f"best_{role}"]
    panels_lines: list[Line] = []
    bands: list[Band] = []
    ticks = []
    for i, key in enumerate(keys):
        stat = summary.stat(key)
        present = [(r, v) for r, v in stat.values if v is not None and np.isfinite(v)]
        if not present:
            continue
        ticks.append((float(i), stat.label))
        offsets = np.linspace(-0.22, 0.22, len(present)) if len(present) > 1 else np.zeros(1)
        for (run, value), dx in zip(present, offsets):
            style = styles[run]
            panels_lines.append(Line(None, np.array([i + dx]), np.array([value]), style.color, linestyle="none",
                                     marker=style.marker or "o", alpha=0.9))
        sp = stat.spread
        panels_lines.append(Line(None if ticks[:-1] else "mean", np.array([i - 0.32, i + 0.32]), np.array([sp.mean, sp.mean]),
                                 CENTER_COLOR, linewidth=1.6))
        if sp.n >= 2:
            bands.append(Band(np.array([i - 0.32, i + 0.32]), np.full(2, sp.mean - sp.std), np.full(2, sp.mean + sp.std),
                              CENTER_COLOR, "± 1 std" if not bands else None, alpha=0.15))
    if not ticks:
        return None
    panel = Panel(title, "", ROLE_LABELS.get(role, role), tuple(panels_lines), bands=tuple(bands),
                  xticks=tuple(ticks), xlim=(-0.6, len(keys) - 0.4))
    return FigureSpec(
        name=f"group-final{suffix}",
        alt=f"{title + ': ' if title else ''}Final and best {ROLE_LABELS.get(role, role)} of each run (one point per run, in its colour), "
        "with the mean as a black bar and ± 1 standard deviation shaded",
        panels=(panel,),
        width=5.0,
        height=3.2,
    )


def _failure_x(run: RunData, analysis: RunAnalysis, unit: str) -> float | None:
    """x (in `unit`) of a run's first divergence finding: its healthy phase ends there."""
    xs = []
    for flag in analysis.flags:
        if flag.kind == "divergence" and flag.step is not None and flag.metric in run.series:
            series = run.series[flag.metric]
            i = min(int(np.searchsorted(series.steps, flag.step)), len(series) - 1)
            xs.append(float(_unit_x(series, run, unit)[i]))
    return min(xs) if xs else None


def _unit_x(series, run: RunData, unit: str) -> np.ndarray:
    return x_values(series, "epoch") if unit == "epoch" else series.steps.astype(np.float64)


def _comparison_panel(
    members: Sequence[tuple[RunData, RunAnalysis]], styles: Mapping[str, Style], unit: str, title: str | None, columns: int
) -> tuple[Panel, list[str]] | None:
    """One comparable set on one x unit: each run's validation (solid) and train (dashed) loss,
    smoothed where dense and raw where sparse, on limits that hold every run's healthy phase;
    a run that leaves them is marked at the top edge. Returns the panel and what its caption says
    about runs off the scale."""
    lines: list[Line] = []
    healthy: list[np.ndarray] = []
    curves = []
    for run, analysis in members:
        style = styles[run.spec.name]
        until = _failure_x(run, analysis, unit)
        labelled = False
        for role, dash in (("val_loss", "-"), ("train_loss", "--")):
            series = run.role(role)
            if series is None or len(series) == 0:
                continue
            values = series.values if is_sparse(series.values) else analysis.smoothed.get(series.name, series.values)
            x, y = decimate(_unit_x(series, run, unit), values, columns)
            if y.size == 0:
                continue
            every = max(1, y.size // MARK_EVERY) if style.marker else None
            show = not labelled and len(members) <= MAX_LEGEND_RUNS
            lines.append(Line(run.spec.name if show else None, x, y, style.color, linestyle=dash, linewidth=1.4,
                              marker=style.marker, markevery=every))
            healthy.append(y if until is None else y[x < until])
            curves.append((run.spec.name, x, y))
            labelled = True
    if not lines:
        return None
    scale = loss_scale(healthy)
    limits = padded(healthy, scale)
    markers: list[Marker] = []
    notes: list[str] = []
    if limits is not None and any(off_scale(x, y, limits) for _, x, y in curves):
        for name, x, y in curves:
            off = off_scale(x, y, limits)
            if off is not None and name not in {n for n in notes}:
                markers.append(Marker(off[0], off[1], "" if markers else "off scale above", "^", OFF_SCALE_COLOR, 60))
                notes.append(name)
    else:
        limits = None
    empty = np.zeros(0)
    key = (Line("validation", empty, empty, "#555555", "-"), Line("train", empty, empty, "#555555", "--"))
    panel = Panel(title, unit, "loss", tuple(lines) + key, tuple(markers), yscale=scale, legend_outside=True,
                  legend_cols=1 if len(members) <= 12 else 2, ylim=limits)
    return panel, notes


def plan_comparison_figure(
    members: Sequence[tuple[RunData, RunAnalysis]], styles: Mapping[str, Style]
) -> FigureSpec | None:
    """Validation (solid) and training (dashed) loss of every run, one colour per run, with one
    panel per comparable set and x unit (comparability: never an MSE beside a cross-entropy,
    never epochs on a step axis)."""
    members = sorted(members, key=lambda m: m[0].spec.name)
    by_run = {run.spec.name: (run, analysis) for run, analysis in members}
    kinds = {name: Kind(run.spec.task, run.spec.loss) for name, (run, _) in by_run.items()}
    sets = kind_sets(kinds)
    columns = _columns(len(members))
    panels: list[Panel] = []
    described: list[str] = []
    off: list[str] = []
    for kind, names in sets:
        for unit, runs in x_units([by_run[n][0] for n in names]):
            chosen = [by_run[run.spec.name] for run in runs]
            split = len(sets) > 1 or len(x_units([by_run[n][0] for n in names])) > 1
            title = f"{kind.label}, by {unit}" if split else None
            made = _comparison_panel(chosen, styles, unit, title, columns)
            if made is None:
                continue
            panels.append(made[0])
            off += made[1]
            described.append(f"{kind.label} by {unit} ({len(chosen)} runs)")
    if not panels:
        return None
    listed = "each run in its own colour, named in the legend" if len(members) <= MAX_LEGEND_RUNS else (
        "each run in its own colour (the table below gives each run's colour)")
    how = f"{len(panels)} panels that cannot share an axis: " + "; ".join(described) if len(panels) > 1 else described[0]
    alt = (f"Loss of {len(members)} runs, {how}: validation solid, train dashed, smoothed where logged densely and "
           f"raw where sparse, {listed}")
    if off:
        alt += "; off the scale above (marked ▲ at the top edge, after their failure): " + ", ".join(off)
    wide = max(p.legend_cols for p in panels)
    return FigureSpec(
        name="curves",
        alt=alt,
        panels=tuple(panels),
        width=7.6 + 1.5 * wide,
        height=4.2 if len(panels) == 1 else 3.4 * len(panels),
    )
