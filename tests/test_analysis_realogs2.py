"""The calibrated flags on real logs from ../shared/realogs2 (read with reportgen's readers);
the labels and their reasons are in bench/labels_real.tsv."""


from analysis_factories import run_from_log
from conftest import REALOGS2, realogs2_dir

from reportgen.analysis import analyse
from reportgen.model import RunData


def real_run(rel: str) -> RunData:
    realogs2_dir()
    return run_from_log(REALOGS2 / rel)


def test_whisper_fine_tune_whose_train_and_eval_loss_both_rise_got_worse():
    run = real_run("hf_trainer/OpenAi-Whisper-small-Braj__trainer_state.json")
    a = analyse(run)
    assert sorted(f.kind for f in a.flags) == ["got_worse"]
    (f,) = a.flags
    # the best of each is its first point (eval before fine-tuning: 2.55; train 1.24)
    train, val = run.role("train_loss"), run.role("val_loss")
    assert (f.evidence["train_best"], f.evidence["val_best"]) == (train.values[0], val.values[0])
    assert f.evidence["val_end"] > 3.0 and f.evidence["train_end"] > 1.7


def test_noisy_per_batch_loss_with_frequent_hard_batches_is_not_instability():
    a = analyse(real_run("lightning/trash-project__lightning_logs__version_0__metrics.csv"))
    assert [f.message for f in a.flags if f.severity != "info"] == []


def test_a_run_cut_off_while_both_losses_fall_is_still_improving():
    a = analyse(real_run("hf_trainer/canine-model__trainer_state.json"))
    assert [f.kind for f in a.flags] == ["still_improving"]


def test_an_lstm_that_predicts_the_mean_is_underfitting():
    a = analyse(real_run("lightning/LSTM-Implementation__lightning_logs__version_2__metrics.csv"))
    assert "underfitting" in [f.kind for f in a.flags]
