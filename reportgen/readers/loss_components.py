"""Component losses and the total they add up to.

Detection and GAN trainers often log only the parts of their loss: YOLOv5 `train/box_loss`,
`train/obj_loss`, `train/cls_loss` (YOLOv8: `box`, `cls`, `dfl`), detectron2 `loss_cls`,
`loss_box_reg`, ... (usually with `total_loss`), a GAN `d_loss` and `g_loss`. When a split has no
total, its loss is the sum of its parts on the steps where every part is logged, kept as a derived
series (`train/loss_sum`) together with the names it was summed from, so the report can say so and
draw the parts on their own. docs/metric-roles.md describes the rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from reportgen.model import Series

# A split's prefix as written in a name ("train/", "val_", ...), the rest being the part's name.
_SPLITS = {
    "train": r"train|training|trn|tr",
    "val": r"val|valid|validation|eval|dev",
}
_PREFIX = re.compile(r"^(?P<split>[a-z]+)(?P<sep>[/_.\-])(?P<rest>.+)$")
# A part of a loss: `box_loss`, `loss_cls`, `loss_rpn_loc`, a GAN's `d_loss`, `loss_g`, `errD`.
_PART = re.compile(
    r"^(?:(?P<a>[a-z][a-z0-9_]*?)_loss|loss_(?P<b>[a-z][a-z0-9_]*)|err_?(?P<c>[dg]))$"
)
# Parts that are copies or pieces of other parts, never separate terms of the total: unweighted
# copies (DETR's `_unscaled`), per-layer auxiliary losses (`_aux_0`, `_dn_1`, `_0`) and the
# per-step/per-epoch twins of one logged value.
_NOT_A_TERM = re.compile(r"(_unscaled|_\d+|_aux\w*|_dn\w*|_enc\w*|_pre|_step|_epoch)$")
# More parts than this is not a loss made of a few terms (a per-class or per-layer breakdown).
MAX_PARTS = 8
# Every part must be logged on at least this fraction of the steps of the longest part.
MIN_SHARED = 0.5


@dataclass(frozen=True)
class DerivedTotal:
    """A split's loss computed as the sum of its logged parts."""

    split: str  # "train" | "val"
    name: str  # the derived series' name, e.g. "train/loss_sum"
    components: tuple[str, ...]  # the logged series it sums, in name order
    series: Series

    @property
    def description(self) -> str:
        return "sum of " + " + ".join(self.components)


def _split_of(name: str) -> tuple[str, str, str] | None:
    """(split, prefix as written, part) of a component loss name, or None when the name is not
    one. A name with no split prefix (detectron2's `loss_cls`, a GAN's `d_loss`) is a train part."""
    low = name.lower()
    match = _PREFIX.match(low)
    if match:
        for split, pattern in _SPLITS.items():
            if re.fullmatch(pattern, match["split"]):
                rest = match["rest"].replace("/", "_").replace("-", "_").replace(".", "_")
                return (split, name[: len(match["split"]) + 1], rest) if _is_part(rest) else None
    plain = low.replace("/", "_").replace("-", "_").replace(".", "_")
    return ("train", "", plain) if _is_part(plain) else None


def _is_part(rest: str) -> bool:
    match = _PART.match(rest)
    if not match or _NOT_A_TERM.search(rest):
        return False
    part = match["a"] or match["b"] or match["c"] or ""
    # `total_loss`, `train_loss` and the like are totals, not parts
    return part not in (
        "total",
        "train",
        "val",
        "valid",
        "eval",
        "test",
        "sum",
        "avg",
        "mean",
        "epoch",
        "step",
        "",
    )


def find_components(names: list[str]) -> dict[str, tuple[str, list[str]]]:
    """split -> (prefix as written, the component names), for each split with 2..MAX_PARTS parts."""
    groups: dict[tuple[str, str], list[str]] = {}
    for name in sorted(names):
        found = _split_of(name)
        if found is not None:
            groups.setdefault((found[0], found[1]), []).append(name)
    out: dict[str, tuple[str, list[str]]] = {}
    for split in _SPLITS:
        spellings = [(prefix, parts) for (s, prefix), parts in sorted(groups.items()) if s == split]
        if len(spellings) != 1:
            continue  # parts under two spellings of one split: which belong together is a guess
        prefix, parts = spellings[0]
        if 2 <= len(parts) <= MAX_PARTS and not _numbered(parts):
            out[split] = (prefix, parts)
    return out


def _numbered(names: list[str]) -> bool:
    """Parts told apart only by a number (`eval_g0_loss` ... `eval_g5_loss`) are one loss measured
    on several groups or layers, not terms of a sum."""
    return len({re.sub(r"\d+", "#", n) for n in names}) < len(names)


def sum_components(name: str, parts: list[Series]) -> Series | None:
    """The sum of `parts` on the steps where every part is logged; None when they share too few
    steps to be terms of one loss. A non-finite part makes that step's total non-finite."""
    shared = parts[0].steps
    for part in parts[1:]:
        shared = np.intersect1d(shared, part.steps, assume_unique=True)
    if len(shared) == 0 or len(shared) < MIN_SHARED * max(len(p) for p in parts):
        return None
    total = np.zeros(len(shared))
    for part in parts:
        total = total + part.values[np.searchsorted(part.steps, shared)]
    first = parts[0]
    index = np.searchsorted(first.steps, shared)
    return Series(
        name=name,
        steps=shared.astype(np.int64),
        values=total.astype(np.float64),
        epoch=None if first.epoch is None else first.epoch[index],
        wall_time=None if first.wall_time is None else first.wall_time[index],
    )


def derive_totals(series: dict[str, Series], splits: tuple[str, ...]) -> list[DerivedTotal]:
    """The summed loss of each of `splits` (the ones with no total logged) whose parts are logged."""
    found = find_components(list(series))
    out = []
    for split in splits:
        if split not in found:
            continue
        prefix, names = found[split]
        name = f"{prefix}loss_sum"
        if name in series:
            continue
        total = sum_components(name, [series[n] for n in names])
        if total is not None:
            out.append(DerivedTotal(split, name, tuple(names), total))
    return out
