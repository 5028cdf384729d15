"""Example runs with parameter snapshots (issue 18, "Inside the model"): a small digits MLP
trained in numpy that saves its weights as `.npz` checkpoints, and writes weight and gradient
histograms to a TensorBoard event file (tensorboardX) for one run.

Two runs: `digits-mlp-inside` (clean: SGD with momentum, a checkpoint per epoch, histograms)
and `digits-mlp-lr-too-high` (full-batch gradient descent with a learning rate past the
stability limit of the sharpest direction: consecutive updates flip, the loss bounces).
Checkpoints are float32 (float16 rounding would be larger than a late update and drown the
update directions in noise), 1,210 parameters each, so the files stay small.
"""

from __future__ import annotations

import io
import json
import math
import tempfile
from pathlib import Path

import numpy as np
from example_training import Split

HIDDEN = 16


def _init(rng: np.random.Generator) -> dict[str, np.ndarray]:
    b1, b2 = math.sqrt(6.0 / 64), math.sqrt(6.0 / HIDDEN)
    return {
        "fc1.weight": rng.uniform(-b1, b1, (64, HIDDEN)),
        "fc1.bias": np.zeros(HIDDEN),
        "fc2.weight": rng.uniform(-b2, b2, (HIDDEN, 10)),
        "fc2.bias": np.zeros(10),
    }


def _loss_grads(p: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
    h = np.maximum(x @ p["fc1.weight"] + p["fc1.bias"], 0.0)
    out = h @ p["fc2.weight"] + p["fc2.bias"]
    top = out.max(axis=1, keepdims=True)
    lse = top[:, 0] + np.log(np.exp(out - top).sum(axis=1))
    n = len(y)
    loss = float(np.mean(lse - out[np.arange(n), y]))
    g = np.exp(out - lse[:, None])
    g[np.arange(n), y] -= 1.0
    g /= n
    gh = (g @ p["fc2.weight"].T) * (h > 0)
    return loss, {"fc1.weight": x.T @ gh, "fc1.bias": gh.sum(0), "fc2.weight": h.T @ g, "fc2.bias": g.sum(0)}


def _npz(p: dict[str, np.ndarray]) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **{k: v.astype(np.float32) for k, v in sorted(p.items())})
    return _fixed_zip_times(buf.getvalue())


def _fixed_zip_times(data: bytes) -> bytes:
    """np.savez stamps each member with the current time: rewrite them at 1980-01-01 so the
    same weights give the same bytes."""
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            dst.writestr(fixed, src.read(info))
    return out.getvalue()


def clean_run(split: Split) -> dict[str, bytes]:
    """SGD + momentum 0.9, lr 0.05, batch 64, 12 epochs; a checkpoint at the start and after
    each epoch; TensorBoard scalars per step and epoch, histograms of weights and gradients
    per epoch."""
    from tensorboardX import SummaryWriter

    rng = np.random.default_rng(0)
    p = _init(rng)
    vel = {k: np.zeros_like(v) for k, v in p.items()}
    files = {"checkpoints/step_0.npz": _npz(p)}
    step = 0
    with tempfile.TemporaryDirectory() as tmp:
        writer = SummaryWriter(tmp, flush_secs=3600)
        for _epoch in range(12):
            order = rng.permutation(len(split.y_train))
            grad_sum = {k: np.zeros_like(v) for k, v in p.items()}
            for b in range(0, len(order), 64):
                idx = order[b : b + 64]
                loss, grads = _loss_grads(p, split.x_train[idx], split.y_train[idx])
                for k in p:
                    vel[k] = 0.9 * vel[k] + grads[k]
                    p[k] = p[k] - 0.05 * vel[k]
                    grad_sum[k] += grads[k]
                step += 1
                writer.add_scalar("train_loss", loss, step, walltime=1.7e9 + step)
            val_loss, _ = _loss_grads(p, split.x_val, split.y_val)
            writer.add_scalar("val_loss", val_loss, step, walltime=1.7e9 + step)
            for k in ("fc1.weight", "fc2.weight"):
                writer.add_histogram(f"weights/{k}", p[k], step, bins=30, walltime=1.7e9 + step)
                writer.add_histogram(f"gradients/{k}", grad_sum[k] / math.ceil(len(order) / 64), step, bins=30,
                                     walltime=1.7e9 + step)
            files[f"checkpoints/step_{step}.npz"] = _npz(p)
        writer.close()
        event = next(Path(tmp).glob("events.out.tfevents.*"))
        files["tb/events.out.tfevents.1700000000.example"] = _fixed_first_event(event.read_bytes())
    return files


