"""Role choice by shape: a one-point summary record never wins over a curve, and the densest train
loss that spans the run wins over a coarse duplicate, with the reason written down."""

from __future__ import annotations

from reportgen.readers.roles import SeriesShape, choose_roles, infer_roles


def test_a_one_point_summary_record_is_not_the_train_loss() -> None:
    # Hugging Face's end-of-training line: `train_loss` once, beside 77 per-step `loss` records
    shapes = {
        "loss": SeriesShape(77, 760),
        "train_loss": SeriesShape(1, 0),
        "eval_loss": SeriesShape(2, 380),
    }
    choice = choose_roles(list(shapes), shapes=shapes)
    assert choice.roles == {"train_loss": "loss", "val_loss": "eval_loss"}
    assert choice.notes == (
        "train loss: 'loss' (77 points) rather than 'train_loss', a one-point summary record",
    )


def test_a_one_point_series_still_plays_a_role_nothing_else_fits() -> None:
    shapes = {"train_loss": SeriesShape(1, 0), "val_loss": SeriesShape(1, 0)}
    assert choose_roles(list(shapes), shapes=shapes).roles == {
        "train_loss": "train_loss",
        "val_loss": "val_loss",
    }


def test_a_one_point_validation_record_gives_way_to_a_validation_curve() -> None:
    shapes = {
        "loss": SeriesShape(50, 49),
        "val_loss": SeriesShape(1, 0),
        "valid_loss": SeriesShape(10, 45),
    }
    roles = choose_roles(list(shapes), shapes=shapes).roles
    assert roles["val_loss"] == "valid_loss"


def test_the_densest_train_loss_wins_over_a_per_epoch_duplicate() -> None:
    # a JSONL step log with an epoch summary line: per-step `loss`, 3-point per-epoch `train_loss`
    shapes = {
        "loss": SeriesShape(1988, 1987),
        "train_loss": SeriesShape(3, 1900),
        "val_loss": SeriesShape(3, 1900),
    }
    choice = choose_roles(list(shapes), shapes=shapes)
    assert choice.roles == {"train_loss": "loss", "val_loss": "val_loss"}
    assert choice.notes == (
        "train loss: 'loss' (1988 points) rather than 'train_loss' (3 points): the densest series of the role is the curve",
    )


def test_a_dense_series_of_only_part_of_the_run_is_not_the_curve() -> None:
    # per-step loss logged for the first 100 of 2000 steps; per-epoch loss over all of them
    shapes = {"loss_step": SeriesShape(100, 99), "loss_epoch": SeriesShape(20, 1999)}
    choice = choose_roles(list(shapes), shapes=shapes)
    assert choice.roles == {"train_loss": "loss_epoch"}
    assert choice.notes == (
        "train loss: 'loss_epoch' (20 points) rather than 'loss_step' (100 points): the densest series of the role is the curve",
    )


def test_lightning_step_and_epoch_losses_keep_both_roles() -> None:
    shapes = {
        "train_loss_step": SeriesShape(2814, 28140),
        "train_loss_epoch": SeriesShape(10, 28000),
    }
    choice = choose_roles(list(shapes), shapes=shapes)
    assert choice.roles == {"train_loss": "train_loss_step", "train_loss_epoch": "train_loss_epoch"}
    assert choice.notes == ()


def test_equal_density_keeps_the_table_order() -> None:
    shapes = {"train_loss": SeriesShape(10, 9), "loss": SeriesShape(10, 9)}
    assert choose_roles(list(shapes), shapes=shapes).roles == {"train_loss": "train_loss"}


def test_the_pattern_fallback_sets_summary_records_aside() -> None:
    shapes = {"train/focal_loss": SeriesShape(100, 99), "train/final_loss": SeriesShape(1, 0)}
    assert choose_roles(list(shapes), shapes=shapes).roles == {"train_loss": "train/focal_loss"}
    # without shapes, two fitting names are a guess, as before
    assert infer_roles(list(shapes)) == {}


def test_an_override_is_never_second_guessed() -> None:
    shapes = {"loss": SeriesShape(1988, 1987), "train_loss": SeriesShape(3, 1900)}
    choice = choose_roles(list(shapes), {"train_loss": "train_loss"}, shapes)
    assert choice.roles == {"train_loss": "train_loss"}
    assert choice.notes == ()


def test_tf1_cross_entropy_is_a_loss() -> None:
    assert infer_roles(["cross_entropy_1", "accuracy_1"]) == {"train_loss": "cross_entropy_1"}
    assert infer_roles(["train/cross_entropy_1", "test/cross_entropy_1"]) == {
        "train_loss": "train/cross_entropy_1",
        "test_loss": "test/cross_entropy_1",
    }
