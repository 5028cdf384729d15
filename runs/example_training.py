"""Data and training for the example runs: small fully connected networks in numpy (forward
pass, backprop and SGD/Adam/AdamW by hand) on scikit-learn's bundled digits and diabetes data.

Plain numpy: another CPU or BLAS may round differently in the last bits, which training can
amplify, so a regenerated log is not byte-identical to the committed one; tests check the
committed logs for what each example must show (see README.md)."""

from __future__ import annotations

import itertools
import math
import sys
from dataclasses import dataclass, replace

import numpy as np

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
    mx = x[tr].mean(axis=0)
    sx = x[tr].std(axis=0)
    my = float(y[tr].mean())
    sy = float(y[tr].std())
    return Split((x[tr] - mx) / sx, (y[tr] - my) / sy, (x[va] - mx) / sx, (y[va] - my) / sy)


def imbalanced(split: Split, keep: float = 0.65, top: int = 120, missing: int = 9) -> Split:
    """A long-tailed training set: the first `top * keep**k` training images of class k (at
    least 2), except class `missing`, which the training set never sees. The validation set
    stays balanced, so train and val class distributions differ."""
    chosen = []
    share = 1.0  # keep**k by repeated products (pow() comes from the C library)
    for k in range(10):
        idx = np.nonzero(split.y_train == k)[0]
        chosen.append(idx[: 0 if k == missing else max(2, int(top * share))])
        share *= keep
    sel = np.sort(np.concatenate(chosen))
    return Split(split.x_train[sel], split.y_train[sel], split.x_val, split.y_val)


# ---------------------------------------------------------------- training


@dataclass(frozen=True)
class Config:
    """One training run of a fully connected network."""

    hidden: tuple[int, ...] = (64,)
    activation: str = "relu"  # relu | tanh
    init_scale: float | None = None  # std of the (uniform) initial weights; None = Kaiming
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
    grad_norm: bool = False  # measure the global gradient norm every step (costs time)
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
    acc = int(np.count_nonzero(out.argmax(axis=1) == y)) / n
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
        # uniform init as PyTorch's nn.Linear does (its draw needs no exp/log, unlike normal)
        if cfg.init_scale is None:
            bound = math.sqrt(6.0 / fan_in)  # Kaiming-uniform for ReLU
        else:
            bound = cfg.init_scale * math.sqrt(3.0)  # that standard deviation
        weights.append(rng.uniform(-bound, bound, size=(fan_in, fan_out)).astype(dtype))
        biases.append(np.zeros(fan_out, dtype=dtype))
    params = weights + biases
    m1 = [np.zeros_like(p) for p in params]
    m2 = [np.zeros_like(p) for p in params]
    spe = math.ceil(len(y_tr) / cfg.batch_size)
    total = spe * cfg.epochs
    lr_now = cfg.lr
    best_val, bad_epochs = math.inf, 0
    rec: dict[str, list[float]] = {k: [] for k in ("loss", "acc", "lr", "gnorm", "epoch")}
    ep: dict[str, list[float]] = {k: [] for k in ("tl", "ta", "vl", "vm", "end")}
    t = 0
    bias1 = bias2 = 1.0
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
                gnorm = (
                    math.sqrt(sum(float(np.sum(q * q)) for q in grads))
                    if cfg.grad_norm
                    else math.nan
                )
                if cfg.schedule == "cosine":
                    lr = cfg.lr * 0.5 * (1.0 + math.cos(math.pi * t / total))
                elif cfg.schedule == "linear":
                    lr = cfg.lr * (1.0 - t / total)
                else:
                    lr = lr_now
                if t < cfg.warmup_steps:
                    lr = lr * (t + 1) / cfg.warmup_steps
                t += 1
                bias1, bias2 = bias1 * 0.9, bias2 * 0.999  # 0.9**t and 0.999**t, no pow()
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
                        step = (m1[k] / (1.0 - bias1)) / (np.sqrt(m2[k] / (1.0 - bias2)) + 1e-8)
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
                # Keras ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=3)
                if val_loss < best_val - 1e-4:
                    best_val, bad_epochs = val_loss, 0
                else:
                    bad_epochs += 1
                    if bad_epochs >= 3:
                        lr_now, bad_epochs = lr_now * 0.5, 0
            ep["tl"].append(float(np.mean(losses)))
            ep["ta"].append(float(np.mean(accs)))
            ep["vl"].append(val_loss)
            ep["vm"].append(val_metric)
            ep["end"].append(t)
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
        steps_per_epoch=spe,
        n_params=sum(int(p.size) for p in params),
        n_train=len(y_tr),
        n_val=len(split.y_val),
    )
