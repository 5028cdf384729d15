"""Every logged scalar on the run page: the learning-rate schedule as a panel under the loss (same
x range), and every other series in one small-multiples figure per group (analysis/scalar_groups.py):
a panel per series, one x range for the whole figure, each panel its own y scale.

What is not drawn here, and why, is said on the page (`scalar_overview`): series the loss,
accuracy and loss-parts figures already show, one-value summary records, counters such as
`epoch`, constant series (their value is named), and panels beyond MAX_PANELS per group (every
series stays in the Metrics table). Each figure costs build time (a PNG per run), so a group is a
figure only when it has something to draw.

Pure: a run in, FigureSpecs and plain dicts out.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from reportgen.analysis.scalar_groups import (
    GROUP_TITLES,
    GROUPS,
    is_counter,
    is_learning_rate,
    scalar_group,
)
from reportgen.figures.axis_rules import is_sparse, loss_scale
from reportgen.figures.decimation import run_x
from reportgen.figures.plan import (
    OTHER_COLORS,
    FigureSpec,
    Line,
    Panel,
    _robust,
    decimate,
)
from reportgen.model import RunAnalysis, RunData, Series

MAX_PANELS = 9  # per group figure: 3 x 3 small multiples stay legible at 7 in wide
MAX_LR_LINES = 4  # learning rates in the panel under the loss (one per parameter group)
LOSS_FIGURE_ROLES = ("train_loss", "val_loss", "test_loss")
ACCURACY_ROLES = ("train_acc", "val_acc")
LR_PANEL_HEIGHT = 1.3  # inches added to the loss figure for its learning-rate panel


@dataclass(frozen=True)
class ScalarPlan:
    """Every logged series of a run, sorted into what is drawn where and what is only listed."""

    groups: dict[str, tuple[str, ...]]  # group key -> series drawn in its figure (page order)
    beyond_cap: dict[str, tuple[str, ...]]  # group key -> series left out past MAX_PANELS
    schedule: tuple[str, ...]  # learning rates drawn under the loss
    shown_above: tuple[str, ...]  # in the loss, accuracy or loss-parts figures
    constant: dict[str, float]  # name -> its one value (every finite point equal)
    too_few: tuple[str, ...]  # fewer than two finite values (a summary record, or NaN)
    counters: tuple[str, ...]  # epoch, step, timestamp, ...
    off_axis: tuple[str, ...] = ()  # logged by step in a run drawn by epoch (on_run_axis)


def _has_points(run: RunData, role: str) -> bool:
    s = run.role(role)
    return s is not None and len(s) > 0


def _in_role_figures(run: RunData) -> set[str]:
    """Series plan.py's loss and accuracy figures and plan_loss_components.py draw (the same
    conditions as there: the per-epoch train loss only when no other loss is drawn)."""
    roles = [r for r in LOSS_FIGURE_ROLES + ACCURACY_ROLES if _has_points(run, r)]
    if not any(_has_points(run, r) for r in LOSS_FIGURE_ROLES) and _has_points(run, "train_loss_epoch"):
        roles.append("train_loss_epoch")
    names = {run.roles[r] for r in roles}
    for total, parts in run.derived.items():
        if total in run.series:
            names.add(total)
            names.update(parts)
    return names


def _constant(values: np.ndarray) -> float | None:
    finite = values[np.isfinite(values)]
    if finite.size and finite.size == values.size and bool((finite == finite[0]).all()):
        return float(finite[0])
    return None


def on_run_axis(run: RunData, series: Series) -> bool:
    """False for a series that cannot be placed on the run's x axis: in a run drawn by epoch, one
    logged by step with its epochs only partly known (Lightning's `lr-Adam` rows carry no epoch)
    and no steps-per-epoch ratio to convert with. Drawn by its steps, it would put steps on an
    epoch axis."""
    if run.x != "epoch" or series.epoch is None or bool(np.isfinite(series.epoch).all()):
        return True
    return run.steps_per_epoch is not None


def _x(run: RunData, series: Series) -> np.ndarray:
    return run_x(run, series)


def _has_loss_figure(run: RunData) -> bool:
    return any(_has_points(run, r) for r in (*LOSS_FIGURE_ROLES, "train_loss_epoch"))


def schedule_names(run: RunData) -> tuple[str, ...]:
    """Learning-rate series for the panel under the loss: the learning_rate role first, then
    other learning-rate names (parameter groups: `lr/pg0`, `lr/pg1`), at most MAX_LR_LINES; none
    when the run has no loss figure (then they are drawn with the optimisation group)."""
    if not _has_loss_figure(run):
        return ()
    lead = run.roles.get("learning_rate")
    names = [lead] if lead in run.series else []
    names += [n for n in sorted(run.series) if n != lead and is_learning_rate(n) and not is_counter(n)]
    return tuple(n for n in names if len(run.series[n]) > 1 and on_run_axis(run, run.series[n]))[:MAX_LR_LINES]


def plan_scalars(run: RunData) -> ScalarPlan:
    """Sort every series of `run` (see ScalarPlan); pure, deterministic (names sorted)."""
    above = _in_role_figures(run)
    schedule = schedule_names(run)
    role_of = {name: role for role, name in run.roles.items()}
    groups: dict[str, list[str]] = {key: [] for key, _ in GROUPS}
    constant: dict[str, float] = {}
    too_few, counters, off_axis = [], [], []
    for name in sorted(run.series):
        s = run.series[name]
        if name in above or name in schedule:
            continue
        if is_counter(name):
            counters.append(name)
        elif not on_run_axis(run, s):
            off_axis.append(name)
        elif int(np.count_nonzero(np.isfinite(s.values))) < 2:
            too_few.append(name)
        elif (value := _constant(s.values)) is not None:
            constant[name] = value
        else:
            groups[scalar_group(name, role_of.get(name))].append(name)
    return ScalarPlan(
        groups={k: tuple(v[:MAX_PANELS]) for k, v in groups.items() if v},
        beyond_cap={k: tuple(v[MAX_PANELS:]) for k, v in groups.items() if len(v) > MAX_PANELS},
        schedule=schedule,
        shown_above=tuple(sorted(above)),
        constant=constant,
        too_few=tuple(too_few),
        counters=tuple(counters),
        off_axis=tuple(off_axis),
    )


def _x_span(lines: list[Line]) -> tuple[float, float] | None:
    """Limits holding every line's x where it has a finite value (as draw.py spans a panel
    alone), with matplotlib's 5% margins; None for fewer than two x."""
    xs = [ln.x[np.isfinite(ln.x) & np.isfinite(ln.y)] for ln in lines]
    x = np.concatenate(xs) if xs else np.zeros(0)
    if x.size == 0 or float(x.max()) == float(x.min()):
        return None
    lo, hi = float(x.min()), float(x.max())
    pad = 0.05 * (hi - lo)
    return lo - pad, hi + pad


