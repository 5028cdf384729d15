"""Which logged series plays which role (train loss, validation loss, ...).

Names are normalised (lower case, '/', '-', ' ' and '.' become '_') and matched against the table
below in order: the first candidate present wins. docs/metric-roles.md shows this table; keep them
together. A manifest's `metrics:` mapping overrides any inferred role.
"""

from __future__ import annotations

import re

# role -> candidate normalised names, most specific first. Per-step train loss is preferred for
# `train_loss`; the per-epoch aggregate gets its own role so both stay available.
ROLE_CANDIDATES: dict[str, tuple[str, ...]] = {
    "train_loss": (
        "train_loss",
        "train_loss_step",
        "training_loss",
        "train_epoch_loss",
        "loss",
        "loss_step",
        "train_batch_loss",
        "trn_loss",
        "tr_loss",
        "tr_ls",
        "train_ls",
        "train_nll_loss",
        "train_total_loss",
        "total_loss",
        "train_loss_epoch",
        "epoch_loss",
        "loss_epoch",
    ),
    "train_loss_epoch": (
        "train_loss_epoch",
        "loss_epoch",
        "epoch_loss",
        "train_epoch_loss",
        "train_epoch_loss_epoch",
    ),
    "val_loss": (
        "val_loss",
        "val_loss_epoch",
        "validation_loss",
        "valid_loss",
        "eval_loss",
        "validation_epoch_loss",
        "val_epoch_loss",
        "dev_loss",
        "val_ls",
        "valid_ls",
        "val_loss_step",
        "val_nll_loss",
        "val_total_loss",
        "validation_loss_epoch",
    ),
    "test_loss": ("test_loss", "test_loss_epoch", "test_epoch_loss", "predict_loss"),
    "train_acc": (
        "train_acc",
        "train_accuracy",
        "training_accuracy",
        "acc",
        "accuracy",
        "train_acc_epoch",
        "train_accuracy_epoch",
        "train_acc_step",
        "epoch_accuracy",
        "train_epoch_accuracy",
    ),
    "val_acc": (
        "val_acc",
        "val_accuracy",
        "validation_accuracy",
        "valid_acc",
        "valid_accuracy",
        "eval_accuracy",
        "eval_acc",
        "val_acc_epoch",
        "val_accuracy_epoch",
        "validation_epoch_accuracy",
        "dev_acc",
    ),
    "learning_rate": (
        "learning_rate",
        "lr",
        "train_learning_rate",
        "train_lr",
        "lr_adam",
        "lr_adamw",
        "lr_sgd",
    ),
}

# When no exact name matches: a loss series named with a split prefix, if exactly one series
# fits (one of several GAN or detection losses would be a guess, so none is taken).
ROLE_PATTERNS: dict[str, str] = {
    "train_loss": r"(train|training|trn|tr)_\w*loss",
    "val_loss": r"(val|valid|validation|eval|dev)_\w*loss",
    "test_loss": r"test_\w*loss",
}


def normalise(name: str) -> str:
    return re.sub(r"[/\-\s.]+", "_", name.strip().lower()).strip("_")


def infer_roles(
    names: list[str] | tuple[str, ...], overrides: dict[str, str] | None = None
) -> dict[str, str]:
    """Map each role to the series name that plays it. Overrides (role -> name) win; a series
    is given at most one role, except that train_loss and train_loss_epoch may share one when it
    is the only train loss."""
    overrides = dict(overrides or {})
    by_norm: dict[str, str] = {}
    for name in sorted(names):
        by_norm.setdefault(normalise(name), name)
    roles: dict[str, str] = {}
    taken: set[str] = set(overrides.values())
    for role, candidates in ROLE_CANDIDATES.items():
        if role in overrides:
            roles[role] = overrides[role]
            continue
        for cand in candidates:
            name = by_norm.get(cand)
            if name is None:
                continue
            if name in taken and not (
                role == "train_loss_epoch" and roles.get("train_loss") == name
            ):
                continue
            roles[role] = name
            if role != "train_loss_epoch":
                taken.add(name)
            break
    for role, pattern in ROLE_PATTERNS.items():
        if role in roles:
            continue
        fits = sorted(
            name
            for norm, name in by_norm.items()
            if name not in taken and re.fullmatch(pattern, norm)
        )
        if len(fits) == 1:
            roles[role] = fits[0]
            taken.add(fits[0])
    # train_loss_epoch only matters when it differs from train_loss
    if roles.get("train_loss_epoch") == roles.get("train_loss"):
        roles.pop("train_loss_epoch", None)
    return roles
