"""Issue 13 on the example site built from runs/: each defect a new user saw there, checked on
the built pages and summary.json, and on the FigureSpecs the site's figures are drawn from."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sitecheck import parse

from reportgen.analysis import analyse
from reportgen.build import build
from reportgen.figures.plan import plan_run_figures, plan_sparkline
from reportgen.figures.plan_groups import plan_comparison_figure
from reportgen.figures.run_styles import run_colors
from reportgen.manifest.load import load_manifests
from reportgen.readers.run import read_runs

RUNS = Path(__file__).resolve().parents[1] / "runs"


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """(site folder, summary.json) of the example runs."""
    if not any(RUNS.glob("*/*.yaml")):
        pytest.fail(f"the example runs are missing at {RUNS}")
    out = tmp_path_factory.mktemp("example") / "site"
    build(RUNS, out)
    return out, json.loads((out / "summary.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def planned() -> dict:
    """run name -> (RunData, RunAnalysis) of the example runs, as the build plans their figures."""
    loaded = load_manifests(RUNS)
    runs, _ = read_runs(loaded.runs, RUNS)
    return {run.spec.name: (run, analyse(run, run.spec.analysis)) for run in runs}


def text(page: Path) -> str:
    return " ".join(" ".join(parse(page).text).split())


def _members(planned: dict, tag: str) -> list:
    return [m for m in planned.values() if tag in m[0].spec.tags]


def test_formats_comparison_never_draws_epochs_on_a_step_axis(planned: dict) -> None:
    members = _members(planned, "formats")
    fig = plan_comparison_figure(members, run_colors(list(planned)))
    drawn = {p.xlabel: {ln.label for ln in p.lines if ln.label and ln.x.size} for p in fig.panels}
    # Keras logs 40 epochs and no steps; MLflow and TensorBoard log steps and no epochs
    assert {"digits-keras-history", "digits-keras-csvlogger"} <= drawn["epoch"]
    assert {"digits-mlflow", "digits-tensorboard"} <= drawn["step"]
    # the HF Trainer and Lightning runs log both, so they are aligned with Keras on epochs
    assert {"digits-hf-trainer", "digits-lightning-csvlogger"} <= drawn["epoch"]
    assert all(p.title.endswith(f"by {p.xlabel}") for p in fig.panels)


def test_mse_and_cross_entropy_never_share_an_axis_or_a_rank(example: tuple[Path, dict], planned: dict) -> None:
    site, summary = example
    sgd = next(c for c in summary["comparisons"] if c["name"] == "sgd")
    assert [(s["loss"], s["runs"][:1]) for s in sgd["sets"]] == [("mse", ["diabetes-linear-diverge"]),
                                                                   ("cross_entropy", ["digits-sgd-lr-1e-1"])]
    fig = plan_comparison_figure(_members(planned, "sgd"), run_colors(list(planned)))
    assert [p.title for p in fig.panels] == ["regression, mse loss, by step", "classification, cross-entropy loss, by step"]
    # the healthy runs are not squeezed into a band under the exploded one's 1e35
    cross_entropy = fig.panels[1]
    assert cross_entropy.ylim is None and cross_entropy.yscale == "log"
    page = text(site / "compare" / "tag-sgd" / "index.html")
    assert "They fall into 2 sets that cannot share an axis or a ranking: regression, mse loss" in page


def test_the_exploded_run_is_ranked_after_the_healthy_one(example: tuple[Path, dict]) -> None:
    site, summary = example
    regression = next(c for c in summary["comparisons"] if c["name"] == "regression")
    # its best validation loss before it blew up (0.482) is lower than the healthy run's (0.527)
    assert regression["runs"] == ["diabetes-mlp-mse", "diabetes-linear-diverge"]
    page = text(site / "compare" / "tag-regression" / "index.html")
    assert "is ranked after every healthy run of its set" in page
    assert re.search(r"2 Linear regression on diabetes: learning rate too high .* divergence(?! ×)", page)


def test_overfitting_run_says_one_position_everywhere(example: tuple[Path, dict], planned: dict) -> None:
    site, summary = example
    rec = next(r for r in summary["runs"] if r["name"] == "digits-mlp-overfit")
    assert rec["best"]["at"] == "epoch 10 (step 55)"
    (flag,) = rec["flags"]
    assert flag["at"] == "epoch 11 (step 60)" and flag["at"] in flag["message"]
    page = text(site / "runs" / "digits-mlp-overfit" / "index.html")
    assert "val loss 0.5466 at epoch 10 (step 55)" in page
    # every position on the page names the epoch; a step alone only inside "(step N)" (the
    # evidence tables list their raw fields, best_epoch and best_step, as the analysis gave them)
    html = (site / "runs" / "digits-mlp-overfit" / "index.html").read_text(encoding="utf-8")
    words = re.sub(r"<[^>]+>", " ", re.sub(r'<table class="evidence">.*?</table>', "", html, flags=re.S))
    assert re.findall(r"(?<!\()step \d+", words) == []
    index = text(site / "index.html")
    assert "0.5466 0.7317 epoch 10 (step 55) overfitting" in index


def test_overfitting_rise_is_visible_and_markers_never_cover_each_other(planned: dict) -> None:
    figs = {f.name: f for f in plan_run_figures(*planned["digits-mlp-overfit"])}
    (zoom,) = figs["overfitting"].panels
    val = planned["digits-mlp-overfit"][0].role("val_loss").values
    # linear, from the minimum to the end of the rise: the rise fills the axis
    assert zoom.yscale == "linear"
    rise = val[np.argmin(val):]
    assert (rise.max() - rise.min()) / (zoom.ylim[1] - zoom.ylim[0]) > 0.8
    (loss,) = figs["loss"].panels
    assert not [m for m in loss.markers if m.marker == "D"]  # the onset is a line now
    assert [r.orientation for r in loss.reflines if r.label.startswith("overfitting onset")] == ["v"]


def test_diverging_run_shows_its_healthy_phase_and_numbers_that_fit(example: tuple[Path, dict], planned: dict) -> None:
    site, _ = example
    run, analysis = planned["diabetes-linear-diverge"]
    figs = {f.name: f for f in plan_run_figures(run, analysis)}
    for name in ("loss", "gap", "scalars-accuracy"):
        for panel in figs[name].panels:
            assert panel.yscale == "linear" and panel.ylim is not None and panel.ylim[1] < 10, name
            assert [m for m in panel.markers if m.marker == "^"], name  # off-scale values marked
    page = text(site / "runs" / "diabetes-linear-diverge" / "index.html")
    assert re.search(r"\d{12}", page) is None  # no 40-digit percentages
    assert "×3.9e+36" in page
    html = (site / "runs" / "diabetes-linear-diverge" / "index.html").read_text(encoding="utf-8")
    assert "<code>val_<wbr>loss</code>" in html


def test_sparse_validation_curves_are_drawn_raw(planned: dict) -> None:
    for name in ("digits-sgd-lr-1e0", "digits-tanh-plateau"):
        run, analysis = planned[name]
        val = run.role("val_loss")
        (panel,) = next(f for f in plan_run_figures(run, analysis) if f.name == "loss").panels
        (line,) = [ln for ln in panel.lines if ln.label == f"validation ({val.name})"]
        assert_allclose(line.y, val.values)  # drawn raw: the line ends at the real final value
        star = next(m for m in panel.markers if m.marker == "*")
        assert star.y in line.y  # the best star sits on the drawn line


def test_index_names_its_metric_sorts_one_unit_and_gives_each_sparkline_its_range(
    example: tuple[Path, dict], planned: dict
) -> None:
    site, summary = example
    html = (site / "index.html").read_text(encoding="utf-8")
    heads = re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', html)
    assert "Best val loss" in heads and "Final val loss" in heads
    cells = dict(re.findall(r'<a href="runs/([^/]+)/index.html">.*?<td class="position" data-value="([^"]*)">', html, re.S))
    # epochs where known (Keras's epoch 22 before HF's epoch 24 at step 312), step-only runs after
    assert float(cells["digits-keras-csvlogger"]) == 22 and float(cells["digits-hf-trainer"]) == 24
    assert float(cells["digits-mlflow"]) > max(float(v) for k, v in cells.items() if k not in ("digits-mlflow", "digits-tensorboard"))
    for rec in summary["runs"]:
        assert f'{rec["trend"]["metric"]} trend of {rec["name"]}, from ' in html
    # the underfitting run barely moves: its sparkline is flat, not a steep climb
    spark = plan_sparkline(*planned["digits-mlp-underfit"])
    assert (spark.high - spark.low) / (spark.ylim[1] - spark.ylim[0]) < 0.05


def test_convergence_table_names_its_units(example: tuple[Path, dict]) -> None:
    site, _ = example
    page = text(site / "runs" / "digits-mlp-clean" / "index.html")
    assert "Rate (per step) Asymptote R² Half-life (steps) Steps to 90% of drop to 99% (steps)" in page
    keras = text(site / "runs" / "digits-keras-history" / "index.html")
    assert "Rate (per epoch)" in keras or "Convergence" not in keras
