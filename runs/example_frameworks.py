"""A training History written the way six frameworks write their logs, file for file: Lightning's
CSVLogger, the Hugging Face Trainer's trainer_state.json, Keras' History and CSVLogger,
TensorBoard event files (written by tensorboardX's SummaryWriter) and an MLflow file store.

Each writer returns {path relative to the run folder: bytes}. Layouts follow the real files in ../shared/realogs and the frameworks'
sources; comments name the detail copied where it is easy to get wrong.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import struct
import tempfile
from pathlib import Path

import numpy as np
import yaml
from example_logs import START_TIME, f32, wall_time_at
from example_training import Config, History


def _dict_rows_csv(header: list[str], rows: list[dict]) -> bytes:
    """What csv.DictWriter writes: the excel dialect, so CRLF line ends (Lightning's and Keras'
    CSV loggers both use it), floats by repr, missing keys as empty cells."""
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=header)
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


# ---------------------------------------------------------------- Lightning


def lightning_csvlogger(
    h: History, cfg: Config, *, log_every_n_steps: int = 10
) -> dict[str, bytes]:
    """lightning_logs/version_0/{metrics.csv, hparams.yaml} of a LightningModule that logs
    `train_loss` (on_step and on_epoch), `train_acc` (on_epoch), `val_loss` and `val_acc`, with a
    LearningRateMonitor(logging_interval="step") and the default CSVLogger.

    Lightning writes one row per log call: a step row every `log_every_n_steps` batches at
    step = batch index (49, 99, ... for the default 50), a LearningRateMonitor row just before
    it with an empty epoch, then at the end of each epoch a validation row and a
    `train_*_epoch` row, both at the epoch's last batch index. Columns are sorted by name.
    """
    rows: list[dict] = []
    ends = {int(s) - 1: e for e, s in enumerate(h.epoch_end_step)}
    for t in range(len(h.step_loss)):
        if (t + 1) % log_every_n_steps == 0:
            # the monitor logs a Python float; the module logs tensors, i.e. float32 values
            rows.append({"lr-Adam": float(h.step_lr[t]), "step": t})
            rows.append(
                {"epoch": int(h.step_epoch[t]), "step": t, "train_loss_step": f32(h.step_loss[t])}
            )
        if t in ends:
            e = ends[t]
            rows.append(
                {
                    "epoch": e,
                    "step": t,
                    "val_acc": f32(h.val_metric[e]),
                    "val_loss": f32(h.val_loss[e]),
                }
            )
            rows.append(
                {
                    "epoch": e,
                    "step": t,
                    "train_acc": f32(h.train_acc[e]),
                    "train_loss_epoch": f32(h.train_loss[e]),
                }
            )
    header = sorted({k for row in rows for k in row})
    hparams = {**cfg.hparams(), "log_every_n_steps": log_every_n_steps}
    return {
        "lightning_logs/version_0/metrics.csv": _dict_rows_csv(header, rows),
        # save_hyperparameters() -> yaml.dump: block style, keys sorted
        "lightning_logs/version_0/hparams.yaml": yaml.dump(hparams).encode("utf-8"),
    }


# ---------------------------------------------------------------- Hugging Face Trainer


def hf_trainer_state(
    h: History, cfg: Config, *, logging_steps: int = 10, output_dir: str = "digits-mlp-hf"
) -> dict[str, bytes]:
    """trainer_state.json as `Trainer.save_state()` writes it after `train()` with
    eval_strategy="epoch", save_strategy="epoch", load_best_model_at_end=True (best = lowest
    eval_loss) and the default linear learning-rate decay.

    log_history holds a train record every `logging_steps` steps (the mean loss since the last
    record, the gradient norm of the latest step, the learning rate of that step, the fractional
    epoch), an eval record at the end of each epoch and the final summary record from train().
    Runtimes are derived from fixed per-sample times, never measured.
    """
    spe = h.steps_per_epoch
    total = len(h.step_loss)
    eval_runtime = round(h.n_val * 2e-4, 4)
    eval_batches = math.ceil(h.n_val / cfg.batch_size)
    log: list[dict] = []
    last = 0
    ends = {int(s): e for e, s in enumerate(h.epoch_end_step)}
    for step in range(1, total + 1):
        if step % logging_steps == 0:
            log.append(
                {
                    "epoch": step / spe,
                    "grad_norm": f32(h.step_grad_norm[step - 1]),
                    "learning_rate": float(h.step_lr[step - 1]),
                    "loss": float(np.mean(h.step_loss[last:step])),
                    "step": step,
                }
            )
            last = step
        if step in ends:
            e = ends[step]
            log.append(
                {
                    "epoch": float(e + 1),
                    "eval_accuracy": float(h.val_metric[e]),
                    "eval_loss": f32(h.val_loss[e]),
                    "eval_runtime": eval_runtime,
                    "eval_samples_per_second": round(h.n_val / eval_runtime, 3),
                    "eval_steps_per_second": round(eval_batches / eval_runtime, 3),
                    "step": step,
                }
            )
    train_runtime = round(total * 0.004 + len(h.val_loss) * eval_runtime, 4)
    # forward + backward: about 6 flops per weight per example
    total_flos = float(6 * h.n_params * h.n_train * cfg.epochs)
    log.append(
        {
            "epoch": float(cfg.epochs),
            "step": total,
            "total_flos": total_flos,
            "train_loss": float(np.mean(h.step_loss)),
            "train_runtime": train_runtime,
            "train_samples_per_second": round(h.n_train * cfg.epochs / train_runtime, 3),
            "train_steps_per_second": round(total / train_runtime, 3),
        }
    )
    best = int(np.argmin([f32(v) for v in h.val_loss]))
    best_step = int(h.epoch_end_step[best])
    state = {
        "best_global_step": best_step,
        "best_metric": f32(h.val_loss[best]),
        "best_model_checkpoint": f"{output_dir}/checkpoint-{best_step}",
        "epoch": float(cfg.epochs),
        "eval_steps": 500,
        "global_step": total,
        "is_hyper_param_search": False,
        "is_local_process_zero": True,
        "is_world_process_zero": True,
        "log_history": log,
        "logging_steps": logging_steps,
        "max_steps": total,
        "num_input_tokens_seen": 0,
        "num_train_epochs": cfg.epochs,
        "save_steps": 500,
        "stateful_callbacks": {
            "TrainerControl": {
                "args": {
                    "should_epoch_stop": False,
                    "should_evaluate": False,
                    "should_log": False,
                    "should_save": True,
                    "should_training_stop": True,
                },
                "attributes": {},
            }
        },
        "total_flos": total_flos,
        "train_batch_size": cfg.batch_size,
        "trial_name": None,
        "trial_params": None,
    }
    # TrainerState.save_to_json
    return {
        "trainer_state.json": (json.dumps(state, indent=2, sort_keys=True) + "\n").encode("utf-8")
    }


# ---------------------------------------------------------------- Keras


def _keras_logs(h: History, with_lr: bool) -> list[dict[str, float]]:
    """The `logs` dict Keras 3 passes to on_epoch_end, per epoch: compiled metrics and loss,
    then val_*, then `learning_rate` when ReduceLROnPlateau is a callback (the rate used in
    that epoch, read before it decides to cut)."""
    out = []
    for e in range(len(h.train_loss)):
        logs = {
            "accuracy": f32(h.train_acc[e]),
            "loss": f32(h.train_loss[e]),
            "val_accuracy": f32(h.val_metric[e]),
            "val_loss": f32(h.val_loss[e]),
        }
        if with_lr:
            logs["learning_rate"] = f32(h.step_lr[int(h.epoch_end_step[e]) - 1])
        out.append(logs)
    return out


def keras_history_json(h: History, cfg: Config) -> dict[str, bytes]:
    """`json.dump(model.fit(...).history, f)`: one line, a list per metric, no trailing newline."""
    per_epoch = _keras_logs(h, with_lr=cfg.schedule == "plateau")
    history = {k: [logs[k] for logs in per_epoch] for k in per_epoch[0]}
    return {"history.json": json.dumps(history).encode("utf-8")}


def keras_csvlogger(h: History, cfg: Config) -> dict[str, bytes]:
    """keras.callbacks.CSVLogger("training.log"): `epoch` (0-based) then the logs' keys sorted,
    written by csv.DictWriter with the excel dialect (CRLF)."""
    per_epoch = _keras_logs(h, with_lr=cfg.schedule == "plateau")
    keys = sorted(per_epoch[0])
    rows = [{"epoch": e, **logs} for e, logs in enumerate(per_epoch)]
    return {"training.log": _dict_rows_csv(["epoch", *keys], rows)}


# ---------------------------------------------------------------- TensorBoard (tensorboardX)

TB_HOST = "reportgen-examples"


def _records(data: bytes) -> list[bytes]:
    """The payloads of a TFRecord file: [len u64][crc u32][payload][crc u32] repeated."""
    out, pos = [], 0
    while pos < len(data):
        (length,) = struct.unpack("<Q", data[pos : pos + 8])
        out.append(data[pos + 12 : pos + 12 + length])
        pos += 12 + length + 4
    return out


def _frame(payload: bytes) -> bytes:
    from tensorboardX.record_writer import masked_crc32c

    header = struct.pack("<Q", len(payload))
    return (
        header
        + struct.pack("<I", masked_crc32c(header))
        + payload
        + struct.pack("<I", masked_crc32c(payload))
    )


def tensorboardx_events(h: History, cfg: Config, *, log_every: int = 5) -> dict[str, bytes]:
    """An event file written by tensorboardX's SummaryWriter with the tag names of PyTorch's
    TensorBoard tutorial (`Loss/train`, `Loss/val`, `Accuracy/val`) and `LearningRate`.

    Every scalar gets an explicit walltime. Two things SummaryWriter takes from the clock and the
    machine are made fixed afterwards: the wall time of the file's first event (the
    `brain.Event:2` file-version record, which the SummaryWriter stamps with time.time()) and the
    file name (`events.out.tfevents.<time>.<hostname>`).
    """
    from tensorboardX import SummaryWriter
    from tensorboardX.proto import event_pb2

    ends = {int(s): e for e, s in enumerate(h.epoch_end_step)}
    with tempfile.TemporaryDirectory() as tmp:
        writer = SummaryWriter(logdir=tmp, flush_secs=3600)
        for t in range(len(h.step_loss)):
            step = t + 1
            evals = int(h.step_epoch[t])
            if step % log_every == 0:
                wall = wall_time_at(step, evals)
                writer.add_scalar("Loss/train", f32(h.step_loss[t]), step, walltime=wall)
                writer.add_scalar("LearningRate", float(h.step_lr[t]), step, walltime=wall)
            if step in ends:
                e = ends[step]
                wall = wall_time_at(step, e + 1)
                writer.add_scalar("Loss/val", f32(h.val_loss[e]), step, walltime=wall)
                writer.add_scalar("Accuracy/val", f32(h.val_metric[e]), step, walltime=wall)
        writer.close()
        (event_file,) = sorted(Path(tmp).glob("events.out.tfevents.*"))
        data = event_file.read_bytes()
    records = _records(data)
    first = event_pb2.Event()
    first.ParseFromString(records[0])
    if first.file_version != "brain.Event:2":
        raise RuntimeError("tensorboardX no longer starts its event files with the file version")
    first.wall_time = START_TIME
    records[0] = first.SerializeToString()
    name = f"tensorboard/events.out.tfevents.{int(START_TIME)}.{TB_HOST}"
    return {name: b"".join(_frame(r) for r in records)}


# ---------------------------------------------------------------- MLflow file store

MLFLOW_EXPERIMENT = "1"
MLFLOW_ROOT = "file:///home/user/digits/mlruns"


def mlflow_run_id(run_name: str) -> str:
    """A fixed 32-hex-digit run id (MLflow draws a random uuid4)."""
    return hashlib.md5(run_name.encode("utf-8")).hexdigest()


def mlflow_run(h: History, cfg: Config, *, run_name: str, log_every: int = 5) -> dict[str, bytes]:
    """mlruns/<experiment>/<run id>/ as MLflow's file store leaves it after a run that called
    mlflow.log_params(...), mlflow.log_metric(key, value, step=global_step) for `train_loss`
    and `lr` every few steps and `val_loss` / `val_accuracy` after each epoch, then ended.

    Metric files hold one `<timestamp ms> <value> <step>` line per call; params and tags hold
    their value with no newline; meta.yaml is yaml.safe_dump'ed (keys sorted). The run id, the
    timestamps and the artifact location are fixed.
    """
    run_id = mlflow_run_id(run_name)
    metrics: dict[str, list[str]] = {"lr": [], "train_loss": [], "val_accuracy": [], "val_loss": []}
    ends = {int(s): e for e, s in enumerate(h.epoch_end_step)}

    def log(key: str, value: float, step: int, wall: float) -> None:
        metrics[key].append(f"{round(wall * 1000)} {value} {step}\n")

    for t in range(len(h.step_loss)):
        step = t + 1
        if step % log_every == 0:
            wall = wall_time_at(step, int(h.step_epoch[t]))
            log("train_loss", f32(h.step_loss[t]), step, wall)
            log("lr", float(h.step_lr[t]), step, wall)
        if step in ends:
            e = ends[step]
            wall = wall_time_at(step, e + 1)
            log("val_loss", f32(h.val_loss[e]), step, wall)
            log("val_accuracy", f32(h.val_metric[e]), step, wall)
    start_ms = int(START_TIME * 1000)
    end_ms = round(wall_time_at(len(h.step_loss), len(h.val_loss)) * 1000) + 120
    base = f"mlruns/{MLFLOW_EXPERIMENT}/{run_id}"
    files: dict[str, bytes] = {}
    experiment_meta = {
        "artifact_location": f"{MLFLOW_ROOT}/{MLFLOW_EXPERIMENT}",
        "creation_time": start_ms - 5000,
        "experiment_id": MLFLOW_EXPERIMENT,
        "last_update_time": start_ms - 5000,
        "lifecycle_stage": "active",
        "name": "digits-mlp",
    }
    run_meta = {
        "artifact_uri": f"{MLFLOW_ROOT}/{MLFLOW_EXPERIMENT}/{run_id}/artifacts",
        "end_time": end_ms,
        "entry_point_name": "",
        "experiment_id": MLFLOW_EXPERIMENT,
        "lifecycle_stage": "active",
        "run_id": run_id,
        "run_name": run_name,
        "run_uuid": run_id,
        "source_name": "",
        "source_type": 4,
        "source_version": "",
        "start_time": start_ms,
        "status": 3,  # FINISHED
        "tags": [],
        "user_id": "user",
    }
    files[f"mlruns/{MLFLOW_EXPERIMENT}/meta.yaml"] = yaml.safe_dump(experiment_meta).encode("utf-8")
    files[f"{base}/meta.yaml"] = yaml.safe_dump(run_meta).encode("utf-8")
    for key, lines in metrics.items():
        files[f"{base}/metrics/{key}"] = "".join(lines).encode("utf-8")
    for key, value in cfg.hparams().items():
        files[f"{base}/params/{key}"] = str(value).encode("utf-8")
    tags = {
        "mlflow.runName": run_name,
        "mlflow.source.name": "train.py",
        "mlflow.source.type": "LOCAL",
        "mlflow.user": "user",
    }
    for key, value in tags.items():
        files[f"{base}/tags/{key}"] = value.encode("utf-8")
    return files