def _fixed_first_event(data: bytes) -> bytes:
    """The file-version record SummaryWriter stamps with the clock, set to a fixed time (as
    example_frameworks.tensorboardx_events does)."""
    from example_frameworks import START_TIME, _frame, _records
    from tensorboardX.proto import event_pb2

    records = _records(data)
    first = event_pb2.Event()
    first.ParseFromString(records[0])
    first.wall_time = START_TIME
    records[0] = first.SerializeToString()
    return b"".join(_frame(r) for r in records)


def oscillating_run(split: Split) -> dict[str, bytes]:
    """Full-batch gradient descent at lr 1.0 for 40 steps, a checkpoint after every step:
    the step size is past the stability limit of the sharpest direction, so each update
    largely undoes the last (mean consecutive cosine about -0.6) while the loss bounces
    down. Train and validation loss per step in metrics.jsonl."""
    rng = np.random.default_rng(1)
    p = _init(rng)
    files = {"checkpoints/step_0.npz": _npz(p)}
    rows = []
    for step in range(1, 41):
        loss, grads = _loss_grads(p, split.x_train, split.y_train)
        for k in p:
            p[k] = p[k] - 1.0 * grads[k]
        files[f"checkpoints/step_{step}.npz"] = _npz(p)
        val = _loss_grads(p, split.x_val, split.y_val)[0]
        rows.append({"step": step, "train_loss": round(loss, 6), "val_loss": round(val, 6)})
    files["metrics.jsonl"] = ("\n".join(json.dumps(r) for r in rows) + "\n").encode()
    return files


CLEAN_MANIFEST = """\
name: digits-mlp-inside
title: Digits MLP with checkpoints (clean)
notes: |
  A small MLP (64-16-10, ReLU) trained with SGD and momentum 0.9 (lr 0.05, batch 64) for 12
  epochs, saving its weights as `.npz` after every epoch, and logging weight and gradient
  histograms to TensorBoard: the "Inside the model" section shows a smooth path that keeps
  its direction.

  Generated by `runs/generate.py` (runs/example_checkpoints.py, numpy training, fixed seeds).
task: classification
loss: cross_entropy
num_classes: 10
logs: tb
checkpoints: checkpoints
hparams: {hidden: [16], optimizer: sgd, momentum: 0.9, lr: 0.05, batch_size: 64, epochs: 12, seed: 0}
source: real
"""

OSCILLATING_MANIFEST = """\
name: digits-mlp-lr-too-high
title: Digits MLP, learning rate too high (checkpoint every step)
notes: |
  The same MLP (64-16-10, ReLU) trained by full-batch gradient descent at lr 1.0, past the
  stability limit of its sharpest direction, with a checkpoint after each of its 40 steps:
  each update largely undoes the one before (consecutive cosines near -0.6), and the loss
  bounces on its way down.

  Generated by `runs/generate.py` (runs/example_checkpoints.py, numpy training, fixed seeds).
task: classification
loss: cross_entropy
num_classes: 10
logs: metrics.jsonl
checkpoints:
  path: checkpoints/step_*.npz
  exclude: ["*.bias"]
hparams: {hidden: [16], optimizer: gd, lr: 1.0, batch_size: full, steps: 40, seed: 1}
source: real
"""


def checkpoint_examples(split: Split) -> dict[str, bytes]:
    """The two runs' files, by path relative to runs/."""
    files: dict[str, bytes] = {}
    for name, manifest, made in (
        ("digits-mlp-inside", CLEAN_MANIFEST, clean_run(split)),
        ("digits-mlp-lr-too-high", OSCILLATING_MANIFEST, oscillating_run(split)),
    ):
        files[f"{name}/run.yaml"] = manifest.encode("utf-8")
        files.update({f"{name}/{rel}": data for rel, data in made.items()})
    return files
