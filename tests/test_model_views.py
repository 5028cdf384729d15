"""Inside-the-model analysis on snapshots with known trajectories (analysis/model_views.py)."""

from __future__ import annotations

import numpy as np
from numpy.testing import assert_allclose

from reportgen.analysis.model_views import (
    GramAccumulator,
    histogram_quantiles,
    layer_of,
    model_views,
    trajectory,
    trajectory_of,
)
from reportgen.model import HistogramSeries


def _blocks(snapshots: dict[str, np.ndarray], width: int = 3):
    """Each parameter (T x n) in blocks of `width` columns, as the checkpoint reader streams."""
    for name, arr in snapshots.items():
        for a in range(0, arr.shape[1], width):
            yield name, arr[:, a : a + width]


def test_straight_line_is_one_direction_with_cosine_one():
    rng = np.random.default_rng(0)
    start, direction = rng.standard_normal(20), rng.standard_normal(20)
    steps = np.arange(6) * 100
    theta = start + np.outer(np.arange(6), direction)
    traj = trajectory_of(_blocks({"fc1.weight": theta[:, :12], "fc2.weight": theta[:, 12:]}), steps)
    assert_allclose(traj.explained[0], 1.0, atol=1e-12)
    assert_allclose(traj.update_cos, 1.0, atol=1e-12)
    assert_allclose(traj.overall_angle, 0.0, atol=1e-5)
    assert traj.params == 20
    assert traj.layers == ("fc1", "fc2")
    # PC1 coordinates are evenly spaced along the line, heading to +x
    assert_allclose(np.diff(traj.coords[:, 0]), np.linalg.norm(direction), rtol=1e-10)
    assert_allclose(traj.norms, np.linalg.norm(theta, axis=1), rtol=1e-12)
    assert_allclose(traj.path_ratio, 1.0, rtol=1e-12)  # a straight path is as long as its chord
    kinds = {f.kind for f in model_views(traj).flags}
    assert kinds == {"one_direction"}


def test_zigzag_updates_have_cosine_minus_one_and_are_flagged():
    w = np.array([0.0, 3.0, 0.0, 4.0])
    theta = np.array([(t % 2) * w + 1.0 for t in range(8)])
    traj = trajectory_of(_blocks({"w": theta}, width=1), np.arange(8))
    assert_allclose(traj.update_cos, -1.0, atol=1e-12)
    assert_allclose(traj.layer_rel_update[0, 0], 5.0 / 2.0)  # ‖w‖ / ‖θ_0‖ = 5 / 2
    # every update lies along the overall direction or against it
    assert_allclose(traj.overall_angle % 180.0, 0.0, atol=1e-5)
    # seven updates of length ‖w‖ = 5 to get one ‖w‖ away from the start
    assert_allclose(traj.path_ratio, 7.0, rtol=1e-12)
    flags = {f.kind: f for f in model_views(traj).flags}
    assert "update_oscillation" in flags
    assert flags["update_oscillation"].evidence["mean_update_cos"] == -1.0


def test_pca_matches_dense_svd_of_centred_snapshots():
    rng = np.random.default_rng(3)
    theta = np.cumsum(rng.standard_normal((9, 40)) * [3.0] + rng.standard_normal(40), axis=0)
    traj = trajectory_of(_blocks({"a.w": theta[:, :25], "b.w": theta[:, 25:]}, width=7), np.arange(9))
    centred = theta - theta.mean(axis=0)
    sv = np.linalg.svd(centred, compute_uv=False)
    assert_allclose(traj.explained, (sv**2 / (sv**2).sum())[: traj.explained.size], rtol=1e-9, atol=1e-12)
    # pairwise distances between snapshots survive the projection onto all components
    dense = np.linalg.norm(centred[:, None] - centred[None], axis=2)
    projected = np.linalg.norm(traj.coords[:, None] - traj.coords[None], axis=2)
    assert_allclose(projected, dense, rtol=1e-8)
    upd = np.diff(theta, axis=0)
    cos = (upd[1:] * upd[:-1]).sum(1) / np.linalg.norm(upd[1:], axis=1) / np.linalg.norm(upd[:-1], axis=1)
    assert_allclose(traj.update_cos, cos, rtol=1e-10)


def test_dead_and_exploding_layers():
    t = np.arange(5, dtype=float)
    dying = np.outer(0.5 ** (3 * t), np.ones(4))  # norm falls to 1/4096 of its start
    growing = np.outer(3.0**t, np.ones(4))
    steady = np.ones((5, 4)) + 0.01 * t[:, None]
    traj = trajectory_of(_blocks({"dead.w": dying, "boom.w": growing, "ok.w": steady}), np.arange(5) * 10)
    kinds = {(f.kind, f.metric) for f in model_views(traj).flags}
    assert ("layer_dead", "dead") in kinds
    assert ("layer_exploding", "boom") in kinds
    assert not any(metric == "ok" for _, metric in kinds)


def test_layer_names():
    assert layer_of("encoder.layer.0.attn.weight") == "encoder.layer.0.attn"
    assert layer_of("dense/kernel:0") == "dense"
    assert layer_of("w") == "w"


def test_accumulator_refuses_a_block_of_the_wrong_height():
    acc = GramAccumulator(3)
    try:
        acc.add("x", np.zeros((2, 4)))
    except ValueError as exc:
        assert "expected (3, n)" in str(exc)
    else:
        raise AssertionError("accepted a block with 2 snapshots of 3")
    assert trajectory(acc, np.arange(3), "step", np.full(3, np.nan), None).params == 0


def test_histogram_quantiles_of_uniform_buckets():
    # 100 values spread evenly over [0, 10): ten buckets of ten
    limits = np.arange(1.0, 11.0)
    series = HistogramSeries("layer/weights", np.array([5]), (limits,), (np.full(10, 10.0),), np.array([0.0]), np.array([10.0]))
    view = histogram_quantiles(series)
    assert view.kind == "weight"
    assert_allclose(view.quantiles[:, 0], [0.5, 2.5, 5.0, 7.5, 9.5])
