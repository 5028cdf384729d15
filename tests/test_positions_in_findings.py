"""Findings name positions in the run's own words (issue 13 item 3): plateau, divergence tail
and restart messages say "epoch E (step S)" when the logs give epochs, like every other page
element; fractional epochs are shortened."""

from __future__ import annotations

import numpy as np
from analysis_factories import make_run, series

from reportgen.analysis import analyse
from reportgen.analysis.convergence import convergence
from reportgen.analysis.util import where_text
from reportgen.model import AnalysisConfig, Restart


def test_fractional_epochs_are_said_to_two_decimals() -> None:
    assert where_text(1234, 3.787878) == "epoch 3.79 (step 1234)"
    assert where_text(7, 0.5) == "epoch 0.5 (step 7)"


def test_a_plateau_is_placed_in_epochs_and_steps() -> None:
    # a stall near 2.3 for the first half, then a drop: plateau (stalled before progress)
    steps = np.arange(0, 2000, 10)
    values = np.where(steps < 1000, 2.3, 2.3 * np.exp(-(steps - 1000) / 200.0) + 0.1)
    run = make_run(train_loss=series("train_loss", values, steps, epoch=steps / 100.0))
    (plateau,) = [f for f in analyse(run).flags if f.kind == "plateau"]
    assert "from step" not in plateau.message
    assert "(step " in plateau.message and "epoch " in plateau.message
    assert dict(plateau.facts)["stalled from"].startswith("epoch ")


def test_divergence_tail_and_restart_say_epoch_and_step() -> None:
    steps = np.arange(0, 100)
    values = np.exp(-steps / 20.0) + 0.1
    values[60:] = np.inf
    run = make_run(
        train_loss=series("train_loss", values, steps, epoch=steps / 10.0),
        restarts=(Restart(step=30, source="log.csv", dropped=269, times=5),),
    )
    flags = analyse(run).flags
    (div,) = [f for f in flags if f.kind == "divergence"]
    assert "the last finite value was" in div.message and "at epoch 5.9 (step 59)" in div.message
    (restart,) = [f for f in flags if f.kind == "restart"]
    assert restart.message == (
        "Training resumed 5 times at epoch 3 (step 30); 269 earlier points from log.csv were replaced."
    )
    assert restart.evidence["times"] == 5


def test_a_warm_up_past_the_last_step_is_a_reason_not_a_crash() -> None:
    s = series("train_loss", np.exp(-np.arange(50) / 10.0))
    conv = convergence(s, AnalysisConfig(fit_warmup=1000))
    assert conv.model is None
    assert conv.reason == "fit_warmup (1000) is past the last logged step (49)"
