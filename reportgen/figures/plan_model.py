"""Inside the model: what to draw from a run's ModelViews (pure). Few PNGs, each of small
multiples: the trajectory (PCA path and explained variance), update directions, weights vs
loss, and histogram bands."""

from __future__ import annotations

import numpy as np

from reportgen.figures.plan import (
    OTHER_COLORS,
    Band,
    Bars,
    FigureSpec,
    Line,
    Marker,
    Note,
    Panel,
    RefLine,
)
from reportgen.model import HistogramView, ModelViews, Trajectory

# viridis, sampled: early snapshots dark purple, late ones yellow (readable in grey too)
STEP_COLORS = ("#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58", "#b5de2b", "#fde725")
MAX_NOTES = 8  # loss labels on the trajectory: more would overlap
MAX_LAYERS = 8  # per-layer lines drawn; the largest layers first
MAX_HIST_PANELS = 9
MAX_BARS = 6  # explained-variance bars: the rest is a sliver

COS_BINS = np.linspace(-1.0, 1.0, 11)


def step_color(i: int, n: int) -> str:
    return STEP_COLORS[round(i * (len(STEP_COLORS) - 1) / max(n - 1, 1))]


def _where(traj: Trajectory, i: int) -> str:
    value = traj.positions[i]
    return f"{traj.x} {value:g}"


def _noted(pc1: np.ndarray, pc2: np.ndarray, loss: np.ndarray) -> list[int]:
    """Snapshots whose loss is written beside them: the first and last with a loss, and in
    between those at least 1/MAX_NOTES of the path's extent from the previous label (late
    snapshots crowd together as training slows; their labels would overlap)."""
    shown = [i for i in range(pc1.size) if np.isfinite(loss[i])]
    if not shown:
        return []
    extent = max(float(np.ptp(pc1)), float(np.ptp(pc2)), 1e-300)
    keep = [shown[0]]
    for i in shown[1:-1]:
        if np.hypot(pc1[i] - pc1[keep[-1]], pc2[i] - pc2[keep[-1]]) >= extent / MAX_NOTES and np.hypot(
            pc1[i] - pc1[shown[-1]], pc2[i] - pc2[shown[-1]]
        ) >= extent / MAX_NOTES:
            keep.append(i)
    return keep + ([shown[-1]] if shown[-1] != keep[0] else [])


def _trajectory_figure(traj: Trajectory) -> FigureSpec:
    t = traj.positions.size
    pc1 = traj.coords[:, 0]
    pc2 = traj.coords[:, 1] if traj.coords.shape[1] > 1 else np.zeros(t)
    path = Line(None, pc1, pc2, "#999999", linewidth=1.0)
    marks = [Marker(float(pc1[i]), float(pc2[i]), "", "o", step_color(i, t), 45) for i in range(t)]
    marks[0] = Marker(float(pc1[0]), float(pc2[0]), f"first snapshot ({_where(traj, 0)})", "o", step_color(0, t), 80)
    marks[-1] = Marker(float(pc1[-1]), float(pc2[-1]), f"last ({_where(traj, t - 1)})", "*", step_color(t - 1, t), 160)
    notes = [Note(float(pc1[i]), float(pc2[i]), f"{traj.loss[i]:.3g}") for i in _noted(pc1, pc2, traj.loss)]
    # one scale on both axes: a path that moved in one direction must look like a line; room
    # on the right for the last label
    lo = float(min(pc1.min(), pc2.min()))
    hi = float(max(pc1.max(), pc2.max()))
    pad = 0.12 * (hi - lo) if hi > lo else 1.0
    c1, c2 = (pc1.max() + pc1.min()) / 2, (pc2.max() + pc2.min()) / 2
    half = (hi - lo) / 2 + pad
    share = traj.explained
    label2 = f"PC2 ({share[1]:.0%} of movement)" if share.size > 1 else "PC2 (none: 2 snapshots)"
    # untitled, so the legend (first and last snapshot) sits above the axes, not beside them
    path_panel = Panel(
        None, f"PC1 ({share[0]:.0%} of movement)", label2, (path,), tuple(marks),
        xlim=(c1 - half, c1 + half), ylim=(c2 - half, c2 + half), notes=tuple(notes), legend_outside=False,
    )
    k = min(share.size, MAX_BARS)
    bars = Panel(None, "principal direction", "% of movement", legend=False,
                 categories=tuple(f"PC{i + 1}" for i in range(k)),
                 bars=(Bars("share of movement", 100 * share[:k], "#0072B2"),))
    loss_words = f"; numbers beside points are {traj.loss_name} at that snapshot" if notes else ""
    ratio = traj.path_ratio
    if ratio is not None and ratio >= 2:
        loss_words += (f"; the parameters travelled {ratio:.1f}x the straight distance between the first and last "
                       "snapshot, mostly back and forth in directions this projection barely shows")
    return FigureSpec(
        name="model-trajectory",
        alt=f"Trajectory of the {traj.params:,} parameters across {t} snapshots, projected on its two main "
        f"directions (same scale on both axes; colour from dark purple at the first snapshot to yellow at the last)"
        f"{loss_words}; and the share of the movement along each direction (PC1 {share[0]:.0%})",
        panels=(path_panel, bars),
        ncols=2,
        width=7.6,
        height=3.8,
    )


