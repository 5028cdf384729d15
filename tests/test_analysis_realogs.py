"""The analysis on real training logs from ../shared/realogs (read with reportgen's readers)."""


import numpy as np
import pytest
from analysis_factories import run_from_log
from conftest import realogs_dir

from reportgen.analysis import analyse
from reportgen.model import RunData


def real_run(rel: str) -> RunData:
    return run_from_log(realogs_dir() / rel)


def kinds(a):
    return sorted({f.kind for f in a.flags} - {"restart", "plateau"})


def test_fastai_run_overfits_after_its_validation_minimum():
    run = real_run("plain/fastai-sportsball-classifier__history.csv")
    a = analyse(run)
    assert kinds(a) == ["overfitting"]
    (f,) = [f for f in a.flags if f.kind == "overfitting"]
    val = run.role("val_loss")
    i_best = int(np.argmin(val.values))
    assert f.evidence["best_step"] == int(val.steps[i_best])
    assert abs(f.evidence["onset_step"] - int(val.steps[i_best])) <= 2
    assert f.evidence["train_still_falling"] is True
    assert a.best.step == int(val.steps[i_best])


def test_stuck_training_loss_is_underfitting():
    a = analyse(
        real_run(
            "lightning/Contact-Point-Detection__hall_of_fame__20200205__lightning_logs__metrics.csv"
        )
    )
    assert kinds(a) == ["underfitting"]
    (f,) = [f for f in a.flags if f.kind == "underfitting"]
    assert f.evidence["criterion"] == "flat"


@pytest.mark.parametrize(
    "rel",
    [
        # per-batch MNIST losses spread over two orders of magnitude
        "lightning/cv-image-classification__lightning_logs__version_0__metrics.csv",
        "lightning/slm_training__lightning_logs__version_0__metrics.csv",
        "keras/Car-Prediction-CNN-Model__training.log",
        "plain/detr_custom_dcmha__detr-r50_log.txt",
        "hf_trainer/tinyLlama-finetune__trainer_state.json",
        "hf_trainer/mT5-based-azerbaijani-news-summarize__trainer_state.json",
        "hf_trainer/Checkpoint-of-CPT__trainer_state.json",
    ],
)
def test_healthy_real_runs_raise_no_warning(rel):
    a = analyse(real_run(rel))
    assert [f.message for f in a.flags if f.severity != "info"] == []


def test_lightning_per_step_loss_gets_a_convergence_fit():
    a = analyse(real_run("lightning/slm_training__lightning_logs__version_0__metrics.csv"))
    train = a.convergence[0]
    assert train.metric == a.best.metric or train.metric.startswith("train")
    assert train.model in ("exponential", "power") and train.r2 >= 0.8
    assert train.asymptote < a.summaries[train.metric].final


def test_converged_wobbling_loss_is_not_divergence():
    # training loss between 0.0003 and 0.003 after convergence
    a = analyse(
        real_run(
            "lightning/Gaussian-Mixture-Neural-Network__lightning_logs__version_0__metrics.csv"
        )
    )
    assert not {"divergence", "instability"} & set(kinds(a))


def test_losses_logged_to_four_decimals_do_not_spike():
    # training loss logged as 0.0001, 0.0002, ...: one-quantum jumps are rounding
    a = analyse(real_run("hf_trainer/whisper-large-v2-japanese-5k-steps__trainer_state.json"))
    assert kinds(a) == ["overfitting"]


def test_fast_early_drop_then_level_loss_is_not_underfitting():
    a = analyse(real_run("hf_trainer/Whisper_Finetune__trainer_state.json"))
    assert "underfitting" not in kinds(a)
