import json
import math

import numpy as np
from analysis_factories import make_run, series

from reportgen.analysis import analyse
from reportgen.model import AnalysisConfig, Flag, Restart


def assert_plain_json(x, where="evidence"):
    """Only python str/int/float/bool/None/list/dict, no NaN/inf, so json.dumps round-trips."""
    if isinstance(x, dict):
        for k, v in x.items():
            assert type(k) is str, where
            assert_plain_json(v, f"{where}.{k}")
    elif isinstance(x, list):
        for i, v in enumerate(x):
            assert_plain_json(v, f"{where}[{i}]")
    else:
        assert type(x) in (str, int, float, bool, type(None)), (where, type(x))
        if type(x) is float:
            assert math.isfinite(x), where


def messy_run():
    rng = np.random.default_rng(11)
    t = np.arange(0, 3000, 3)
    train = 0.2 + 2 * np.exp(-t / 400) + rng.normal(0, 0.02, t.size)
    train[[200, 600]] *= 4
    train[900:] = np.nan
    e = np.arange(1, 31)
    val = 0.6 + 1.5 * np.exp(-e / 3.0) + 0.04 * np.maximum(e - 10, 0)
    return make_run(
        train_loss=series("train_loss", train, steps=t),
        val_loss=series("val_loss", val, steps=e * 100, epoch=e),
        lr=series("lr", np.full(30, 1e-3), steps=e * 100),
        empty=series("empty", []),
        nan_only=series("nan_only", [np.nan, np.nan]),
        one=series("one", [1.0]),
        loss="cross_entropy",
        num_classes=5,
        restarts=(Restart(step=1500, source="a.csv", dropped=3),),
    )


def test_every_series_is_summarised_and_smoothed_at_full_length():
    run = messy_run()
    a = analyse(run)
    assert a.name == "run"
    assert sorted(a.summaries) == sorted(run.series) == sorted(a.smoothed)
    for name, s in run.series.items():
        assert a.smoothed[name].shape == s.values.shape
    assert a.summaries["train_loss"].role == "train_loss"
    assert a.summaries["lr"].role is None
    assert a.summaries["empty"].points == 0 and a.summaries["nan_only"].final is None


def test_flags_kinds_order_and_plain_json_evidence():
    a = analyse(messy_run())
    got = [(f.severity, f.kind) for f in a.flags]
    assert ("error", "divergence") in got
    assert ("warning", "instability") in got
    assert ("warning", "overfitting") in got
    assert ("info", "restart") in got
    order = {"error": 0, "warning": 1, "info": 2}
    assert [order[s] for s, _ in got] == sorted(order[s] for s, _ in got)
    for f in a.flags:
        assert isinstance(f, Flag)
        assert f.message.endswith(".") and "\n" not in f.message
        assert_plain_json(f.evidence, f.kind)
        assert f.step is None or type(f.step) is int
        json.dumps(f.evidence, allow_nan=False)
    assert_plain_json(a.extra, "extra")
    json.dumps(a.extra, allow_nan=False)


def test_same_input_same_output():
    a, b = analyse(messy_run()), analyse(messy_run())
    assert a.flags == b.flags
    assert a.convergence == b.convergence
    assert json.dumps(a.extra, sort_keys=True) == json.dumps(b.extra, sort_keys=True)


def test_best_is_validation_minimum_else_training():
    a = analyse(messy_run())
    assert a.best.role == "val_loss" and a.best.metric == "val_loss"
    assert a.best.step == 1000 and a.best.epoch == 10.0
    only_train = analyse(
        make_run(train_loss=series("train_loss", [3.0, 1.0, 2.0], steps=[5, 6, 7]))
    )
    assert (only_train.best.role, only_train.best.step, only_train.best.value) == (
        "train_loss",
        6,
        1.0,
    )
    assert only_train.best.epoch is None
    assert analyse(make_run(lr=series("lr", [1.0]))).best is None


def test_convergence_for_train_and_val():
    a = analyse(messy_run())
    assert [c.metric for c in a.convergence] == ["train_loss", "val_loss"]


def test_config_argument_overrides_spec_config():
    run = messy_run()
    strict = analyse(run, AnalysisConfig(overfit_gl=1000.0))
    assert "overfitting" not in [f.kind for f in strict.flags]
    assert "overfitting" in [f.kind for f in analyse(run).flags]
    lenient = make_run(
        train_loss=run.series["train_loss"],
        val_loss=run.series["val_loss"],
        analysis=AnalysisConfig(overfit_gl=1000.0),
    )
    assert "overfitting" not in [f.kind for f in analyse(lenient).flags]


def test_empty_run():
    a = analyse(make_run())
    assert a.flags == () and a.best is None and a.convergence == () and a.baseline is None
