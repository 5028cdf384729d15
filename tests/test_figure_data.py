"""The data shipped with interactive figures (site/figure_data.py): logged values exact at their
steps, long series cut to the budget keeping extremes, best and final points, the CSV's header
and decimation note, and figures that stay static. Logs are CSV files read by the real readers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from analysis_factories import run_from_log
from conftest import exp_curve, write_csv
from numpy.testing import assert_allclose

from reportgen.analysis import analyse
from reportgen.figures.plan import Bars, FigureSpec, Line, Panel, plan_run_figures
from reportgen.site.figure_data import FULL_UP_TO_PER_COLUMN, figure_csv, figure_data, keep_indices


def _log(tmp_path: Path, steps: int, *, spike_at: int | None = None) -> Path:
    s = np.arange(1, steps + 1)
    rng = np.random.default_rng(0)
    train = exp_curve(s, r=5.0 / steps) * np.exp(rng.normal(0, 0.05, s.size))
    if spike_at is not None:
        train[spike_at - 1] = 50.0
    val = exp_curve(s, r=5.0 / steps, c=0.3)
    every = max(1, steps // 50)
    return write_csv(tmp_path / "log.csv", {
        "step": list(s),
        "epoch": list(s // every),
        "wall_time": list(1_700_000_000.0 + 0.25 * s),
        "train_loss": list(train),
        "val_loss": [v if i % every == every - 1 else None for i, v in enumerate(val)],
    })


def _loss_data(path: Path) -> tuple[dict, object, object]:
    run = run_from_log(path)
    analysis = analyse(run)
    loss = next(f for f in plan_run_figures(run, analysis) if f.name == "loss")
    data = figure_data(loss, run, analysis)
    assert data is not None
    return data, run, analysis


def _by_series(data: dict) -> dict[str, dict]:
    return {s["series"]: s for p in data["panels"] for s in p["series"] if "series" in s}


def test_a_short_run_ships_every_logged_point_exactly(tmp_path: Path) -> None:
    data, run, analysis = _loss_data(_log(tmp_path, 600))
    shipped = _by_series(data)
    assert sorted(shipped) == ["train_loss", "val_loss"]
    for name, s in shipped.items():
        logged = run.series[name]
        assert s["decimated"] is None and s["points"] == len(logged)
        assert s["x"] == logged.steps.astype(float).tolist()
        assert s["y"] == logged.values.tolist()  # exact: the same doubles, not rounded
        assert s["epoch"] == logged.epoch.tolist()
        # seconds since the run's first wall time, to the millisecond
        assert_allclose(s["wall"], logged.wall_time - 1_700_000_000.25, atol=5e-4)
        assert s["wall0"] == 1_700_000_000.25
    # the dense train loss is drawn smoothed and ships its smoothed values; the 50 validation
    # points are drawn raw (too few to smooth), so the live figure shows them raw too
    assert_allclose(shipped["train_loss"]["smooth"], analysis.smoothed["train_loss"], rtol=1e-6)
    assert "smooth" not in shipped["val_loss"]
    # the JSON of the page is the same for the same inputs
    again, _, _ = _loss_data(tmp_path / "log.csv")
    assert json.dumps(again, sort_keys=True) == json.dumps(data, sort_keys=True)


def test_a_long_run_keeps_extremes_best_and_final_within_the_budget(tmp_path: Path) -> None:
    data, run, analysis = _loss_data(_log(tmp_path, 40_000, spike_at=12_345))
    train = _by_series(data)["train_loss"]
    logged = run.series["train_loss"]
    columns = data["columns"]
    assert columns == 770
    # per pixel column its lowest and highest point, plus first, best and final
    assert FULL_UP_TO_PER_COLUMN * columns < len(train["x"]) <= 2 * columns + 3
    steps = np.array(train["x"])
    for step in (logged.steps[0], logged.steps[-1], 12_345, logged.steps[int(np.argmin(logged.values))]):
        assert step in steps
    # every shipped point is a logged point, value exact
    at = np.searchsorted(logged.steps, steps.astype(np.int64))
    assert train["y"] == logged.values[at].tolist()
    assert train["decimated"] == (
        f"decimated: {len(steps):,} of 40,000 logged points, the lowest and highest of each of 770 pixel "
        "columns plus the first, best and final points"
    )
    # the EMA's count of finite points travels along, so the browser can span the gaps
    assert train["rank"] == (at + 1).tolist()
    val = _by_series(data)["val_loss"]
    best = analysis.best
    assert best is not None and best.metric == "val_loss" and float(best.step) in val["x"]


def test_keep_indices_keeps_a_gap_and_every_point_of_a_short_series() -> None:
    x = np.arange(10_000, dtype=float)
    y = np.sin(x / 300)
    y[5000] = np.nan
    kept = keep_indices(x, y, 100, best=1234)
    assert 5000 in kept and 1234 in kept and 0 in kept and 9999 in kept
    assert len(kept) <= 2 * 100 + 4
    assert keep_indices(x[:200], y[:200], 100).tolist() == list(range(200))


def test_csv_has_its_header_decimation_note_and_exact_rows(tmp_path: Path) -> None:
    data, run, _ = _loss_data(_log(tmp_path, 40_000))
    text = figure_csv(data).decode("utf-8")
    lines = text.splitlines()
    assert lines[0] == "# reportgen figure loss: the data behind the interactive figure"
    train = _by_series(data)["train_loss"]
    assert lines[1] == f"# {train['label']}: {train['decimated']}"
    assert lines[2] == "# smoothed: debiased EMA, weight 0.6"
    assert lines[3] == "panel,series,x,step,epoch,wall_time_s,value,smoothed"
    rows = [line.split(",") for line in lines[4:]]
    assert len(rows) == sum(len(s["x"]) for p in data["panels"] for s in p["series"])
    last = next(r for r in reversed(rows) if r[1] == train["label"])
    logged = run.series["train_loss"]
    assert last[3] == "40000" and float(last[6]) == logged.values[-1]
    assert last[5] == "9999.75"  # wall time since the first logged point


def test_short_run_csv_says_nothing_about_decimation(tmp_path: Path) -> None:
    data, _, _ = _loss_data(_log(tmp_path, 300))
    assert not any(line.startswith("# ") and "decimated" in line for line in figure_csv(data).decode().splitlines())


def test_bar_charts_stay_static_and_drawn_lines_ship_as_drawn() -> None:
    bars = Panel(None, "class", "percent", categories=("a", "b"), bars=(Bars("train", np.array([1.0, 2.0]), "#000"),))
    assert figure_data(FigureSpec("balance", "alt", (bars,))) is None
    x = np.array([0.0, 10.0, 20.0])
    centre = Line("mean of 3 runs", x, np.array([1.0, np.nan, 0.5]), "#000000")
    faint = Line(None, x, np.array([1.1, 0.9, 0.6]), "#0072B2", alpha=0.35)
    data = figure_data(FigureSpec("group-val-loss", "alt", (Panel(None, "step", "loss", (faint, centre)),)))
    assert data is not None and data["weight"] is None
    (panel,) = data["panels"]
    assert [s["label"] for s in panel["series"]] == ["line 1", "mean of 3 runs"]
    assert panel["series"][1]["y"] == [1.0, None, 0.5]  # NaN: a gap, as in the static figure
    assert panel["series"][0]["faint"] is True
