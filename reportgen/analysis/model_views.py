"""Inside the model: the trajectory of the parameters across snapshots, and histogram bands.

Pure numpy. The snapshots arrive as a stream of blocks (T snapshots x some parameters), so a
model far larger than memory is handled exactly: one pass accumulates the T x T Gram matrix of
the displacements D_t = θ_t − θ_0 (PCA of the centred trajectory and the angle of each update to
θ_final − θ_0 follow from it exactly), and, per layer, ‖θ_t‖², ‖Δθ_t‖² and <Δθ_t, Δθ_{t-1}>
computed directly (no cancellation). Thresholds of the findings are documented in
docs/analysis.md and the glossary.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np

from reportgen.analysis.util import position_text
from reportgen.model import Flag, HistogramSeries, HistogramView, ModelViews, Trajectory

# Findings (docs/analysis.md "Inside the model").
OSCILLATION_COS = -0.5  # mean consecutive update cosine below this: updates flip direction
ONE_DIRECTION = 0.9  # PC1 explains more than this share of the movement
DEAD_RATIO = 0.01  # a layer's final norm below this fraction of its largest norm: collapsed
EXPLODE_RATIO = 10.0  # ... above this multiple of its first norm, and still growing: exploding
MAX_COMPONENTS = 10  # explained-variance bars shown
HIST_LEVELS = (0.05, 0.25, 0.5, 0.75, 0.95)


def layer_of(name: str) -> str:
    """The layer a parameter belongs to: its name without the last part (`fc1.weight` -> `fc1`,
    `dense/kernel:0` -> `dense`); a name of one part is its own layer."""
    parts = re.split(r"[./]", name)
    return name if len(parts) == 1 else name[: len(name) - len(parts[-1]) - 1]


class GramAccumulator:
    """Sums over parameter blocks (each T x n, one row per snapshot), per layer: the T x T Gram
    matrix of M = [θ_0, θ_1 − θ_0, ..., θ_T-1 − θ_0]. Every quantity of the views is a linear
    combination of its entries; one matrix product per block is all the arithmetic."""

    def __init__(self, t: int):
        self.t = t
        self.layers: dict[str, np.ndarray] = {}
        self.params = 0

    def add(self, name: str, block: np.ndarray) -> None:
        """Add one block. A float64 block is used as scratch space (its rows after the first
        become displacements): the reader hands over a fresh block each time."""
        if block.ndim != 2 or block.shape[0] != self.t:
            raise ValueError(f"block of {name!r} has shape {block.shape}, expected ({self.t}, n)")
        if block.dtype != np.float64 or block.base is not None or not block.flags.writeable:
            block = np.array(block, dtype=np.float64)  # a view of someone's data: never written to
        self.params += block.shape[1]
        block[1:] -= block[0]
        gram = self.layers.setdefault(layer_of(name), np.zeros((self.t, self.t)))
        gram += block @ block.T


def _safe_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1.0), np.nan)


def _parts(m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """From one Gram matrix of M: the displacement Gram (D_0 = 0), ‖θ_t‖² (T), ‖Δθ_t‖² (T-1)
    and <Δθ_t, Δθ_t-1> (T-2)."""
    t = m.shape[0]
    d = np.zeros_like(m)
    d[1:, 1:] = m[1:, 1:]
    cross = np.concatenate([[0.0], m[0, 1:]])
    sq = np.clip(m[0, 0] + 2 * cross + np.diag(d), 0.0, None)
    idx = np.arange(1, t)
    upd = np.clip(d[idx, idx] + d[idx - 1, idx - 1] - 2 * d[idx, idx - 1], 0.0, None)
    j = np.arange(2, t)
    consec = d[j, j - 1] - d[j, j - 2] - d[j - 1, j - 1] + d[j - 1, j - 2]
    return d, sq, upd, consec


def pca(gram: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(T x k coordinates, explained share per component) of the trajectory whose displacement
    Gram matrix is `gram`, centred on its mean; signs fixed so the path heads to +x and +y."""
    t = gram.shape[0]
    h = np.eye(t) - 1.0 / t
    centred = h @ gram @ h
    values, vectors = np.linalg.eigh((centred + centred.T) / 2)
    order = np.argsort(values)[::-1]
    values = np.clip(values[order], 0.0, None)
    vectors = vectors[:, order]
    total = values.sum()
    k = max(1, min(t - 1, MAX_COMPONENTS))
    explained = values[:k] / total if total > 0 else np.zeros(k)
    coords = vectors[:, :k] * np.sqrt(values[:k])
    signs = np.where(coords[-1] - coords[0] < 0, -1.0, 1.0)
    return coords * signs, explained


