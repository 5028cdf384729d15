#!/usr/bin/env python3
"""How the example runs in this folder were made: manifests, training logs and label files.

Every log comes from real training: small numpy networks trained with minibatch SGD/Adam on
scikit-learn's bundled `load_digits` (8x8 digits) and `load_diabetes` datasets (no download).
Seeds, splits and wall times are fixed; the last bits of a result still depend on the CPU and
BLAS, so the committed logs are kept and checked for their properties, not regenerated
(README.md says why).

    python runs/generate.py --out DIR    # write every example under DIR

Needs numpy, scikit-learn (`pip install scikit-learn`, used only to load the data), and for the
framework formats in runs/formats/ pyyaml and tensorboardX.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

# numpy, then this folder's modules (on sys.path when the script runs)
import numpy as np
from example_checkpoints import checkpoint_examples
from example_frameworks import (
    MLFLOW_EXPERIMENT,
    hf_trainer_state,
    keras_csvlogger,
    keras_history_json,
    lightning_csvlogger,
    mlflow_run,
    mlflow_run_id,
    tensorboardx_events,
)
from example_logs import epochs_csv, labels_csv, resumed_csv, steps_csv, steps_jsonl
from example_sweep import sweep_examples, sweep_log
from example_training import (
    Config,
    History,
    imbalanced,
    load_diabetes_split,
    load_digits_split,
    train,
)

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
            and (value[0].isalpha() or value.startswith("../"))
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
        elif key in ("metrics", "class_balance") and isinstance(value, dict) and value:
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
    shows: str  # what the run demonstrates (the "shows" column of README.md)
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
    log: str = ""  # the path the manifest points at (a file or folder); default: the first file

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


def _sweep_notes(lr: float) -> Callable[[History], str]:
    def notes(h: History) -> str:
        text = (
            "Learning-rate sweep (tag `lr-sweep`): the same MLP (64 ReLU units) trained with SGD + "
            f"momentum 0.9 at lr = {lr:g}; everything else is fixed across the sweep (1e-3, 1e-2, "
            f"1e-1, 1). This run ends at validation loss {h.val_loss[-1]:.3f}, accuracy "
            f"{h.val_metric[-1]:.1%}."
        )
        if lr >= 1:
            text += (
                " At this rate training is unstable: the loss jumps around and validation "
                f"accuracy swings between {h.val_metric.min():.0%} and {h.val_metric.max():.0%}."
            )
        elif lr < 0.005:
            text += " At this rate training is slow: the loss is still falling at the end."
        return text + "\n\nJSON Lines: one object per logged step, one per validation."

    return notes


def _overfit_notes(h: History) -> str:
    best = int(np.argmin(h.val_loss))
    return (
        f"Overfitting on purpose: a 128-128 ReLU MLP ({h.n_params:,} parameters) trained on only "
        f"{h.n_train} training images with Adam, no weight decay, no augmentation and no early "
        f"stopping, for {len(h.val_loss)} epochs. Train loss goes to {h.step_loss[-1]:.0e} while validation loss bottoms out at "
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


# Not "metrics.csv": that name with a step column is Lightning's CSVLogger file, and these are
# plain logs of a hand-written loop.
def _csv(log_every: int = 1) -> Callable[[History, Config], dict[str, bytes]]:
    return lambda h, c: {"training_log.csv": steps_csv(h, log_every=log_every, task=c.task)}


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
    resumed = Example(
        name="digits-mlp-resumed",
        title="MLP on digits, resumed from a checkpoint",
        shows="a resumed run (crashed after step 350, restarted from the step-300 checkpoint)",
        notes=(
            "The job crashed after step 350 and was restarted from its step-300 checkpoint; the "
            "CSV logger appended to the same file, so steps 301-350 appear twice. The rows after "
            "the restart are what the deterministic training loop writes from that checkpoint. "
            "reportgen keeps the last-written values, as TensorBoard does, and notes the restart."
        ),
        cfg=Config(hidden=(64,), lr=2e-3, epochs=25, batch_size=64, seed=7),
        data="digits",
        write=lambda h, c: {
            "training_log.csv": resumed_csv(steps_csv(h, task=c.task), crashed_after=350, resumed_from=300)
        },
        tags=("resumed", "adam"),
    )
    sweep = [
        Example(
            name=f"digits-sgd-lr-{label}",
            title=f"SGD learning-rate sweep: lr = {lr:g}",
            shows=f"learning-rate sweep, lr = {lr:g}"
            + (" (too high: unstable)" if lr >= 1 else " (too low: slow)" if lr < 0.005 else ""),
            notes=_sweep_notes(lr),
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
        resumed,
        Example(
            name="digits-mlp-clean",
            title="MLP on digits: AdamW with a cosine schedule",
            shows="clean run (train and val fall together, no flags expected)",
            notes=lambda h: (
                "A well-behaved run: MLP with 128 ReLU units, AdamW (weight decay 0.01), cosine "
                "learning-rate decay to zero, batch 64, 30 epochs. Train and validation loss fall "
                "together and level off; validation accuracy ends at "
                f"{h.val_metric[-1]:.1%}.\n\n"
                "JSON Lines with a `wall_time` field (a fixed start time plus 12.5 ms per step and "
                "0.35 s per validation) and the learning rate of every logged step."
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
            title="Big MLP on 50 digits: overfitting",
            shows="overfitting (val loss bottoms out, then rises while train loss goes to ~0)",
            notes=_overfit_notes,
            cfg=Config(hidden=(128, 128), lr=3e-3, epochs=150, batch_size=10, n_train=50),
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
            write=lambda h, c: {"training_log.csv": epochs_csv(h)},
            tags=("regression", "adam"),
            x="epoch",
        ),
        Example(
            name="digits-mlp-imbalanced",
            title="MLP on a long-tailed digits split",
            shows="class imbalance (long-tailed train split, balanced val)",
            notes=(
                "Class imbalance: the training split keeps 120 x 0.65^k images of digit k (120 "
                "zeros down to 2 eights, and no nine: the model never sees that class), the validation "
                "split stays balanced. The labels of both "
                "splits are in `runs/data/digits-imbalanced/`. Rare digits are learned last and "
                "validation accuracy stays well below the balanced runs'."
            ),
            cfg=Config(hidden=(64,), lr=2e-3, epochs=30, batch_size=32),
            data="digits-imbalanced",
            write=_csv(),
            tags=("imbalanced", "adam"),
            # the dataset is described once in data/digits-imbalanced/dataset.yaml (kind: dataset)
            extra={"class_balance": "digits-imbalanced"},
        ),
    ]


_FORMAT_NOTES = (
    "Written file for file the way {framework} writes it, from the same numpy training loop as "
    "the other runs (real training, only the file layout is the framework's). {detail}"
)


def format_examples() -> list[Example]:
    """One run per framework log format, in runs/formats/ (merged once the readers land)."""
    mlp = "MLP on digits"
    return [
        Example(
            name="digits-lightning-csvlogger",
            title=f"{mlp}: PyTorch Lightning CSVLogger",
            shows="Lightning CSVLogger layout (sparse rows, lr-monitor rows without epoch)",
            notes=_FORMAT_NOTES.format(
                framework="PyTorch Lightning's CSVLogger",
                detail=(
                    "`lightning_logs/version_0/metrics.csv` has one row per log call: "
                    "`train_loss_step` every 10 steps, a `lr-Adam` row from LearningRateMonitor "
                    "(empty epoch cell) before it, and at each epoch end a `val_loss`/`val_acc` "
                    "row and a `train_loss_epoch`/`train_acc` row; CRLF line ends as csv.DictWriter "
                    "writes them. `hparams.yaml` sits beside it. Adam with cosine decay, 15 epochs."
                ),
            ),
            cfg=Config(hidden=(128,), lr=1e-3, schedule="cosine", epochs=15, batch_size=32),
            data="digits",
            write=lambda h, c: lightning_csvlogger(h, c, log_every_n_steps=10),
            folder="formats",
            tags=("formats", "lightning"),
        ),
        Example(
            name="digits-hf-trainer",
            title=f"{mlp}: Hugging Face Trainer state",
            shows="Hugging Face trainer_state.json (log_history, best_metric)",
            notes=_FORMAT_NOTES.format(
                framework="the Hugging Face Trainer",
                detail=(
                    "`trainer_state.json` as `Trainer.save_state()` leaves it: `log_history` with "
                    "a train record every 10 steps (mean loss since the last record, grad_norm, "
                    "learning_rate, fractional epoch), an eval record per epoch, the final "
                    "summary record, and `best_metric`/`best_model_checkpoint` for the lowest "
                    "eval_loss. AdamW with linear decay, 400 training images, 25 epochs."
                ),
            ),
            cfg=Config(
                hidden=(256,),
                optimizer="adamw",
                lr=3e-3,
                schedule="linear",
                epochs=25,
                batch_size=32,
                n_train=400,
            ),
            data="digits",
            write=lambda h, c: hf_trainer_state(h, c, logging_steps=10),
            folder="formats",
            tags=("formats", "hf-trainer"),
        ),
        Example(
            name="digits-keras-history",
            title=f"{mlp}: Keras History JSON",
            shows="Keras `History.history` dumped as JSON (per epoch, no step)",
            notes=_FORMAT_NOTES.format(
                framework="a Keras script that saves `json.dump(history.history, f)`",
                detail=(
                    "One list per metric (`accuracy`, `loss`, `val_accuracy`, `val_loss`), one "
                    "value per epoch, no step or epoch column. Adam, 30 epochs."
                ),
            ),
            cfg=Config(hidden=(64,), lr=1e-3, epochs=30, batch_size=32),
            data="digits",
            write=keras_history_json,
            folder="formats",
            tags=("formats", "keras"),
            x="epoch",
        ),
        Example(
            name="digits-keras-csvlogger",
            title=f"{mlp}: Keras CSVLogger with ReduceLROnPlateau",
            shows="Keras CSVLogger `training.log` (per epoch, learning_rate column)",
            notes=_FORMAT_NOTES.format(
                framework="keras.callbacks.CSVLogger",
                detail=(
                    "`training.log`: a 0-based `epoch` column, then the metrics sorted by name, "
                    "CRLF line ends. ReduceLROnPlateau(monitor='val_loss', factor=0.5, "
                    "patience=3) halves the SGD learning rate whenever validation loss stalls, "
                    "and Keras 3 logs it as `learning_rate`. 40 epochs."
                ),
            ),
            cfg=Config(
                hidden=(64,),
                optimizer="sgd",
                momentum=0.9,
                lr=0.05,
                schedule="plateau",
                epochs=40,
                batch_size=32,
            ),
            data="digits",
            write=keras_csvlogger,
            folder="formats",
            tags=("formats", "keras"),
            x="epoch",
        ),
        Example(
            name="digits-tensorboard",
            title=f"{mlp}: TensorBoard event file (tensorboardX)",
            shows="TensorBoard event file; tag names need the `metrics:` mapping",
            notes=_FORMAT_NOTES.format(
                framework="tensorboardX's SummaryWriter",
                detail=(
                    "Tags as in PyTorch's TensorBoard tutorial (`Loss/train`, `Loss/val`, "
                    "`Accuracy/val`, `LearningRate`), which role inference cannot map, so the "
                    "manifest names them under `metrics:`. The event file's first wall time and "
                    "its name (normally the clock and the hostname) are fixed so it regenerates "
                    "byte for byte. SGD + momentum with cosine decay, 20 epochs."
                ),
            ),
            cfg=Config(
                hidden=(128,),
                optimizer="sgd",
                momentum=0.9,
                lr=0.05,
                schedule="cosine",
                epochs=20,
                batch_size=32,
            ),
            data="digits",
            write=lambda h, c: tensorboardx_events(h, c, log_every=5),
            folder="formats",
            tags=("formats", "tensorboard"),
            metrics={
                "train_loss": "Loss/train",
                "val_loss": "Loss/val",
                "val_acc": "Accuracy/val",
                "learning_rate": "LearningRate",
            },
            log="tensorboard",
        ),
        Example(
            name="digits-mlflow",
            title=f"{mlp}: MLflow file store",
            shows="MLflow file-store run folder (metrics/, params/, tags/, meta.yaml)",
            notes=_FORMAT_NOTES.format(
                framework="MLflow's file store (`mlruns/`)",
                detail=(
                    "The manifest points at the run folder `mlruns/1/<run id>`: one file per "
                    "metric with `<timestamp ms> <value> <step>` lines (`train_loss` and `lr` "
                    "every 5 steps, `val_loss` and `val_accuracy` per epoch at the global step), "
                    "one file per param and tag, and meta.yaml. Adam, two hidden layers, 20 epochs."
                ),
            ),
            cfg=Config(hidden=(64, 64), lr=1e-3, epochs=20, batch_size=32),
            data="digits",
            write=lambda h, c: mlflow_run(h, c, run_name="digits-mlflow", log_every=5),
            folder="formats",
            tags=("formats", "mlflow"),
            log=f"mlruns/{MLFLOW_EXPERIMENT}/{mlflow_run_id('digits-mlflow')}",
        ),
    ]


def all_examples() -> list[Example]:
    return phase1_examples() + format_examples() + sweep_examples(Example, sweep_log)


# ---------------------------------------------------------------- building the folder


SITE_CONFIG = b"title: reportgen examples\n"

DATASET_MANIFEST = b"""\
kind: dataset
name: digits-imbalanced
title: Long-tailed digits
notes: |
  scikit-learn's bundled 8x8 digits with a long-tailed training split: `int(120 * 0.65**k)`
  images of digit k (at least 2), so 120 zeros down to 2 eights, and no nine at all: the
  model never sees that class. The validation split is the balanced one every other digits
  run uses. Generated by `runs/generate.py`.
