"""Which logged series plays which role (train loss, validation loss, ...).

Names are normalised (lower case, '/', '-', ' ' and '.' become '_') and matched against the table
below in order: the first candidate present wins (for the train loss, the densest of the fitting
series; a one-point summary record never wins over a curve). docs/metric-roles.md shows this table; keep them
together. A manifest's `metrics:` mapping overrides any inferred role.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reportgen.model import Series

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
        # TF1 tutorials name the loss by what it computes; `_1` is TensorFlow's name uniquifier
        "cross_entropy",
        "cross_entropy_1",
        "xent",
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
    "train_loss": r"(train|training|trn|tr)_\w*(loss|cross_entropy(_1)?|xent)",
    "val_loss": r"(val|valid|validation|eval|dev)_\w*(loss|cross_entropy(_1)?|xent)",
    "test_loss": r"test_\w*(loss|cross_entropy(_1)?|xent)",
}


# Roles where the densest of several fitting series wins (elsewhere the candidate order decides,
# once one-point summary records are set aside).
DENSEST_ROLES = ("train_loss",)
# A denser series must span at least this fraction of the widest fitting series' steps.
COVERAGE = 0.5


@dataclass(frozen=True)
class SeriesShape:
    """What role picking needs to know of a series: how many points, over how many steps."""

    points: int
    span: int

    @classmethod
    def of(cls, series: Series) -> SeriesShape:
        n = len(series)
        return cls(n, int(series.steps[-1] - series.steps[0]) if n else 0)


def shapes_of(series: dict[str, Series]) -> dict[str, SeriesShape]:
    return {name: SeriesShape.of(s) for name, s in series.items()}


@dataclass(frozen=True)
class RoleChoice:
    roles: dict[str, str]  # role -> series name
    notes: tuple[str, ...] = ()  # why a series was chosen over another fitting one


def normalise(name: str) -> str:
    return re.sub(r"[/\-\s.]+", "_", name.strip().lower()).strip("_")


def infer_roles(
    names: list[str] | tuple[str, ...],
    overrides: dict[str, str] | None = None,
    shapes: dict[str, SeriesShape] | None = None,
) -> dict[str, str]:
    """Map each role to the series name that plays it (see choose_roles)."""
    return choose_roles(names, overrides, shapes).roles


def choose_roles(
    names: list[str] | tuple[str, ...],
    overrides: dict[str, str] | None = None,
    shapes: dict[str, SeriesShape] | None = None,
) -> RoleChoice:
    """Map each role to the series name that plays it, with the reasons for any choice between
    several fitting series. Overrides (role -> name) win; a series is given at most one role,
    except that train_loss and train_loss_epoch may share one when it is the only train loss.
    With `shapes` (name -> points and step span), a one-point series (an end-of-training summary
    record) never plays a role a multi-point series could, and the train loss is the densest
    series that covers the run (a per-step `loss` over a per-epoch `train_loss`)."""
    overrides = dict(overrides or {})
    shapes = shapes or {}
    by_norm: dict[str, str] = {}
    for name in sorted(names):
        by_norm.setdefault(normalise(name), name)
    roles: dict[str, str] = {}
    notes: list[str] = []
    taken: set[str] = set(overrides.values())
    for role, candidates in ROLE_CANDIDATES.items():
        if role in overrides:
            roles[role] = overrides[role]
            continue
        fitting = []
        for cand in candidates:
            name = by_norm.get(cand)
            if name is None or name in fitting:
                continue
            if name in taken and not (
                role == "train_loss_epoch" and roles.get("train_loss") == name
            ):
                continue
            fitting.append(name)
        if not fitting:
            continue
        name, note = _pick(role, fitting, shapes)
        roles[role] = name
        if note and role != "train_loss_epoch":
            notes.append(note)
        if role != "train_loss_epoch":
            taken.add(name)
    for role, pattern in ROLE_PATTERNS.items():
        if role in roles:
            continue
        fits = sorted(
            name
            for norm, name in by_norm.items()
            if name not in taken and re.fullmatch(pattern, norm)
        )
        fits = _without_summaries(fits, shapes)
        if len(fits) == 1:
            roles[role] = fits[0]
            taken.add(fits[0])
    # train_loss_epoch only matters when it differs from train_loss
    if roles.get("train_loss_epoch") == roles.get("train_loss"):
        roles.pop("train_loss_epoch", None)
    return RoleChoice(roles, tuple(notes))


def _without_summaries(names: list[str], shapes: dict[str, SeriesShape]) -> list[str]:
    """Names without the one-point series, unless every one of them has a single point."""
    curves = [n for n in names if n not in shapes or shapes[n].points > 1]
    return curves or names


def _pick(role: str, fitting: list[str], shapes: dict[str, SeriesShape]) -> tuple[str, str | None]:
    """The series that plays `role` among the fitting ones (in candidate order), and a note
    saying why when it is not simply the first."""
    first = fitting[0]
    curves = [n for n in _without_summaries(fitting, shapes) if n in shapes] if shapes else []
    if not curves:
        return first, None
    chosen = curves[0]
    if role in DENSEST_ROLES:
        # A coarse duplicate (per-epoch means) loses to a denser series of the same role, as long
        # as the denser one spans most of the run: a per-step log of only the first epoch is not
        # the faithful curve.
        widest = max(shapes[n].span for n in curves)
        faithful = [n for n in curves if shapes[n].span >= COVERAGE * widest]
        chosen = max(faithful, key=lambda n: (shapes[n].points, -curves.index(n)))
    if chosen == first:
        return chosen, None
    label = role.replace("_", " ")
    if shapes[first].points <= 1 < shapes[chosen].points:
        return chosen, (
            f"{label}: {chosen!r} ({shapes[chosen].points} points) rather than {first!r}, "
            "a one-point summary record"
        )
    return chosen, (
        f"{label}: {chosen!r} ({shapes[chosen].points} points) rather than {first!r} "
        f"({shapes[first].points} points): the densest series of the role is the curve"
    )