def _largest_layers(traj: Trajectory) -> list[int]:
    order = np.argsort(-np.nan_to_num(traj.layer_norms[:, 0]), kind="stable")[:MAX_LAYERS]
    return sorted(order.tolist(), key=lambda i: traj.layers[i])


def _updates_figure(traj: Trajectory) -> FigureSpec | None:
    if traj.positions.size < 3:
        return None
    x_cos = traj.positions[2:]
    x_upd = traj.positions[1:]
    cos_lines = [Line("all parameters", x_cos, traj.update_cos, "#000000", linewidth=1.8, marker="o")]
    layers = _largest_layers(traj) if len(traj.layers) > 1 else []
    for n, i in enumerate(layers):
        cos_lines.append(Line(traj.layers[i], x_cos, traj.layer_cos[i], OTHER_COLORS[n % len(OTHER_COLORS)],
                              linewidth=0.9, alpha=0.6))
    zero = (RefLine(0.0, "", color="#888888", linestyle="-"),)
    cos_panel = Panel("Consecutive updates: cos(Δθ_t, Δθ_t−1)", traj.x, "cosine", tuple(cos_lines), reflines=zero,
                      ylim=(-1.05, 1.05), legend_outside=True)
    finite = traj.update_cos[np.isfinite(traj.update_cos)]
    counts, _ = np.histogram(finite, bins=COS_BINS)
    centres = (COS_BINS[:-1] + COS_BINS[1:]) / 2
    dist = Panel("Their distribution", "cosine (bins of 0.2, by centre)", "pairs of updates", legend=False,
                 categories=tuple(f"{c:+.1f}" for c in centres),
                 bars=(Bars("pairs", counts.astype(float), "#0072B2"),))
    angle = Panel("Angle of each update to θ_final − θ_0", traj.x, "degrees",
                  (Line("all parameters", x_upd, traj.overall_angle, "#000000", marker="o", linewidth=1.4),),
                  reflines=(RefLine(90.0, "90°: orthogonal", color="#888888"),), ylim=(0.0, 180.0), legend=False)
    return FigureSpec(
        name="model-updates",
        alt="Update directions: cosine between consecutive updates by "
        f"{traj.x} (1: same direction, −1: reversed){' with the largest layers faint' if layers else ''}, "
        "its distribution (bars from −1 to 1), and the angle of each update to the overall direction "
        "θ_final − θ_0 (0°: straight towards where training ended)",
        panels=(cos_panel, dist, angle),
        ncols=1,
        width=7.6,
        height=6.6,
    )


def _fit(x: np.ndarray, y: np.ndarray) -> tuple[Line, str] | None:
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 3 or np.ptp(x[ok]) == 0:
        return None
    slope, intercept = np.polyfit(x[ok], y[ok], 1)
    r = float(np.corrcoef(x[ok], y[ok])[0, 1]) if np.ptp(y[ok]) > 0 else 0.0
    xs = np.array([x[ok].min(), x[ok].max()])
    return Line(f"least-squares line (r = {r:.2f})", xs, slope * xs + intercept, "#D55E00", linestyle="--"), f"r = {r:.2f}"