def _lr_lines(run: RunData, names: tuple[str, ...]) -> list[Line]:
    lines = []
    for i, name in enumerate(names):
        s = run.series[name]
        x, y = decimate(_x(run, s), s.values)
        lines.append(Line(name, x, y, OTHER_COLORS[i % len(OTHER_COLORS)], linewidth=1.4,
                          marker="o" if is_sparse(s.values) else None, series=name))
    return lines


def schedule_scale(curves: list[tuple[np.ndarray, np.ndarray]]) -> str:
    """"log" for a schedule that decays geometrically (exponential or step decay: log(lr) is
    closer to a straight line in x than lr is) and spans more than two decades; "linear" for the
    rest: a cosine or linear decay to almost zero would otherwise look flat, then fall off a cliff
    at its last points."""
    if loss_scale([y for _, y in curves]) != "log":
        return "linear"
    x, y = (np.concatenate(parts) for parts in zip(*curves))
    ok = np.isfinite(x) & np.isfinite(y) & (y > 0)
    x, y = x[ok], y[ok]
    return "log" if _fit_error(x, np.log10(y)) < _fit_error(x, y) else "linear"


def _fit_error(x: np.ndarray, y: np.ndarray) -> float:
    """1 - R² of the least-squares line through (x, y); 0 for a perfect line or a constant."""
    total = float(((y - y.mean()) ** 2).sum())
    if total == 0.0 or np.ptp(x) == 0.0:
        return 0.0
    slope, intercept = np.polyfit(x, y, 1)
    return float(((y - (slope * x + intercept)) ** 2).sum()) / total


def with_schedule(loss: FigureSpec, run: RunData) -> FigureSpec:
    """The loss figure with the learning-rate schedule in a small panel under it, both panels
    on one x range; unchanged when the run logs no learning rate. A constant learning rate gets
    no panel: its value is named in the figure's alt text instead."""
    names = schedule_names(run)
    if not names:
        return loss
    constants = {n: _constant(run.series[n].values) for n in names}
    if all(v is not None for v in constants.values()):
        said = ", ".join(f"{n} = {v:.3g}" for n, v in constants.items())
        return replace(loss, alt=f"{loss.alt}; learning rate constant throughout ({said})")
    lines = _lr_lines(run, names)
    (top,) = loss.panels
    xlim = _x_span([*top.lines, *lines, *(Line(None, b.x, b.upper, b.color) for b in top.bands)])
    scale = schedule_scale([(ln.x, ln.y) for ln in lines])
    lr = Panel(None, run.x, "learning rate", tuple(lines), yscale=scale, legend=len(lines) > 1,
               legend_cols=min(len(lines), 4), xlim=xlim)
    return replace(
        loss,
        alt=f"{loss.alt}. Below it, on the same {run.x} axis: the learning rate ({', '.join(names)}"
        f"{', log scale' if scale == 'log' else ''})",
        panels=(replace(top, xlim=xlim), lr),
        height=loss.height + LR_PANEL_HEIGHT,
        height_ratios=(loss.height - 0.6, LR_PANEL_HEIGHT),
    )


