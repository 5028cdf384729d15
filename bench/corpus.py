"""Synthetic corpora for the benchmarks: deterministic (seeded), written once and reused when the
stamp file says the same parameters made them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

STAMP = ".bench-corpus.json"


def _fresh(folder: Path, params: dict) -> bool:
    """True when `folder` already holds a corpus made with `params`."""
    stamp = folder / STAMP
    try:
        return json.loads(stamp.read_text(encoding="utf-8")) == params
    except (OSError, ValueError):
        return False


def _reset(folder: Path) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "logs").mkdir(parents=True)


def _curves(rng: np.random.Generator, steps: int) -> tuple[np.ndarray, np.ndarray]:
    s = np.arange(steps, dtype=np.float64)
    rate = rng.uniform(2.0, 8.0) / steps
    floor = rng.uniform(0.05, 0.4)
    train = floor + 2.0 * np.exp(-rate * s) + rng.normal(0.0, 0.03, steps)
    val = floor + 0.05 + 2.0 * np.exp(-rate * s) + 0.1 * np.maximum(0.0, s / steps - 0.7)
    return train, val


def _csv_text(steps: int, train: np.ndarray, val: np.ndarray, val_every: int) -> str:
    lines = ["step,train_loss,val_loss"]
    t = [f"{v:.6g}" for v in train.tolist()]
    for i in range(steps):
        if i % val_every == val_every - 1:
            lines.append(f"{i},{t[i]},{val[i]:.6g}")
        else:
            lines.append(f"{i},{t[i]},")
    return "\n".join(lines) + "\n"


def _manifest(name: str, log: str, group: str, lr: float) -> str:
    return (
        f"name: {name}\n"
        f"group: {group}\n"
        "task: classification\nloss: cross_entropy\nnum_classes: 10\n"
        f"logs: logs/{log}\n"
        f"hparams:\n  lr: {lr}\n"
        f"notes: Sweep point {name}.\n"
    )


def csv_sweep(folder: Path, runs: int, steps: int, val_every: int = 100) -> Path:
    """`runs` CSV runs of `steps` steps: train loss every step, validation every `val_every`."""
    params = {"kind": "csv_sweep", "runs": runs, "steps": steps, "val_every": val_every, "v": 1}
    if _fresh(folder, params):
        return folder
    _reset(folder)
    rng = np.random.default_rng(7)
    for i in range(runs):
        name = f"sweep-{i:04d}"
        train, val = _curves(rng, steps)
        (folder / "logs" / f"{name}.csv").write_text(_csv_text(steps, train, val, val_every), encoding="utf-8")
        lr = float(10 ** rng.uniform(-5, -2))
        (folder / f"{name}.yaml").write_text(_manifest(name, f"{name}.csv", f"g{i % 20:02d}", lr), encoding="utf-8")
    (folder / STAMP).write_text(json.dumps(params), encoding="utf-8")
    return folder


def long_run(folder: Path, steps: int, val_every: int = 1000) -> Path:
    """One run of `steps` steps (CSV), written in chunks so making it needs little memory."""
    params = {"kind": "long_run", "steps": steps, "val_every": val_every, "v": 1}
    if _fresh(folder, params):
        return folder
    _reset(folder)
    rng = np.random.default_rng(11)
    chunk = 1_000_000
    rate = 5.0 / steps
    with open(folder / "logs" / "long.csv", "w", encoding="utf-8") as fh:
        fh.write("step,train_loss,val_loss\n")
        for start in range(0, steps, chunk):
            s = np.arange(start, min(steps, start + chunk))
            train = 0.2 + 2.0 * np.exp(-rate * s) + rng.normal(0.0, 0.03, s.shape[0])
            val = 0.25 + 2.0 * np.exp(-rate * s)
            is_val = s % val_every == val_every - 1
            t = [f"{v:.6g}" for v in train.tolist()]
            vv = [f"{v:.6g}" for v in val.tolist()]
            st = s.tolist()
            fh.write("\n".join(f"{st[k]},{t[k]},{vv[k] if is_val[k] else ''}" for k in range(s.shape[0])))
            fh.write("\n")
    (folder / "long.yaml").write_text(_manifest("long", "long.csv", "long", 3e-4), encoding="utf-8")
    (folder / STAMP).write_text(json.dumps(params), encoding="utf-8")
    return folder


def tensorboard_runs(folder: Path, runs: int, steps: int, val_every: int = 100) -> Path:
    """`runs` TensorBoard runs written by tensorboardX (one event-file folder per run)."""
    params = {"kind": "tensorboard", "runs": runs, "steps": steps, "val_every": val_every, "v": 1}
    if _fresh(folder, params):
        return folder
    from tensorboardX import SummaryWriter

    _reset(folder)
    rng = np.random.default_rng(13)
    for i in range(runs):
        name = f"tb-{i:03d}"
        train, val = _curves(rng, steps)
        logdir = folder / "logs" / name
        with SummaryWriter(logdir=str(logdir), flush_secs=3600, max_queue=100_000) as writer:
            for step in range(steps):
                writer.add_scalar("train/loss", float(train[step]), step, walltime=1.0e9 + step)
                if step % val_every == val_every - 1:
                    writer.add_scalar("val/loss", float(val[step]), step, walltime=1.0e9 + step)
        manifest = (
            f"name: {name}\nlogs:\n  - path: logs/{name}\n    format: tensorboard\n"
            "metrics:\n  train_loss: train/loss\n  val_loss: val/loss\n"
        )
        (folder / f"{name}.yaml").write_text(manifest, encoding="utf-8")
    (folder / STAMP).write_text(json.dumps(params), encoding="utf-8")
    return folder
