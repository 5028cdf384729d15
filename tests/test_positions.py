"""One position wording everywhere (issue 13): findings, headers, tables, the index and
summary.json say "epoch 11 (step 55)" when both are known, and the index sorts in one unit."""

from __future__ import annotations

from reportgen.analysis.util import position_text, where_text
from reportgen.site.render import best_sort_value


def test_a_position_names_epoch_and_step_when_both_are_known() -> None:
    assert where_text(55, 11.0) == "epoch 11 (step 55)"
    assert where_text(55, 10.5) == "epoch 10.5 (step 55)"
    assert where_text(22, 22.0) == "epoch 22"  # the steps count epochs (Keras)
    assert where_text(500, None) == "step 500"
    assert position_text(None, 3.0) is None


def test_the_index_sorts_best_positions_in_one_unit() -> None:
    keras = {"step": 22, "epoch": 22.0}
    hf = {"step": 312, "epoch": 24.0}
    mlflow = {"step": 800, "epoch": None}
    # every epoch known: by epoch, so epoch 22 sorts before epoch 24 (step 312)
    assert best_sort_value(keras, True) < best_sort_value(hf, True)
    # some known only by step: epochs first, then those, by step ("step 500" was sorted as 500
    # beside "epoch 22" as 22)
    ordered = sorted([mlflow, hf, keras], key=lambda b: best_sort_value(b, False))
    assert ordered == [keras, hf, mlflow]
    assert best_sort_value(None, False) == ""