def trajectory(acc: GramAccumulator, positions: np.ndarray, x: str, loss: np.ndarray, loss_name: str | None) -> Trajectory:
    """The trajectory views from an accumulator filled with every parameter block."""
    names = sorted(acc.layers)
    t = acc.t
    per_layer = [_parts(acc.layers[n]) for n in names]
    g, sq, upd, consec = _parts(sum(acc.layers.values(), np.zeros((t, t))))
    coords, explained = pca(g)
    update_cos = _safe_div(consec, np.sqrt(upd[1:] * upd[:-1]))
    # <Δθ_t, θ_T − θ_0> from the Gram matrix of displacements (D_0 = 0)
    along = g[1:, -1] - g[:-1, -1]
    overall = np.sqrt(max(g[-1, -1], 0.0))
    cos_overall = np.clip(_safe_div(along, np.sqrt(upd) * overall), -1.0, 1.0)
    empty = np.zeros((0, t))
    return Trajectory(
        x=x,
        positions=np.asarray(positions, dtype=np.float64),
        params=acc.params,
        loss_name=loss_name,
        loss=np.asarray(loss, dtype=np.float64),
        coords=coords,
        explained=explained,
        norms=np.sqrt(sq),
        update_norms=np.sqrt(upd),
        update_cos=update_cos,
        overall_angle=np.degrees(np.arccos(cos_overall)),
        layers=tuple(names),
        layer_norms=np.array([np.sqrt(p[1]) for p in per_layer]) if names else empty,
        layer_rel_update=np.array([_safe_div(np.sqrt(p[2]), np.sqrt(p[1][:-1])) for p in per_layer]) if names else empty[:, 1:],
        layer_cos=np.array([_safe_div(p[3], np.sqrt(p[2][1:] * p[2][:-1])) for p in per_layer]) if names else empty[:, 2:],
        net_sq=float(g[-1, -1]),
    )


def trajectory_of(blocks: Iterable[tuple[str, np.ndarray]], positions: np.ndarray, x: str = "step",
                  loss: np.ndarray | None = None, loss_name: str | None = None) -> Trajectory:
    """The trajectory of snapshots given as (parameter name, T x n block) pairs, in one pass.
    A float64 block that owns its data is consumed (used as scratch space)."""
    positions = np.asarray(positions, dtype=np.float64)
    acc = GramAccumulator(positions.shape[0])
    for name, block in blocks:
        acc.add(name, block)
    return trajectory(acc, positions, x, np.full(positions.shape, np.nan) if loss is None else loss, loss_name)


def histogram_quantiles(series: HistogramSeries, levels: tuple[float, ...] = HIST_LEVELS) -> HistogramView:
    """Quantiles of each step's histogram, linear within a bucket (a bucket spans from the
    previous edge, or the minimum, to its own edge), clipped to the recorded min and max."""
    out = np.full((len(levels), len(series.steps)), np.nan)
    for j, (limits, counts) in enumerate(zip(series.limits, series.counts)):
        total = counts.sum()
        if total <= 0:
            continue
        lo, hi = series.minimum[j], series.maximum[j]
        right = np.clip(limits, lo, hi)
        left = np.concatenate([[lo], right[:-1]])
        cum = np.concatenate([[0.0], np.cumsum(counts)]) / total
        for i, q in enumerate(levels):
            b = int(np.clip(np.searchsorted(cum, q, side="left") - 1, 0, len(counts) - 1))
            inside = (q - cum[b]) / (cum[b + 1] - cum[b]) if cum[b + 1] > cum[b] else 0.5
            out[i, j] = left[b] + inside * (right[b] - left[b])
    return HistogramView(series.tag, histogram_kind(series.tag), series.steps, levels, out)