class_balance:
  train: train_labels.csv
  val: val_labels.csv
class_names: [zero, one, two, three, four, five, six, seven, eight, nine]
"""


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
    files["data/digits-imbalanced/dataset.yaml"] = DATASET_MANIFEST
    examples = all_examples()
    for ex in examples:
        history = train(ex.cfg, datasets[ex.data])
        logs = ex.write(history, ex.cfg)
        for rel, data in logs.items():
            files[f"{ex.directory}/{rel}"] = data
        main_log = ex.log or next(iter(logs))
        files[f"{ex.directory}/run.yaml"] = manifest_for(ex, history, [main_log])
    # issue 18: runs with parameter snapshots (and histograms), for "Inside the model"
    files.update(checkpoint_examples(digits))
    return dict(sorted(files.items()))


def write_files(files: dict[str, bytes], out: Path) -> None:
    for rel, data in files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # No default: the committed logs are kept, not regenerated (README.md says why); a new
    # run goes to a folder of its own first, then only its files are copied in.
    parser.add_argument("--out", type=Path, required=True, help="folder to write into")
    args = parser.parse_args(argv)
    files = build_files()
    write_files(files, args.out)
    total = sum(len(b) for b in files.values())
    print(f"wrote {len(files)} files, {total / 1024:.0f} KiB, under {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
