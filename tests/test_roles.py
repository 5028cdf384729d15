"""Metric roles across naming conventions, and the table in docs/metric-roles.md kept in step."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportgen.readers.roles import ROLE_CANDIDATES, infer_roles, normalise


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["loss", "val_loss"], {"train_loss": "loss", "val_loss": "val_loss"}),
        (["train/loss", "eval/loss"], {"train_loss": "train/loss", "val_loss": "eval/loss"}),
        (
            ["train_loss", "validation/loss"],
            {"train_loss": "train_loss", "val_loss": "validation/loss"},
        ),
        (
            ["loss", "valid/loss", "test_loss"],
            {"train_loss": "loss", "val_loss": "valid/loss", "test_loss": "test_loss"},
        ),
        (
            ["loss", "eval_loss", "learning_rate"],
            {"train_loss": "loss", "val_loss": "eval_loss", "learning_rate": "learning_rate"},
        ),
        (["epoch_loss"], {"train_loss": "epoch_loss"}),
        (["loss_epoch"], {"train_loss": "loss_epoch"}),
        (
            ["train_loss_step", "train_loss_epoch", "val_loss"],
            {
                "train_loss": "train_loss_step",
                "train_loss_epoch": "train_loss_epoch",
                "val_loss": "val_loss",
            },
        ),
        (
            ["loss_step", "loss_epoch"],
            {"train_loss": "loss_step", "train_loss_epoch": "loss_epoch"},
        ),
        (
            ["train/epoch_loss", "validation/epoch_loss"],
            {"train_loss": "train/epoch_loss", "val_loss": "validation/epoch_loss"},
        ),
        (
            ["accuracy", "val_accuracy", "loss"],
            {"train_loss": "loss", "train_acc": "accuracy", "val_acc": "val_accuracy"},
        ),
        (
            ["lr-Adam", "train/nll_loss", "val/rmse_loss"],
            {
                "learning_rate": "lr-Adam",
                "train_loss": "train/nll_loss",
                "val_loss": "val/rmse_loss",
            },
        ),
        # two train losses (a GAN): no guess
        (["train_disc_loss", "train_gen_loss"], {}),
    ],
)
def test_conventions(names: list[str], expected: dict[str, str]) -> None:
    assert infer_roles(names) == expected


def test_override_wins_and_is_not_reused() -> None:
    roles = infer_roles(["loss", "val_loss", "train_gen_loss"], {"train_loss": "train_gen_loss"})
    assert roles == {"train_loss": "train_gen_loss", "val_loss": "val_loss"}


def test_docs_table_lists_every_candidate() -> None:
    doc = (Path(__file__).parents[1] / "docs" / "metric-roles.md").read_text(encoding="utf-8")
    rows = {}
    for line in doc.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and cells[0].startswith("`") and cells[0].strip("`") in ROLE_CANDIDATES:
            rows[cells[0].strip("`")] = [c.strip().strip("`") for c in cells[1].split(",")]
    assert rows == {role: list(c) for role, c in ROLE_CANDIDATES.items()}


def test_normalise() -> None:
    assert normalise(" Validation/Epoch-Loss ") == "validation_epoch_loss"