def histogram_kind(tag: str) -> str:
    lower = tag.lower()
    if "grad" in lower:
        return "gradient"
    if any(w in lower for w in ("weight", "kernel", "bias", "param")):
        return "weight"
    return "other"


def _at(traj: Trajectory, i: int) -> tuple[int | None, float | None]:
    value = float(traj.positions[i])
    return (int(value), None) if traj.x == "step" else (None, value)


def trajectory_flags(traj: Trajectory) -> list[Flag]:
    """Oscillation, movement in one direction, dead and exploding layers."""
    flags: list[Flag] = []
    cos = traj.update_cos[np.isfinite(traj.update_cos)]
    if cos.size >= 3 and cos.mean() < OSCILLATION_COS:
        flags.append(Flag(
            "update_oscillation", "warning",
            f"consecutive updates point in opposite directions (mean cosine {cos.mean():.2f} over {cos.size} "
            "pairs of snapshots): the step size may be too large for this loss surface",
            evidence={"mean_update_cos": float(cos.mean()), "threshold": OSCILLATION_COS, "pairs": int(cos.size)},
            facts=(("mean cosine", f"{cos.mean():.2f}"), ("threshold", f"< {OSCILLATION_COS}")),
        ))
    if traj.explained.size >= 2 and traj.positions.size >= 3 and traj.explained[0] > ONE_DIRECTION:
        flags.append(Flag(
            "one_direction", "info",
            f"{traj.explained[0]:.0%} of the parameters' movement lies along one direction (PC1): "
            "training moved almost in a straight line between these snapshots",
            evidence={"pc1": float(traj.explained[0]), "threshold": ONE_DIRECTION},
            facts=(("PC1", f"{traj.explained[0]:.1%}"), ("threshold", f"> {ONE_DIRECTION:.0%}")),
        ))
    for name, norms in zip(traj.layers, traj.layer_norms):
        flag = _layer_flag(traj, name, norms)
        if flag is not None:
            flags.append(flag)
    return flags


def _layer_flag(traj: Trajectory, name: str, norms: np.ndarray) -> Flag | None:
    if norms.size < 2:
        return None
    step, epoch = _at(traj, norms.size - 1)
    first, last, peak = float(norms[0]), float(norms[-1]), float(np.nanmax(norms)) if np.isfinite(norms).any() else np.nan
    if not np.isfinite(last):
        return Flag("layer_exploding", "error", f"layer {name!r} has non-finite weights at {position_text(step, epoch)}",
                    metric=name, step=step, epoch=epoch, evidence={"layer": name, "first_norm": first})
    if peak > 0 and last < DEAD_RATIO * peak:
        return Flag(
            "layer_dead", "warning",
            f"layer {name!r} collapsed: its weight norm fell to {last:.3g}, under {DEAD_RATIO:.0%} of its largest ({peak:.3g})",
            metric=name, step=step, epoch=epoch,
            evidence={"layer": name, "final_norm": last, "max_norm": peak, "ratio": DEAD_RATIO},
            facts=(("final norm", f"{last:.3g}"), ("largest norm", f"{peak:.3g}")),
        )
    if first > 0 and last > EXPLODE_RATIO * first and norms[-1] > norms[-2]:
        return Flag(
            "layer_exploding", "error",
            f"layer {name!r} keeps growing: its weight norm rose {last / first:.0f}x (from {first:.3g} to {last:.3g}) "
            "and was still rising at the last snapshot",
            metric=name, step=step, epoch=epoch,
            evidence={"layer": name, "first_norm": first, "final_norm": last, "ratio": EXPLODE_RATIO},
            facts=(("first norm", f"{first:.3g}"), ("final norm", f"{last:.3g}")),
        )
    return None


def model_views(traj: Trajectory | None, histograms: Iterable[HistogramSeries] = ()) -> ModelViews | None:
    """The run's inside-the-model views with their findings; None when there is no data."""
    views = tuple(histogram_quantiles(h) for h in histograms)
    if traj is None and not views:
        return None
    flags = tuple(trajectory_flags(traj)) if traj is not None else ()
    return ModelViews(traj, views, flags)
