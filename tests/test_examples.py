"""The example runs shipped in runs/: manifests that load, logs that exist and read, and the
training behaviour each example is there to show (its defining property), checked on the
committed logs and on a fresh run of runs/generate.py, which need not match them bit for bit
(runs/README.md says why)."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import yaml

from reportgen.readers import read_log

RUNS = Path(__file__).parents[1] / "runs"
GENERATOR = RUNS / "generate.py"
# YAML that frameworks write beside their logs: not manifests (see reportgen/manifest/load.py).
FRAMEWORK_DIRS = {"mlruns", "lightning_logs"}
FRAMEWORK_YAML = {"hparams.yaml", "meta.yaml"}


def manifest_paths(root: Path = RUNS) -> list[Path]:
    found = []
    for path in sorted(root.rglob("*.yaml")):
        rel = path.relative_to(root)
        if rel.as_posix() == "reportgen.yaml" or path.name in FRAMEWORK_YAML:
            continue
        if FRAMEWORK_DIRS & set(rel.parts[:-1]):
            continue
        if yaml.safe_load(path.read_text(encoding="utf-8")).get("kind") == "dataset":
            continue  # a dataset description, not a run (see test_the_dataset_manifest...)
        found.append(path)
    return found


def load_manifests(root: Path = RUNS) -> list[tuple[Path, dict]]:
    out = []
    for path in manifest_paths(root):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert isinstance(data, dict), f"{path}: a manifest is a YAML mapping"
        out.append((path, data))
    return out


def log_entries(manifest: Path, data: dict) -> list[tuple[Path, str]]:
    logs = data["logs"]
    items = logs if isinstance(logs, list) else [logs]
    entries = []
    for item in items:
        if isinstance(item, str):
            entries.append((manifest.parent / item, "auto"))
        else:
            entries.append((manifest.parent / item["path"], item.get("format", "auto")))
    return entries


def phase1(root: Path = RUNS) -> list[tuple[Path, dict]]:
    """Runs whose logs are CSV or JSON Lines (runs/formats/ waits for the other readers); the
    runs with checkpoints are tested in test_example_checkpoints.py."""
    return [(p, d) for p, d in load_manifests(root)
            if "formats" not in p.relative_to(root).parts and "checkpoints" not in d]


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every example trained again by runs/generate.py, in a temporary folder."""
    import sklearn  # noqa: F401  (a test dependency: runs/generate.py loads its datasets)

    out = tmp_path_factory.mktemp("regenerated")
    result = subprocess.run(
        [sys.executable, str(GENERATOR), "--out", str(out)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no numpy warnings either
    return out


@pytest.fixture(params=["committed", "regenerated"])
def root(request: pytest.FixtureRequest) -> Path:
    """The committed examples, then the same examples trained again: both must show it."""
    return RUNS if request.param == "committed" else request.getfixturevalue("regenerated")


def test_there_are_manifests_and_each_names_its_logs():
    manifests = load_manifests()
    assert len(manifests) >= 6
    for path, data in manifests:
        assert isinstance(data.get("name"), str) and data["name"], path
        assert data.get("logs"), f"{path}: no logs"
        assert data.get("source") in ("real", "simulated"), (
            f"{path}: source must say real or simulated"
        )
        assert data.get("task") in ("classification", "regression"), path


def test_every_log_path_exists():
    missing = [
        f"{path.relative_to(RUNS)} -> {log}"
        for path, data in load_manifests()
        for log, _ in log_entries(path, data)
        if not log.exists()
    ]
    assert not missing, "log paths that do not exist: " + ", ".join(missing)


def test_run_names_are_unique_url_slugs():
    names = [data["name"] for _, data in load_manifests()]
    dupes = sorted(n for n, c in Counter(names).items() if c > 1)
    assert not dupes, f"duplicate run names: {dupes}"
    for name in names:
        assert name == name.lower() and all(c.isalnum() or c == "-" for c in name), name


def test_the_required_range_of_runs_is_present():
    manifests = phase1()
    groups = Counter(d["group"] for _, d in manifests if d.get("group"))
    assert groups and max(groups.values()) >= 5, f"need a group of >= 5 seeds, got {dict(groups)}"
    tags = Counter(t for _, d in manifests for t in d.get("tags", []))
    assert max(tags.values()) >= 4, f"need a tag shared by >= 4 runs (a sweep), got {dict(tags)}"
    for behaviour in ("clean", "overfitting", "divergence", "underfitting", "plateau", "lr-sweep"):
        assert tags[behaviour] >= 1, f"no run tagged {behaviour!r}"
    assert any(d["task"] == "regression" and d["loss"] == "mse" for _, d in manifests)
    suffixes = {log.suffix for p, d in manifests for log, _ in log_entries(p, d)}
    assert {".csv", ".jsonl"} <= suffixes


def test_phase1_logs_read_with_the_csv_and_jsonl_readers():
    for path, data in phase1():
        for log, fmt in log_entries(path, data):
            logdata = read_log(log, fmt)
            assert logdata.format == log.suffix.lstrip("."), f"{log}: read as {logdata.format}"
            loss = logdata.series.get("train_loss")
            assert loss is not None and len(loss) >= 20, f"{log}: no train_loss series"
            assert "val_loss" in logdata.series, f"{log}: no val_loss series"
            for series in logdata.series.values():
                if series.wall_time is not None:
                    assert np.all(np.diff(series.wall_time) > 0), f"{log}: {series.name} wall time"
            # sparse validation: logged once per epoch, far fewer points than the train loss
            if data.get("x") != "epoch":
                assert len(logdata.series["val_loss"]) < len(loss)


def _series(name: str, metric: str, root: Path = RUNS):
    ((path, data),) = [(p, d) for p, d in phase1(root) if d["name"] == name]
    ((log, fmt),) = log_entries(path, data)
    return read_log(log, fmt).series[metric]


def test_the_diverging_run_keeps_inf_then_nan(root: Path):
    loss = _series("diabetes-linear-diverge", "train_loss", root).values
    first_inf = int(np.argmax(np.isposinf(loss)))
    first_nan = int(np.argmax(np.isnan(loss)))
    assert 0 < first_inf < first_nan, "the loss should overflow to inf before it turns to NaN"
    assert np.isfinite(loss[:first_inf]).all()
    assert np.nanargmin(loss) < first_inf
    assert np.isnan(loss[-1])


def test_the_overfitting_run_has_val_loss_bottom_out_then_rise(root: Path):
    val = _series("digits-mlp-overfit", "val_loss", root).values
    best = int(np.argmin(val))
    assert 0 < best < len(val) // 4
    assert val[-1] > 1.2 * val[best]
    train = _series("digits-mlp-overfit", "train_loss", root).values
    assert train[-1] < 0.01 * train[0]


def test_the_underfitting_run_stays_near_chance(root: Path):
    val = _series("digits-mlp-underfit", "val_loss", root).values
    np.testing.assert_allclose(val, math.log(10), atol=0.01)


def test_the_plateau_run_is_flat_then_drops(root: Path):
    loss = _series("digits-tanh-plateau", "train_loss", root).values
    np.testing.assert_allclose(loss[:50], math.log(10), atol=0.03)
    assert loss[-20:].mean() < 0.5 * math.log(10)


def test_sweep_runs_differ_only_in_learning_rate():
    sweep = [d for _, d in phase1() if "lr-sweep" in d.get("tags", [])]
    lrs = sorted(d["hparams"]["lr"] for d in sweep)
    assert len(set(lrs)) == len(sweep) >= 4
    rest = [{k: v for k, v in d["hparams"].items() if k != "lr"} for d in sweep]
    assert all(r == rest[0] for r in rest)


def test_class_balance_label_files_exist():
    with_balance = [(p, d) for p, d in load_manifests() if "class_balance" in d]
    assert [d["class_balance"] for _, d in with_balance] == ["digits-imbalanced"]
    dataset_file = RUNS / "data" / "digits-imbalanced" / "dataset.yaml"
    dataset = yaml.safe_load(dataset_file.read_text(encoding="utf-8"))
    assert dataset["kind"] == "dataset" and dataset["name"] == "digits-imbalanced"
    assert sorted(dataset["class_balance"]) == ["train", "val"]
    for split, rel in dataset["class_balance"].items():
        assert (dataset_file.parent / rel).is_file(), f"{dataset_file}: class_balance.{split}: {rel}"


def test_imbalanced_label_files_are_long_tailed_and_val_balanced(root: Path):
    base = root / "data" / "digits-imbalanced"
    counts = {}
    for split in ("train", "val"):
        lines = (base / f"{split}_labels.csv").read_text(encoding="utf-8").splitlines()
        assert lines[0] == "label"
        counts[split] = np.bincount([int(v) for v in lines[1:]], minlength=10)
    assert counts["train"][9] == 0  # the class the training split never sees
    present = counts["train"][counts["train"] > 0]
    assert present.max() / present.min() >= 10
    assert counts["val"].max() / counts["val"].min() < 1.5


def test_the_clean_run_learns_without_overfitting(root: Path):
    val = _series("digits-mlp-clean", "val_loss", root).values
    train = _series("digits-mlp-clean", "train_loss", root).values
    assert train[-20:].mean() < 0.1 * train[:5].mean()
    assert val[-1] < 0.3 * val[0]
    assert val[-1] <= 1.15 * val.min()  # no rise worth a flag at the end
    assert np.isfinite(train).all() and np.isfinite(val).all()


def test_the_seed_group_is_one_config_whose_runs_differ(root: Path):
    seeds = [d for _, d in phase1(root) if d.get("group") == "digits-mlp"]
    assert len(seeds) == 5
    configs = [{k: v for k, v in d["hparams"].items() if k != "seed"} for d in seeds]
    assert all(c == configs[0] for c in configs)
    finals = [_series(d["name"], "val_loss", root).values[-1] for d in seeds]
    assert len(set(finals)) == 5  # other weights, other batches: other numbers
    assert max(finals) < 1.5 * min(finals)  # but one behaviour


def test_the_resumed_run_logs_the_replayed_steps_twice(root: Path):
    # the log as written, before any reader tidies it: the step column goes back once
    with open(root / "digits-mlp-resumed" / "training_log.csv", encoding="utf-8", newline="") as fh:
        steps = np.array([int(row["step"]) for row in csv.DictReader(fh)])
    back = np.flatnonzero(np.diff(steps) <= 0)
    assert back.size == 1  # one restart
    assert (steps[back[0]], steps[back[0] + 1]) == (350, 301)


def test_the_highest_learning_rate_is_unstable_and_the_lowest_slow(root: Path):
    def jitter(name: str) -> float:
        loss = _series(name, "train_loss", root).values
        return float(np.std(np.diff(loss[len(loss) // 2 :])))  # step-to-step noise, late on

    unstable, good = "digits-sgd-lr-1e0", "digits-sgd-lr-1e-1"
    assert jitter(unstable) > 5 * jitter(good)
    assert _series(unstable, "val_acc", root).values.max() < 0.8  # it never learns properly
    assert _series(good, "val_acc", root).values.max() > 0.95
    slow = _series("digits-sgd-lr-1e-3", "val_loss", root).values
    assert np.all(np.diff(slow) < 0)  # still falling every epoch when training stops
    assert slow[-1] > 5 * _series(good, "val_loss", root).values[-1]


def test_the_regression_run_beats_the_mean_baseline_per_epoch(root: Path):
    ((path, data),) = [(p, d) for p, d in phase1(root) if d["name"] == "diabetes-mlp-mse"]
    assert (data["task"], data["loss"], data["x"]) == ("regression", "mse", "epoch")
    val = _series("diabetes-mlp-mse", "val_loss", root)
    assert val.steps.tolist() == list(range(1, 101))  # one row per epoch
    assert val.values.min() < 1.0  # MSE 1.0 is predicting the mean of a standardised target


def test_the_generator_writes_every_committed_file(regenerated: Path):
    def tree(root: Path) -> set[str]:
        return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts}

    # README.md and the generator's own modules are the only files in runs/ it does not write
    committed = {k for k in tree(RUNS) if not k.endswith(".py") and k != "README.md"}
    assert tree(regenerated) == committed


def test_generator_says_what_to_install_without_scikit_learn(tmp_path):
    # sitecustomize runs at start-up: a None entry in sys.modules makes `import sklearn` fail
    # as if it were not installed.
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(
        "import sys\nsys.modules['sklearn'] = None\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, str(GENERATOR), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(site)},
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "runs/generate.py needs scikit-learn to load its bundled datasets: pip install scikit-learn"
    )
    assert not out.exists()


# ---------------------------------------------------------------- runs/formats/: framework layouts
# These logs wait for their readers; meanwhile each is checked in the framework's own terms
# (and, for TensorBoard, read back with tbparse).


def _format_run(name: str) -> tuple[dict, Path]:
    ((path, data),) = [(p, d) for p, d in load_manifests() if d["name"] == name]
    assert "formats" in path.relative_to(RUNS).parts
    ((log, fmt),) = log_entries(path, data)
    assert fmt == "auto"
    return data, log


def test_lightning_csvlogger_layout():
    data, log = _format_run("digits-lightning-csvlogger")
    assert log.as_posix().endswith("lightning_logs/version_0/metrics.csv")
    raw = log.read_bytes()
    assert raw.count(b"\r\n") == raw.count(b"\n")  # csv.DictWriter's CRLF
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))
    header = list(rows[0])
    assert header == sorted(header)
    assert {"epoch", "step", "lr-Adam", "train_loss_step", "train_loss_epoch", "val_loss"} <= set(
        header
    )
    lr_rows = [r for r in rows if r["lr-Adam"]]
    assert lr_rows and all(r["epoch"] == "" for r in lr_rows)
    # every row carries exactly one kind of record: sparse, mostly empty cells
    assert all(sum(bool(v) for k, v in r.items() if k not in ("epoch", "step")) <= 2 for r in rows)
    spe = -(-1257 // data["hparams"]["batch_size"])
    val_steps = [int(r["step"]) for r in rows if r["val_loss"]]
    assert val_steps == [spe * (e + 1) - 1 for e in range(data["hparams"]["epochs"])]
    hparams = yaml.safe_load((log.parent / "hparams.yaml").read_text(encoding="utf-8"))
    assert {k: hparams[k] for k in data["hparams"]} == data["hparams"]


def test_hf_trainer_state_layout():
    data, log = _format_run("digits-hf-trainer")
    state = json.loads(log.read_text(encoding="utf-8"))
    history = state["log_history"]
    train = [r for r in history if "loss" in r]
    evals = [r for r in history if "eval_loss" in r]
    (summary,) = [r for r in history if "train_runtime" in r]
    assert history[-1] is summary and summary["step"] == state["global_step"]
    assert [r["step"] for r in train] == list(range(10, state["global_step"] + 1, 10))
    assert len(evals) == data["hparams"]["epochs"] == state["num_train_epochs"]
    best = min(evals, key=lambda r: r["eval_loss"])
    assert state["best_metric"] == best["eval_loss"]
    assert state["best_model_checkpoint"].endswith(f"checkpoint-{best['step']}")
    lrs = [r["learning_rate"] for r in train]
    assert lrs == sorted(lrs, reverse=True)  # linear decay
    assert log.read_text(encoding="utf-8") == json.dumps(state, indent=2, sort_keys=True) + "\n"


def test_keras_history_json_layout():
    data, log = _format_run("digits-keras-history")
    history = json.loads(log.read_text(encoding="utf-8"))
    assert list(history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert {len(v) for v in history.values()} == {data["hparams"]["epochs"]}


def test_keras_csvlogger_layout():
    data, log = _format_run("digits-keras-csvlogger")
    raw = log.read_bytes()
    assert raw.count(b"\r\n") == raw.count(b"\n")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))
    assert list(rows[0]) == [
        "epoch",
        "accuracy",
        "learning_rate",
        "loss",
        "val_accuracy",
        "val_loss",
    ]
    assert [int(r["epoch"]) for r in rows] == list(range(data["hparams"]["epochs"]))
    lrs = [float(r["learning_rate"]) for r in rows]
    assert lrs == sorted(lrs, reverse=True) and len(set(lrs)) >= 2  # ReduceLROnPlateau cut it


def test_tensorboard_event_file_reads_back_with_the_manifest_tags():
    from tensorboard.backend.event_processing import event_accumulator as accumulator
    data, log = _format_run("digits-tensorboard")
    (event_file,) = sorted(log.iterdir())
    assert event_file.name == "events.out.tfevents.1700000000.reportgen-examples"
    events = accumulator.EventAccumulator(str(log))
    events.Reload()
    tags = events.Tags()["scalars"]
    assert sorted(tags) == sorted(data["metrics"].values())
    for tag in tags:
        points = events.Scalars(tag)
        assert np.all(np.diff([p.step for p in points]) > 0), tag
        assert np.all(np.diff([p.wall_time for p in points]) > 0), tag
    assert len(events.Scalars(data["metrics"]["val_loss"])) == data["hparams"]["epochs"]
    assert events.FirstEventTimestamp() == 1_700_000_000.0


def test_mlflow_file_store_layout():
    data, log = _format_run("digits-mlflow")
    assert log.parent.parent.name == "mlruns"
    meta = yaml.safe_load((log / "meta.yaml").read_text(encoding="utf-8"))
    assert meta["run_id"] == log.name and meta["experiment_id"] == log.parent.name
    assert (log / "tags" / "mlflow.runName").read_text(encoding="utf-8") == data["name"]
    assert (log.parent / "meta.yaml").is_file()
    for metric in sorted((log / "metrics").iterdir()):
        lines = metric.read_text(encoding="utf-8").splitlines()
        assert lines, metric
        stamps, steps = [], []
        for line in lines:
            stamp, value, step = line.split(" ")
            stamps.append(int(stamp))
            steps.append(int(step))
            float(value)
        assert stamps == sorted(stamps) and steps == sorted(steps), metric
    params = {p.name: p.read_text(encoding="utf-8") for p in (log / "params").iterdir()}
    assert params == {k: str(v) for k, v in data["hparams"].items()}


# ---------------------------------------------------------------- portable arithmetic


def test_the_readmes_count_the_example_runs():
    count = len(load_manifests())
    readme = (RUNS.parent / "README.md").read_text(encoding="utf-8")
    assert f"The {count} example runs come from real\ntraining" in readme
    assert f"Example training runs for `reportgen build runs/`: {count} runs" in (RUNS / "README.md").read_text(encoding="utf-8")
