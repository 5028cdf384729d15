"""Inside the model, glued: a run's snapshots streamed from the checkpoint reader into the
trajectory analysis, and its TensorBoard histograms into quantile bands (issue 18). Part of a
run's work (run_job.process_run), so its figures and findings are cached with the run: a rebuild
with unchanged checkpoints never reads them again (their digests are in the run's cache key)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from reportgen.analysis.model_views import model_views, trajectory_of
from reportgen.manifest.checkpoint_files import snapshot_paths, weight_files
from reportgen.model import LogSpec, ModelViews, RunData, Series, Trajectory
from reportgen.readers import tensorboard
from reportgen.readers.base import read_head
from reportgen.readers.checkpoints import SnapshotRef, find_snapshots, read_layout, stream_blocks
from reportgen.readers.tfhistograms import read_histograms

LOSS_PREFERENCE = ("val_loss", "train_loss", "train_loss_epoch")


def checkpoint_files(spec_checkpoints, manifest: Path) -> list[Path]:
    """Every file of every snapshot (for the run's cache key); [] without `checkpoints:`."""
    if spec_checkpoints is None:
        return []
    return [f for p in snapshot_paths(spec_checkpoints, manifest.parent) for f in weight_files(p)]


def _loss_at(series: Series, refs: list[SnapshotRef], x: str, run_x: str) -> np.ndarray:
    """The logged loss at each snapshot: the last finite value at or before its position."""
    out = np.full(len(refs), np.nan)
    if x == "step" and run_x == "step":
        keys, wanted = series.steps.astype(np.float64), [r.step for r in refs]
    elif x == "epoch" and series.epoch is not None:
        keys, wanted = series.epoch, [r.epoch for r in refs]
    elif x == "epoch" and run_x == "epoch":
        keys, wanted = series.steps.astype(np.float64), [r.epoch for r in refs]
    else:
        return out
    finite = np.isfinite(series.values) & np.isfinite(keys)
    keys, values = keys[finite], series.values[finite]
    order = np.argsort(keys, kind="stable")
    keys, values = keys[order], values[order]
    for i, w in enumerate(wanted):
        j = int(np.searchsorted(keys, float(w), side="right")) - 1
        if j >= 0:
            out[i] = values[j]
    return out


def read_trajectory(run: RunData) -> Trajectory | None:
    """The run's snapshots streamed through the analysis; None without `checkpoints:`. Raises
    ReadError for snapshots that cannot be read or placed."""
    spec = run.spec.checkpoints
    if spec is None:
        return None
    refs = find_snapshots(spec, run.spec.path.parent)
    layout = read_layout(refs, spec)
    x = "step" if all(r.step is not None for r in refs) else "epoch"
    positions = np.array([r.step if x == "step" else r.epoch for r in refs], dtype=np.float64)
    loss_name = next((run.roles[r] for r in LOSS_PREFERENCE if r in run.roles), None)
    loss = _loss_at(run.series[loss_name], refs, x, run.x) if loss_name else np.full(len(refs), np.nan)
    if not np.isfinite(loss).any():
        loss_name = None
    return trajectory_of(stream_blocks(refs, layout), positions, x, loss, loss_name)


def _is_tensorboard(log: LogSpec) -> bool:
    if log.format == "tensorboard":
        return True
    return log.format == "auto" and tensorboard.sniff(log.path, read_head(log.path))


def read_model_views(run: RunData) -> tuple[ModelViews | None, list[str]]:
    """Inside-the-model views of a run (None when it has neither snapshots nor histograms) and
    what the histogram reader warned about."""
    histograms = []
    warnings: list[str] = []
    for log in run.spec.logs:
        if _is_tensorboard(log):
            found, warned = read_histograms(log.path)
            histograms.extend(found)
            warnings.extend(warned)
    return model_views(read_trajectory(run), histograms), warnings