def _weights_figure(traj: Trajectory) -> FigureSpec | None:
    panels = []
    words = []
    if traj.loss_name is not None:
        pts = Line(f"{traj.loss_name} at a snapshot", traj.norms, traj.loss, "#0072B2", linestyle="none", marker="o")
        fit = _fit(traj.norms, traj.loss)
        lines = (pts,) + ((fit[0],) if fit else ())
        panels.append(Panel("Loss against weight norm", "‖θ‖ (all parameters)", traj.loss_name, lines))
        words.append(f"{traj.loss_name} against the global weight norm" + (f" with a least-squares line ({fit[1]})" if fit else ""))
    layers = _largest_layers(traj)
    if traj.positions.size >= 2:
        rel = []
        for n, i in enumerate(layers):
            y = traj.layer_rel_update[i]
            rel.append(Line(traj.layers[i], traj.positions[1:], np.where(y > 0, y, np.nan),
                            OTHER_COLORS[n % len(OTHER_COLORS)], marker="." if y.size < 40 else None, linewidth=1.2))
        panels.append(Panel("Relative update size per layer: ‖Δθ‖ / ‖θ‖", traj.x, "ratio", tuple(rel), yscale="log",
                            legend_outside=True))
        words.append(f"the relative update size ‖Δθ‖/‖θ‖ of {'each layer' if len(layers) == len(traj.layers) else f'the {len(layers)} largest layers'} by {traj.x} (log scale)")
    norm_lines = tuple(
        Line(traj.layers[i], traj.positions, traj.layer_norms[i] / traj.layer_norms[i, 0] if traj.layer_norms[i, 0] > 0 else traj.layer_norms[i],
             OTHER_COLORS[n % len(OTHER_COLORS)], linewidth=1.2)
        for n, i in enumerate(layers)
    )
    panels.append(Panel("Weight norm per layer, relative to the first snapshot", traj.x, "‖θ‖ / ‖θ_0‖", norm_lines,
                        reflines=(RefLine(1.0, "", color="#888888"),), legend_outside=True))
    words.append("each layer's weight norm relative to its first snapshot")
    return FigureSpec(
        name="model-weights",
        alt="Weights and loss: " + "; ".join(words),
        panels=tuple(panels),
        ncols=1,
        width=7.6,
        height=2.7 * len(panels) + 0.3,
    )


def _histogram_panel(view: HistogramView, x: str) -> Panel:
    q = view.quantiles
    xs = view.steps.astype(np.float64)
    color = "#D55E00" if view.kind == "gradient" else "#0072B2"
    bands = (Band(xs, q[0], q[-1], color, "5–95%", alpha=0.18), Band(xs, q[1], q[-2], color, "25–75%", alpha=0.35))
    median = Line("median", xs, q[len(view.levels) // 2], color, linewidth=1.4)
    return Panel(view.tag, x, view.kind if view.kind != "other" else "value", (median,), bands=bands, legend=False)


def _histograms_figure(views: tuple[HistogramView, ...], x: str) -> FigureSpec | None:
    if not views:
        return None
    ordered = sorted(views, key=lambda v: ({"weight": 0, "gradient": 1}.get(v.kind, 2), v.tag))[:MAX_HIST_PANELS]
    ncols = 2 if len(ordered) in (2, 4) else min(3, len(ordered))  # 4 as 2 x 2, not 3 + 1
    rows = -(-len(ordered) // ncols)
    more = len(views) - len(ordered)
    return FigureSpec(
        name="model-histograms",
        alt="Distributions over time (TensorBoard histograms): per tag, the median line, the middle half "
        "(25–75%) dark and 5–95% light; weights blue, gradients orange: "
        + ", ".join(v.tag for v in ordered) + (f" (and {more} more tags not drawn)" if more else ""),
        panels=tuple(_histogram_panel(v, x) for v in ordered),
        ncols=ncols,
        width=7.6,
        height=2.3 * rows + 0.3,
    )


def plan_model_figures(views: ModelViews, x: str = "step") -> list[FigureSpec]:
    """The figures of the run page's "Inside the model" section, in page order; `x` is what the
    TensorBoard log's steps count (the run's x: Keras logs count epochs)."""
    figs: list[FigureSpec | None] = []
    traj = views.trajectory
    if traj is not None and traj.positions.size >= 2:
        figs += [_trajectory_figure(traj), _updates_figure(traj), _weights_figure(traj)]
    figs.append(_histograms_figure(views.histograms, x))
    return [f for f in figs if f is not None]
