#!/usr/bin/env python3
"""Regenerate the example runs in this folder: manifests, training logs and label files.

Every log comes from real training: small numpy networks trained with minibatch SGD/Adam on
scikit-learn's bundled `load_digits` (8x8 digits) and `load_diabetes` datasets (no download).
Seeds, splits and wall times are fixed, so the same numpy build regenerates byte-identical files.

    python runs/generate.py              # rewrite the files in runs/
    python runs/generate.py --out DIR    # write them under DIR instead (the tests compare)

Needs numpy, pyyaml and scikit-learn (`pip install scikit-learn`, used only to load the data).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

# One BLAS thread: some BLAS builds split sums differently with the thread count, which would
# change the last bits of the results. Must be set before numpy loads its BLAS.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np

HERE = Path(__file__).resolve().parent
# Logs carry wall times derived from this instant, never from the clock (2023-11-14 22:13:20 UTC).
START_TIME = 1_700_000_000.0
SECONDS_PER_STEP = 0.0125
SECONDS_PER_EVAL = 0.35


def wall_time_at(step: int, evals_done: int) -> float:
    """Seconds since the Unix epoch when `step` finished, after `evals_done` validations."""
    return round(START_TIME + step * SECONDS_PER_STEP + evals_done * SECONDS_PER_EVAL, 4)


# ---------------------------------------------------------------- data


@dataclass(frozen=True)
class Split:
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray


def _sklearn_datasets():
    try:
        from sklearn import datasets
    except ImportError:
        sys.exit(
            "runs/generate.py needs scikit-learn to load its bundled datasets: "
            "pip install scikit-learn"
        )
    return datasets


def load_digits_split() -> Split:
    """Digits scaled to [0, 1], split 1257 train / 540 val by a fixed permutation."""
    digits = _sklearn_datasets().load_digits()
    x = digits.data.astype(np.float64) / 16.0
    y = digits.target.astype(np.int64)
    order = np.random.default_rng(0).permutation(len(y))
    n_train = 1257
    return Split(x[order[:n_train]], y[order[:n_train]], x[order[n_train:]], y[order[n_train:]])


def load_diabetes_split() -> Split:
    """Diabetes (442 patients, 10 features) split 309/133; features and target standardised
    with the training statistics, so an MSE of 1.0 is the predict-the-mean baseline."""
    data = _sklearn_datasets().load_diabetes()
    x = data.data.astype(np.float64)
    y = data.target.astype(np.float64)
    order = np.random.default_rng(1).permutation(len(y))
    tr, va = order[:309], order[309:]
    mx, sx = x[tr].mean(axis=0), x[tr].std(axis=0)
    my, sy = y[tr].mean(), y[tr].std()
    return Split((x[tr] - mx) / sx, (y[tr] - my) / sy, (x[va] - mx) / sx, (y[va] - my) / sy)


def imbalanced(split: Split, keep: float = 0.65, top: int = 120) -> Split:
    """A long-tailed training set: the first `top * keep**k` training images of class k.
    The validation set stays balanced, so train and val class distributions differ."""
    chosen = []
    for k in range(10):
        idx = np.nonzero(split.y_train == k)[0]
        chosen.append(idx[: max(2, int(top * keep**k))])
    sel = np.sort(np.concatenate(chosen))
    return Split(split.x_train[sel], split.y_train[sel], split.x_val, split.y_val)


# ---------------------------------------------------------------- training


@dataclass(frozen=True)
class Config:
    """One training run of a fully connected network."""

    hidden: tuple[int, ...] = (64,)
    activation: str = "relu"  # relu | tanh
    init_scale: float | None = None  # std of the initial weights; None = He init
    optimizer: str = "adam"  # adam | adamw | sgd
    lr: float = 1e-3
    momentum: float = 0.0
    weight_decay: float = 0.0
    schedule: str = "constant"  # constant | cosine | linear | plateau (halve when val stalls)
    epochs: int = 20
    batch_size: int = 32
    seed: int = 0
    n_train: int | None = None  # train on the first n examples only
    task: str = "classification"  # classification | regression
    dtype: str = "float64"  # float32 overflows like a GPU run does
    warmup_steps: int = 0  # linear warmup from 0 to lr, before the schedule

    def hparams(self) -> dict:
        out: dict = {
            "hidden": list(self.hidden),
            "activation": self.activation,
            "optimizer": self.optimizer,
            "lr": self.lr,
            "batch_size": self.batch_size,
            "epochs": self.epochs,
            "seed": self.seed,
        }
        if self.momentum:
            out["momentum"] = self.momentum
        if self.weight_decay:
            out["weight_decay"] = self.weight_decay
        if self.schedule != "constant":
            out["schedule"] = self.schedule
        if self.init_scale is not None:
            out["init_std"] = self.init_scale
        if self.n_train is not None:
            out["train_examples"] = self.n_train
        if self.warmup_steps:
            out["warmup_steps"] = self.warmup_steps
        if self.dtype != "float64":
            out["dtype"] = self.dtype
        return out


@dataclass(frozen=True)
class History:
    """What the training loop measured. Per optimizer step (index t is step t + 1): minibatch
    loss and accuracy, learning rate used, global gradient norm, epoch. Per epoch: mean train
    loss/accuracy over its batches, validation loss and accuracy (classification) or MAE
    (regression), and the global step at its end."""

    step_loss: np.ndarray
    step_acc: np.ndarray
    step_lr: np.ndarray
    step_grad_norm: np.ndarray
    step_epoch: np.ndarray
    train_loss: np.ndarray
    train_acc: np.ndarray
    val_loss: np.ndarray
    val_metric: np.ndarray
    epoch_end_step: np.ndarray
    epoch_lr: np.ndarray  # learning rate at the end of each epoch (after any plateau cut)
    steps_per_epoch: int
    n_params: int
    n_train: int
    n_val: int


def _forward(weights, biases, x, activation):
    acts = [x]
    h = x
    last = len(weights) - 1
    for i, (w, b) in enumerate(zip(weights, biases)):
        z = h @ w + b
        if i < last:
            h = np.maximum(z, 0.0) if activation == "relu" else np.tanh(z)
        else:
            h = z
        acts.append(h)
    return acts


def _loss_and_grad(out, y, task):
    """Mean loss over the batch, its gradient w.r.t. the outputs, and accuracy (NaN for
    regression)."""
    n = len(y)
    if task == "regression":
        err = out[:, 0] - y
        return float(np.mean(err * err)), (2.0 / n) * err[:, None], math.nan
    # log-softmax with the max subtracted, as every framework does
    top = out.max(axis=1, keepdims=True)
    lse = top[:, 0] + np.log(np.exp(out - top).sum(axis=1))
    loss = float(np.mean(lse - out[np.arange(n), y]))
    grad = np.exp(out - lse[:, None])
    grad[np.arange(n), y] -= 1.0
    acc = float(np.mean(out.argmax(axis=1) == y))
    return loss, grad / n, acc


def _evaluate(weights, biases, split: Split, cfg: Config) -> tuple[float, float]:
    out = _forward(weights, biases, split.x_val, cfg.activation)[-1]
    loss, _, acc = _loss_and_grad(out, split.y_val, cfg.task)
    if cfg.task == "regression":
        return loss, float(np.mean(np.abs(out[:, 0] - split.y_val)))
    return loss, acc


def train(cfg: Config, split: Split) -> History:
    """Train with minibatches reshuffled every epoch; deterministic for a given seed. Overflow
    is allowed to happen (a diverging run logs inf and NaN as a real one does)."""
    dtype = np.dtype(cfg.dtype)
    x_tr, y_tr = split.x_train.astype(dtype), split.y_train
    if cfg.task == "regression":
        y_tr = y_tr.astype(dtype)
        split = replace(split, x_val=split.x_val.astype(dtype), y_val=split.y_val.astype(dtype))
    else:
        split = replace(split, x_val=split.x_val.astype(dtype))
    if cfg.n_train is not None:
        x_tr, y_tr = x_tr[: cfg.n_train], y_tr[: cfg.n_train]
    rng = np.random.default_rng(cfg.seed)
    n_out = 1 if cfg.task == "regression" else 10
    sizes = [x_tr.shape[1], *cfg.hidden, n_out]
    weights, biases = [], []
    for fan_in, fan_out in itertools.pairwise(sizes):
        std = cfg.init_scale if cfg.init_scale is not None else math.sqrt(2.0 / fan_in)
        weights.append(rng.normal(0.0, std, size=(fan_in, fan_out)).astype(dtype))
        biases.append(np.zeros(fan_out, dtype=dtype))
    params = weights + biases
    m1 = [np.zeros_like(p) for p in params]
    m2 = [np.zeros_like(p) for p in params]
    spe = math.ceil(len(y_tr) / cfg.batch_size)
    total = spe * cfg.epochs
    lr_now = cfg.lr
    best_val, bad_epochs = math.inf, 0
    rec: dict[str, list[float]] = {k: [] for k in ("loss", "acc", "lr", "gnorm", "epoch")}
    ep: dict[str, list[float]] = {k: [] for k in ("tl", "ta", "vl", "vm", "end", "lr")}
    t = 0
    with np.errstate(all="ignore"):
        for epoch in range(cfg.epochs):
            order = rng.permutation(len(y_tr))
            losses, accs = [], []
            for b in range(spe):
                idx = order[b * cfg.batch_size : (b + 1) * cfg.batch_size]
                acts = _forward(weights, biases, x_tr[idx], cfg.activation)
                loss, g, acc = _loss_and_grad(acts[-1], y_tr[idx], cfg.task)
                gw: list = [None] * len(weights)
                gb: list = [None] * len(weights)
                for i in range(len(weights) - 1, -1, -1):
                    gw[i] = acts[i].T @ g
                    gb[i] = g.sum(axis=0)
                    if i > 0:
                        g = g @ weights[i].T
                        g = (
                            g * (acts[i] > 0)
                            if cfg.activation == "relu"
                            else g * (1.0 - acts[i] ** 2)
                        )
                grads = gw + gb
                gnorm = math.sqrt(sum(float(np.sum(q * q)) for q in grads))
                if cfg.schedule == "cosine":
                    lr = cfg.lr * 0.5 * (1.0 + math.cos(math.pi * t / total))
                elif cfg.schedule == "linear":
                    lr = cfg.lr * (1.0 - t / total)
                else:
                    lr = lr_now
                if t < cfg.warmup_steps:
                    lr = lr * (t + 1) / cfg.warmup_steps
                t += 1
                for k, (p, gr) in enumerate(zip(params, grads)):
                    decay = cfg.weight_decay if k < len(weights) else 0.0
                    if cfg.optimizer == "sgd":
                        if decay:
                            gr = gr + decay * p
                        if cfg.momentum:
                            m1[k] = cfg.momentum * m1[k] + gr
                            gr = m1[k]
                        p -= lr * gr
                    else:
                        if decay and cfg.optimizer == "adam":
                            gr = gr + decay * p
                        m1[k] = 0.9 * m1[k] + 0.1 * gr
                        m2[k] = 0.999 * m2[k] + 0.001 * gr * gr
                        step = (m1[k] / (1 - 0.9**t)) / (np.sqrt(m2[k] / (1 - 0.999**t)) + 1e-8)
                        if decay and cfg.optimizer == "adamw":
                            step = step + decay * p
                        p -= lr * step
                rec["loss"].append(loss)
                rec["acc"].append(acc)
                rec["lr"].append(lr)
                rec["gnorm"].append(gnorm)
                rec["epoch"].append(epoch)
                losses.append(loss)
                accs.append(acc)
            val_loss, val_metric = _evaluate(weights, biases, split, cfg)
            if cfg.schedule == "plateau":
                # Keras ReduceLROnPlateau(factor=0.5, patience=3, min_delta=1e-4)
                if val_loss < best_val - 1e-4:
                    best_val, bad_epochs = val_loss, 0
                else:
                    bad_epochs += 1
                    if bad_epochs > 3:
                        lr_now, bad_epochs = lr_now * 0.5, 0
            ep["tl"].append(float(np.mean(losses)))
            ep["ta"].append(float(np.mean(accs)))
            ep["vl"].append(val_loss)
            ep["vm"].append(val_metric)
            ep["end"].append(t)
            ep["lr"].append(lr_now)
    return History(
        step_loss=np.array(rec["loss"]),
        step_acc=np.array(rec["acc"]),
        step_lr=np.array(rec["lr"]),
        step_grad_norm=np.array(rec["gnorm"]),
        step_epoch=np.array(rec["epoch"], dtype=np.int64),
        train_loss=np.array(ep["tl"]),
        train_acc=np.array(ep["ta"]),
        val_loss=np.array(ep["vl"]),
        val_metric=np.array(ep["vm"]),
        epoch_end_step=np.array(ep["end"], dtype=np.int64),
        epoch_lr=np.array(ep["lr"]),
        steps_per_epoch=spe,
        n_params=sum(int(p.size) for p in params),
        n_train=len(y_tr),
        n_val=len(split.y_val),
    )


# ---------------------------------------------------------------- value formatting


def f32(value: float) -> float:
    """A value as a framework logs it: computed in float32, written as the Python float of
    that (what `tensor.item()` gives). NaN and inf stay NaN and inf; values beyond float32's
    range become inf, as they would in float32 training."""
    with np.errstate(over="ignore"):
        return float(np.float32(value))


def cell(value: float) -> str:
    """A CSV cell: repr of the float32 value; 'nan' / 'inf' tokens as Python writes them."""
    return repr(f32(value))


def csv_bytes(header: list[str], rows: list[dict[str, str]], newline: str = "\n") -> bytes:
    lines = [",".join(header)]
    lines += [",".join(row.get(h, "") for h in header) for row in rows]
    return (newline.join(lines) + newline).encode("utf-8")


def jsonl_bytes(records: list[dict]) -> bytes:
    # json writes NaN / Infinity for non-finite floats, as Python loggers do
    return "".join(json.dumps(r) + "\n" for r in records).encode("utf-8")


# ---------------------------------------------------------------- plain log layouts


def steps_csv(h: History, *, log_every: int = 1, task: str = "classification") -> bytes:
    """A hand-written PyTorch-style logger: one row per logged step (train loss), validation
    metrics on the row of the last step of each epoch, empty cells where nothing was logged."""
    metric = "val_acc" if task == "classification" else "val_mae"
    header = ["step", "epoch", "train_loss", "val_loss", metric]
    if task == "classification":
        header.insert(3, "train_acc")
    ends = {int(s): i for i, s in enumerate(h.epoch_end_step)}
    rows = []
    for t in range(len(h.step_loss)):
        step = t + 1
        if step % log_every and step not in ends:
            continue
        row = {
            "step": str(step),
            "epoch": str(int(h.step_epoch[t])),
            "train_loss": cell(h.step_loss[t]),
        }
        if step in ends:
            e = ends[step]
            row["val_loss"] = cell(h.val_loss[e])
            row[metric] = cell(h.val_metric[e])
            if task == "classification":
                row["train_acc"] = cell(h.train_acc[e])
        rows.append(row)
    return csv_bytes(header, rows)


def epochs_csv(h: History) -> bytes:
    """One row per epoch (1-based), as a Keras-less regression script writes it."""
    header = ["epoch", "train_loss", "val_loss", "val_mae"]
    rows = [
        {
            "epoch": str(e + 1),
            "train_loss": cell(h.train_loss[e]),
            "val_loss": cell(h.val_loss[e]),
            "val_mae": cell(h.val_metric[e]),
        }
        for e in range(len(h.train_loss))
    ]
    return csv_bytes(header, rows)


def steps_jsonl(h: History, *, log_every: int = 1, wall_time: bool = False) -> bytes:
    """One JSON object per logged step ({step, epoch, train_loss, lr}) and one per validation
    ({step, epoch, val_loss, val_acc}), in the order they were written."""
    ends = {int(s): i for i, s in enumerate(h.epoch_end_step)}
    records: list[dict] = []
    for t in range(len(h.step_loss)):
        step = t + 1
        if step % log_every == 0 or step in ends:
            rec: dict = {"step": step, "epoch": int(h.step_epoch[t])}
            if wall_time:
                rec["wall_time"] = wall_time_at(step, evals_done=int(h.step_epoch[t]))
            rec["train_loss"] = f32(h.step_loss[t])
            rec["lr"] = float(h.step_lr[t])
            records.append(rec)
        if step in ends:
            e = ends[step]
            rec = {"step": step, "epoch": e}
            if wall_time:
                rec["wall_time"] = wall_time_at(step, evals_done=e + 1)
            rec["val_loss"] = f32(h.val_loss[e])
            rec["val_acc"] = f32(h.val_metric[e])
            records.append(rec)
    return jsonl_bytes(records)


def labels_csv(labels: np.ndarray) -> bytes:
    return csv_bytes(["label"], [{"label": str(int(v))} for v in labels])


# ---------------------------------------------------------------- manifests

_PLAIN = set("abcdefghijklmnopqrstuvwxyz0123456789-_./")


def _flow(value) -> str:
    """A value in YAML flow style: plain words unquoted, anything else JSON-quoted (JSON is
    YAML)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        plain = (
            value
            and set(value) <= _PLAIN
            and value[0].isalpha()
            and value
            not in (
                "true",
                "false",
                "null",
                "yes",
                "no",
                "on",
                "off",
            )
        )
        return value if plain else json.dumps(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {value!r} into a manifest")


def manifest_text(fields: dict) -> bytes:
    """A manifest with keys in the documented order and notes as a literal block."""
    lines = []
    for key, value in fields.items():
        if value is None:
            continue
        if key == "notes":
            lines.append("notes: |")
            for para in value.strip().split("\n\n"):
                if lines[-1] != "notes: |":
                    lines.append("")
                lines += ["  " + ln for ln in textwrap.wrap(" ".join(para.split()), 94)]
        elif key == "logs":
            lines.append("logs:")
            for entry in value:
                lines.append(f"  - path: {_flow(entry[0])}")
                lines.append(f"    format: {entry[1]}")
        elif key in ("metrics", "class_balance") and value:
            lines.append(f"{key}:")
            lines += [f"  {k}: {_flow(v)}" for k, v in value.items()]
        else:
            lines.append(f"{key}: {_flow(value)}")
    return ("\n".join(lines) + "\n").encode("utf-8")


@dataclass(frozen=True)
class Example:
    """One example run: how to train it and how its logs are written."""

    name: str
    title: str
    shows: str  # what the run demonstrates (README and notes)
    notes: str | Callable[[History], str]  # a function when the text quotes measured numbers
    cfg: Config
    data: str  # digits | diabetes | digits-imbalanced
    # History -> {path relative to the run folder: bytes}; the first path is the manifest's log
    write: Callable[[History, Config], dict[str, bytes]]
    folder: str = ""  # parent folder under runs/ ("" or "formats")
    group: str | None = None
    tags: tuple[str, ...] = ()
    x: str = "step"
    metrics: dict[str, str] = field(default_factory=dict)
    log_format: str = "auto"
    extra: dict = field(default_factory=dict)
    format_label: str = ""  # how the README names the log format; default: the log's file name

    @property
    def directory(self) -> str:
        return f"{self.folder}/{self.name}" if self.folder else self.name


def manifest_for(ex: Example, history: History, logs: list[str]) -> bytes:
    cfg = ex.cfg
    notes = ex.notes(history) if callable(ex.notes) else ex.notes
    return manifest_text(
        {
            "name": ex.name,
            "title": ex.title,
            "group": ex.group,
            "tags": list(ex.tags) or None,
            "notes": notes + "\n\nGenerated by `runs/generate.py` (numpy training, fixed seeds).",
            "task": cfg.task,
            "loss": "mse" if cfg.task == "regression" else "cross_entropy",
            "num_classes": 10 if cfg.task == "classification" else None,
            "logs": [(p, ex.log_format) for p in logs],
            "metrics": ex.metrics or None,
            "x": ex.x,
            "hparams": cfg.hparams(),
            "source": "real",
            **ex.extra,
        }
    )


# ---------------------------------------------------------------- the example runs

_SEED_NOTES = """\
One of five seeds of the same configuration (group `digits-mlp`): an MLP with one hidden
layer of 64 ReLU units, Adam at a constant learning rate, batch 64, 25 epochs. Only the seed
(weight init and batch order) differs between the five runs, so their spread is seed noise.
Train loss per step; validation loss/accuracy once per epoch on the row of its last step."""


def _first(mask: np.ndarray) -> int:
    """1-based step of the first True in a per-step mask."""
    return int(np.argmax(mask)) + 1


def _diverge_notes(h: History) -> str:
    best = int(np.nanargmin(h.step_loss))
    return (
        "Divergence: plain SGD on a linear model, in float32 like a GPU run, with a linear "
        "warmup to lr 0.5 over 200 steps. The largest stable learning rate is about 0.25 (2 / "
        "the largest eigenvalue of the loss curvature), so the loss falls while the warmup is "
        f"low (best {h.step_loss[best]:.3f} at step {best + 1}), then every step overshoots by more "
        "than it corrects: the error grows geometrically, the squared loss overflows to `inf` "
        f"at step {_first(np.isinf(h.step_loss))} and turns to `nan` (inf - inf) at step "
        f"{_first(np.isnan(h.step_loss))}. Training carried on, as a script without a NaN check "
        "does, so the log keeps the `inf` and `nan` tokens."
    )


def _overfit_notes(h: History) -> str:
    best = int(np.argmin(h.val_loss))
    return (
        "Overfitting on purpose: a 256-256 ReLU MLP (83k weights) trained on only 80 training "
        "images with Adam, no weight decay, no augmentation and no early stopping, for 200 "
        f"epochs. Train loss goes to {h.step_loss[-1]:.0e} while validation loss bottoms out at "
        f"{h.val_loss[best]:.3f} after epoch {best + 1} (step {h.epoch_end_step[best]}) and then "
        f"climbs steadily to {h.val_loss[-1]:.3f}. Validation accuracy barely moves "
        f"({h.val_metric[best]:.3f} -> {h.val_metric[-1]:.3f}): the network grows over-confident "
        "on the images it gets wrong."
    )


def _plateau_notes(h: History) -> str:
    escape = _first(h.step_loss < 0.9 * math.log(10))
    return (
        "A plateau: three tanh layers of 32 units initialised with std 0.03 start so close to "
        "the saddle point at zero that the gradient is tiny. The loss sits at ln 10 = 2.303 "
        f"until about step {escape} ({escape / h.steps_per_epoch:.1f} epochs) before the symmetry "
        "breaks and it drops. SGD at lr 0.1, batch 32; train loss every 4th step."
    )


def _csv(log_every: int = 1) -> Callable[[History, Config], dict[str, bytes]]:
    return lambda h, c: {"metrics.csv": steps_csv(h, log_every=log_every, task=c.task)}


def _jsonl(
    log_every: int = 1, wall_time: bool = False
) -> Callable[[History, Config], dict[str, bytes]]:
    return lambda h, c: {"metrics.jsonl": steps_jsonl(h, log_every=log_every, wall_time=wall_time)}


def phase1_examples() -> list[Example]:
    seeds = [
        Example(
            name=f"digits-mlp-seed-{s}",
            title=f"MLP on digits, seed {s}",
            shows="seed group (5 runs of one config)",
            notes=_SEED_NOTES,
            cfg=Config(hidden=(64,), lr=2e-3, epochs=25, batch_size=64, seed=s),
            data="digits",
            write=_csv(),
            group="digits-mlp",
            tags=("baseline", "adam", "seeds"),
        )
        for s in range(5)
    ]
    sweep = [
        Example(
            name=f"digits-sgd-lr-{label}",
            title=f"SGD learning-rate sweep: lr = {lr:g}",
            shows=f"learning-rate sweep, lr = {lr:g}"
            + (" (too high: unstable)" if lr >= 1 else " (too low: slow)" if lr < 0.005 else ""),
            notes=(
                "Learning-rate sweep (tag `lr-sweep`): the same MLP (64 ReLU units) trained with "
                f"SGD + momentum 0.9 at lr = {lr:g}; everything else is fixed. lr 1e-3 is too slow, "
                "1e-2 and 1e-1 train well, and at lr 1 training is unstable: the loss jumps around "
                "and validation accuracy swings between 45 % and 77 %. JSON Lines: one object per logged step, "
                "one per validation."
            ),
            cfg=Config(
                hidden=(64,), optimizer="sgd", momentum=0.9, lr=lr, epochs=25, batch_size=64
            ),
            data="digits",
            write=_jsonl(log_every=5),
            tags=("lr-sweep", "sgd"),
        )
        for lr, label in ((1e-3, "1e-3"), (1e-2, "1e-2"), (1e-1, "1e-1"), (1.0, "1e0"))
    ]
    return [
        Example(
            name="digits-mlp-clean",
            title="MLP on digits: AdamW with a cosine schedule",
            shows="clean run (train and val fall together, no flags expected)",
            notes=(
                "A well-behaved run: MLP with 128 ReLU units, AdamW (weight decay 0.01), cosine "
                "learning-rate decay to zero, batch 64, 30 epochs. Train and validation loss fall "
                "together and level off; validation accuracy ends near 98 %.\n\n"
                "JSON Lines with a `wall_time` field (a fixed start time plus 12.5 ms per step and "
                "0.35 s per validation) and "
                "the learning rate of every logged step."
            ),
            cfg=Config(
                hidden=(128,),
                optimizer="adamw",
                lr=3e-3,
                weight_decay=1e-2,
                schedule="cosine",
                epochs=30,
                batch_size=64,
            ),
            data="digits",
            write=_jsonl(log_every=2, wall_time=True),
            tags=("clean", "adamw", "cosine"),
        ),
        *seeds,
        Example(
            name="digits-mlp-overfit",
            title="Big MLP on 80 digits: overfitting",
            shows="overfitting (val loss bottoms out, then rises while train loss goes to ~0)",
            notes=_overfit_notes,
            cfg=Config(hidden=(256, 256), lr=3e-3, epochs=200, batch_size=16, n_train=80),
            data="digits",
            write=_csv(),
            tags=("overfitting", "adam"),
        ),
        Example(
            name="diabetes-linear-diverge",
            title="Linear regression on diabetes: learning rate too high",
            shows="divergence (loss explodes to inf, then NaN)",
            notes=_diverge_notes,
            cfg=Config(
                hidden=(),
                optimizer="sgd",
                lr=0.5,
                warmup_steps=200,
                epochs=30,
                batch_size=32,
                task="regression",
                dtype="float32",
            ),
            data="diabetes",
            write=_csv(),
            tags=("divergence", "sgd", "regression"),
        ),
        Example(
            name="digits-mlp-underfit",
            title="Tiny MLP, tiny learning rate: underfitting",
            shows="underfitting (loss stays near ln 10 = 2.303, chance level)",
            notes=(
                "Underfitting: a bottleneck of 4 hidden units, weights initialised at std 0.01 and "
                "SGD at lr 1e-4. In 500 steps the loss barely leaves the chance level "
                "ln 10 = 2.303 and accuracy stays near 10 %."
            ),
            cfg=Config(
                hidden=(4,), optimizer="sgd", lr=1e-4, init_scale=0.01, epochs=25, batch_size=64
            ),
            data="digits",
            write=_csv(),
            tags=("underfitting", "sgd"),
        ),
        *sweep,
        Example(
            name="digits-tanh-plateau",
            title="Deep tanh MLP from a small init: plateau, then escape",
            shows="plateau (loss flat at ln 10 for hundreds of steps, then drops)",
            notes=_plateau_notes,
            cfg=Config(
                hidden=(32, 32, 32),
                activation="tanh",
                init_scale=0.03,
                optimizer="sgd",
                lr=0.1,
                epochs=40,
                batch_size=32,
            ),
            data="digits",
            write=_csv(log_every=4),
            tags=("plateau", "sgd"),
        ),
        Example(
            name="diabetes-mlp-mse",
            title="MLP regression on diabetes (MSE)",
            shows="regression with MSE, logged per epoch (x = epoch)",
            notes=(
                "Regression: disease progression one year after baseline from 10 features of 442 "
                "patients. MLP with 32 ReLU units, Adam, batch 32, 100 epochs. Target standardised "
                "on the training set, so MSE 1.0 is the predict-the-mean baseline. One CSV row per "
                "epoch: train MSE, validation MSE and MAE (in standard deviations)."
            ),
            cfg=Config(hidden=(32,), lr=3e-3, epochs=100, batch_size=32, task="regression"),
            data="diabetes",
            write=lambda h, c: {"metrics.csv": epochs_csv(h)},
            tags=("regression", "adam"),
            x="epoch",
        ),
        Example(
            name="digits-mlp-imbalanced",
            title="MLP on a long-tailed digits split",
            shows="class imbalance (long-tailed train split, balanced val)",
            notes=(
                "Class imbalance: the training split keeps 120 x 0.65^k images of digit k (120 "
                "zeros down to 2 nines), the validation split stays balanced. The labels of both "
                "splits are in `runs/data/digits-imbalanced/`. Rare digits are learned last and "
                "validation accuracy stays well below the balanced runs'."
            ),
            cfg=Config(hidden=(64,), lr=2e-3, epochs=30, batch_size=32),
            data="digits-imbalanced",
            write=_csv(),
            tags=("imbalanced", "adam"),
        ),
    ]


def all_examples() -> list[Example]:
    return phase1_examples()


# ---------------------------------------------------------------- building the folder


SITE_CONFIG = b"title: reportgen examples\n"

README_HEAD = """\
# Example runs

Example training runs for `reportgen build runs/`. Every file in this folder except
`generate.py` is written by `generate.py`; do not edit them by hand, change the script and run

    pip install scikit-learn   # only to load its bundled datasets, nothing is downloaded
    python runs/generate.py    # rewrites the files here; --out DIR writes elsewhere

`tests/test_examples.py` regenerates everything into a temporary folder and checks the result is
byte-identical to what is committed.

## How the logs were produced

All logs are **real** (`source: real` in every manifest): small fully connected networks written
in numpy (forward pass, backprop, SGD/Adam/AdamW by hand) trained with minibatches on
scikit-learn's bundled datasets, `load_digits` (1797 8x8 images, 10 classes; fixed split 1257
train / 540 val) and `load_diabetes` (442 patients, 10 features, regression; fixed split 309 /
133, standardised). Seeds fix weight init and batch order. Losses are computed in float64 and
logged as float32 values, as a PyTorch `loss.item()` would be (the diverging run trains in
float32 throughout, so it overflows as a GPU run does). Wall times, where a log has them, are a
fixed start (2023-11-14 22:13:20 UTC) plus a fixed time per step, never the clock.

Byte-identical regeneration holds for a given numpy/BLAS build: a different BLAS kernel can
change the last bits of a matrix product, and a training run amplifies them.

Each run folder holds `run.yaml` (the manifest) and its log. Numbers quoted in the notes (best
step, where the loss overflowed, ...) are measured from the run by the script.

| run | source | shows | log format | data | training |
|---|---|---|---|---|---|
"""

README_TAIL = """
## Dataset class balance

`data/digits-imbalanced/train_labels.csv` and `val_labels.csv` hold the label of every image in
the two splits of `digits-mlp-imbalanced` (one `label` column, one row per image): the training
split keeps `int(120 * 0.65**k)` images of digit k (at least 2), the validation split is the
balanced one every other digits run uses.
"""


def _training_summary(cfg: Config) -> str:
    arch = (
        "linear"
        if not cfg.hidden
        else "MLP " + "-".join(str(n) for n in cfg.hidden) + f" {cfg.activation}"
    )
    opt = cfg.optimizer + (f"+momentum {cfg.momentum:g}" if cfg.momentum else "")
    extra = f", {cfg.schedule}" if cfg.schedule != "constant" else ""
    extra += f", warmup {cfg.warmup_steps}" if cfg.warmup_steps else ""
    subset = f", first {cfg.n_train} train images" if cfg.n_train else ""
    return f"{arch}, {opt} lr {cfg.lr:g}{extra}, batch {cfg.batch_size}, {cfg.epochs} epochs{subset}, seed {cfg.seed}"


def readme_text(examples: list[Example], logs: dict[str, str]) -> bytes:
    rows = []
    for ex in examples:
        fmt = logs[ex.name]
        rows.append(
            f"| `{ex.directory}` | real | {ex.shows} | {fmt} | {ex.data} | {_training_summary(ex.cfg)} |"
        )
    return (README_HEAD + "\n".join(rows) + "\n" + README_TAIL).encode("utf-8")


def build_files() -> dict[str, bytes]:
    """Every generated file, by path relative to runs/ (sorted), built in memory."""
    digits = load_digits_split()
    datasets = {
        "digits": digits,
        "diabetes": load_diabetes_split(),
        "digits-imbalanced": imbalanced(digits),
    }
    files: dict[str, bytes] = {"reportgen.yaml": SITE_CONFIG}
    skewed = datasets["digits-imbalanced"]
    files["data/digits-imbalanced/train_labels.csv"] = labels_csv(skewed.y_train)
    files["data/digits-imbalanced/val_labels.csv"] = labels_csv(skewed.y_val)
    examples = all_examples()
    described: dict[str, str] = {}
    for ex in examples:
        history = train(ex.cfg, datasets[ex.data])
        logs = ex.write(history, ex.cfg)
        for rel, data in logs.items():
            files[f"{ex.directory}/{rel}"] = data
        main_log = next(iter(logs))
        files[f"{ex.directory}/run.yaml"] = manifest_for(ex, history, [main_log])
        described[ex.name] = ex.format_label or f"`{main_log}`"
    files["README.md"] = readme_text(examples, described)
    return dict(sorted(files.items()))


def write_files(files: dict[str, bytes], out: Path) -> None:
    for rel, data in files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=HERE, help="folder to write into (default: runs/)"
    )
    args = parser.parse_args(argv)
    files = build_files()
    write_files(files, args.out)
    total = sum(len(b) for b in files.values())
    print(f"wrote {len(files)} files, {total / 1024:.0f} KiB, under {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