def _panel(run: RunData, name: str, color: str, until: float | None, xlim) -> tuple[Panel, bool]:
    """One series' panel on its own y scale (log where positive values span decades). In a run
    that diverged, a series that blows up with it (leaves its healthy range by more than that
    range's height, or becomes non-finite) is drawn on its healthy range with ▲ marks, as plan.py
    draws the loss; one that merely goes on (a schedule, a timer) keeps its full range.
    Returns (panel, cut off)."""
    s = run.series[name]
    xs, ys = decimate(_x(run, s), s.values)
    limits, off, peaks = None, [], []
    scale = loss_scale([ys])
    if until is not None:
        healthy_scale = loss_scale([ys[xs < until]])
        cut = _robust([(xs, ys)], until, healthy_scale)
        if cut[0] is not None and cut[2] and _blows_up(cut[2], cut[0]):
            (limits, off, peaks), scale = cut, healthy_scale
    line = Line(None, xs, ys, color=color, linewidth=1.2, marker="." if is_sparse(s.values) else None, series=name)
    return Panel(name, run.x, "", (line,), tuple(off), legend=False, yscale=scale, ylim=limits, xlim=xlim), bool(peaks)


def _blows_up(peaks: list[float], limits: tuple[float, float]) -> bool:
    lo, hi = limits
    top = max(peaks)
    return not np.isfinite(top) or top - hi > hi - lo


def _group_figure(run: RunData, key: str, names: tuple[str, ...], more: tuple[str, ...], until: float | None) -> FigureSpec:
    xs = [Line(None, _x(run, run.series[n]), run.series[n].values, "") for n in names]
    xlim = _x_span(xs)
    built = [_panel(run, n, OTHER_COLORS[i % len(OTHER_COLORS)], until, xlim) for i, n in enumerate(names)]
    panels = tuple(p for p, _ in built)
    cut = [n for n, (_, c) in zip(names, built) if c]
    ncols = min(3, len(panels))
    rows = (len(panels) + ncols - 1) // ncols
    logs = [p.title for p in panels if p.yscale == "log"]
    alt = (
        f"{GROUP_TITLES[key]} by {run.x}, one panel per series on a shared {run.x} range, each with its own "
        f"y scale: {', '.join(names)}"
        + (f" (log scale: {', '.join(logs)})" if logs else "")
        + (f"; shown up to the divergence, later values off the scale marked ▲: {', '.join(cut)}" if cut else "")
        + (f"; {len(more)} more not drawn (in the Metrics table): {', '.join(more)}" if more else "")
    )
    return FigureSpec(
        name=f"scalars-{key}",
        alt=alt,
        panels=panels,
        ncols=ncols,
        width=7.0 if ncols > 1 else 5.0,
        height=2.1 * rows + 0.3,
    )


def plan_scalar_figures(run: RunData, analysis: RunAnalysis, until: float | None = None) -> list[FigureSpec]:
    """One small-multiples figure per group that has series left to draw, in GROUPS order.
    `until` is the x of the run's divergence (plan.failure_x): series that blow up with the run
    are drawn on the range before it. `analysis` is accepted for symmetry with the other planners."""
    del analysis
    plan = plan_scalars(run)
    return [
        _group_figure(run, key, plan.groups[key], plan.beyond_cap.get(key, ()), until)
        for key, _ in GROUPS
        if key in plan.groups
    ]


def scalar_overview(run: RunData) -> dict:
    """What the page says about the series it does not draw in a scalar figure, and where each
    drawn one is: plain data for the template and summary.json."""
    plan = plan_scalars(run)
    return {
        "groups": [{"key": k, "title": GROUP_TITLES[k], "drawn": list(plan.groups[k]),
                    "not_drawn": list(plan.beyond_cap.get(k, ()))} for k, _ in GROUPS if k in plan.groups],
        "schedule": list(plan.schedule),
        "constant": [{"name": n, "value": v} for n, v in plan.constant.items()],
        "too_few": list(plan.too_few),
        "counters": list(plan.counters),
        "off_axis": list(plan.off_axis),
    }

