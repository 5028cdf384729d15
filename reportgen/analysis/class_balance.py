"""Class-balance tables: per-split counts and percentages, imbalance ratio, normalised
entropy, missing classes, and between-split Jensen-Shannon divergence and chi-square test
against the training split, with their flags. Pure: counts in, BalanceTable out."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from reportgen.analysis.util import chi2_survival, num
from reportgen.model import AnalysisConfig, Flag

TRAIN_NAMES = ("train", "training", "trn", "tr")


@dataclass(frozen=True)
class SplitShift:
    """How one split's class mix differs from the reference (training) split."""

    split: str
    jsd: float  # Jensen-Shannon divergence in bits, 0 (same mix) .. 1 (disjoint classes)
    chi2: float  # Pearson chi-square of the 2 x K table (reference vs this split)
    dof: int
    p_value: float


@dataclass(frozen=True)
class BalanceTable:
    classes: tuple[str, ...]  # class keys, in display order
    names: tuple[str, ...]  # display names (the key when no name is known)
    splits: tuple[str, ...]
    counts: dict[str, tuple[int, ...]]  # split -> count per class, in `classes` order
    percentages: dict[str, tuple[float, ...]]  # split -> percent per class (0 when empty)
    totals: dict[str, int]
    imbalance_ratio: dict[str, float | None]  # max / min over classes present; None if < 2
    normalised_entropy: dict[str, float | None]  # H / ln K over all K classes, 1 = balanced
    missing: dict[str, tuple[str, ...]]  # classes (display names) with no example in a split
    reference: str | None  # the split others are compared with
    shifts: tuple[SplitShift, ...]
    flags: tuple[Flag, ...]


def _class_order(
    keys: set[str], class_names: Mapping[str, str] | Sequence[str] | None
) -> list[str]:
    """Declared classes first in their declared order, then the rest: integer-like keys
    numerically, others alphabetically."""
    declared: list[str] = []
    if isinstance(class_names, Mapping):
        declared = list(class_names)
    elif class_names is not None:
        declared = [str(i) for i in range(len(class_names))]
    rest = sorted(
        (k for k in keys if k not in declared),
        key=lambda k: (0, int(k), "") if re.fullmatch(r"-?\d+", k) else (1, 0, k),
    )
    return [str(k) for k in declared] + rest


def _names(classes: list[str], class_names: Mapping[str, str] | Sequence[str] | None) -> list[str]:
    if class_names is None:
        return classes
    if isinstance(class_names, Mapping):
        lookup = {str(k): str(v) for k, v in class_names.items()}
    else:
        lookup = {str(i): str(v) for i, v in enumerate(class_names)}
    return [lookup.get(c, c) for c in classes]


def _reference(splits: list[str], totals: dict[str, int]) -> str | None:
    """The split named like "train" (exact names first, then names starting with it), else the
    largest split; None when there is a single split."""
    if len(splits) < 2:
        return None
    low = {s: s.lower() for s in splits}
    for s in splits:
        if low[s] in TRAIN_NAMES:
            return s
    for s in splits:
        if low[s].startswith("train"):
            return s
    return max(splits, key=lambda s: (totals[s], [-ord(ch) for ch in s]))


def jensen_shannon(p: np.ndarray, q: np.ndarray) -> float:
    """JSD(p, q) in bits between two count (or probability) vectors."""
    p = p / p.sum()
    q = q / q.sum()
    m = 0.5 * (p + q)

    def kl(a: np.ndarray) -> float:
        nz = a > 0
        return float(np.sum(a[nz] * np.log2(a[nz] / m[nz])))

    return max(0.0, 0.5 * kl(p) + 0.5 * kl(q))


def chi_square_homogeneity(a: np.ndarray, b: np.ndarray) -> tuple[float, int, float]:
    """Pearson chi-square test that two count vectors come from one class distribution
    (the 2 x K contingency table, classes absent from both dropped): (statistic, dof, p)."""
    keep = (a + b) > 0
    a, b = a[keep].astype(np.float64), b[keep].astype(np.float64)
    k = a.shape[0]
    na, nb = a.sum(), b.sum()
    if k < 2 or na == 0 or nb == 0:
        return 0.0, 0, 1.0
    col = a + b
    ea, eb = col * na / (na + nb), col * nb / (na + nb)
    stat = float(np.sum((a - ea) ** 2 / ea) + np.sum((b - eb) ** 2 / eb))
    return stat, k - 1, float(chi2_survival(k - 1, stat))


def _split_label(split: str) -> str:
    return "the dataset" if split == "all" else f"the {split} split"


def balance_table(
    counts: Mapping[str, Mapping[str | int, int]],
    class_names: Mapping[str, str] | Sequence[str] | None = None,
    config: AnalysisConfig | None = None,
) -> BalanceTable:
    """BalanceTable for counts per split ({split: {class: count}}; class keys are compared as
    strings). `class_names` maps class keys to display names (a sequence maps 0..K-1); declared
    classes count as classes even when no split has an example of them.

    Raises ValueError for a negative or non-integer count, or no splits.
    """
    cfg = config or AnalysisConfig()
    if not counts:
        raise ValueError("no class counts given")
    splits = list(counts)  # the caller's order (train, val, test as written)
    clean: dict[str, dict[str, int]] = {}
    for s in splits:
        row: dict[str, int] = {}
        for k, v in counts[s].items():
            if isinstance(v, bool) or not float(v).is_integer() or v < 0:
                raise ValueError(
                    f"class {k!r} in split {s!r} has count {v!r}; expected a whole number >= 0"
                )
            row[str(k)] = row.get(str(k), 0) + int(v)
        clean[s] = row
    keys = set().union(*(set(r) for r in clean.values()))
    classes = _class_order(keys, class_names)
    names = _names(classes, class_names)
    mat = {s: np.array([clean[s].get(c, 0) for c in classes], dtype=np.int64) for s in splits}
    totals = {s: int(mat[s].sum()) for s in splits}
    k = len(classes)
    pct: dict[str, tuple[float, ...]] = {}
    ratio: dict[str, float | None] = {}
    entropy: dict[str, float | None] = {}
    missing: dict[str, tuple[str, ...]] = {}
    for s in splits:
        m, tot = mat[s], totals[s]
        pct[s] = tuple(float(100.0 * x / tot) if tot else 0.0 for x in m.tolist())
        present = m[m > 0]
        ratio[s] = float(present.max() / present.min()) if present.shape[0] >= 2 else None
        if tot and k >= 2:
            p = present / tot
            entropy[s] = max(0.0, float(-np.sum(p * np.log(p)) / math.log(k)))  # no -0.0
        else:
            entropy[s] = None
        missing[s] = tuple(names[i] for i in range(k) if m[i] == 0)
    ref = _reference(splits, totals)
    shifts: list[SplitShift] = []
    if ref is not None and totals[ref] > 0:
        for s in splits:
            if s == ref or totals[s] == 0:
                continue
            stat, dof, p = chi_square_homogeneity(mat[ref], mat[s])
            shifts.append(
                SplitShift(
                    s, jensen_shannon(mat[ref].astype(float), mat[s].astype(float)), stat, dof, p
                )
            )
    flags = _flags(splits, names, mat, totals, ratio, missing, ref, shifts, cfg)
    return BalanceTable(
        classes=tuple(classes),
        names=tuple(names),
        splits=tuple(splits),
        counts={s: tuple(int(x) for x in mat[s].tolist()) for s in splits},
        percentages=pct,
        totals=totals,
        imbalance_ratio=ratio,
        normalised_entropy=entropy,
        missing=missing,
        reference=ref,
        shifts=tuple(shifts),
        flags=tuple(flags),
    )


def _flags(
    splits: list[str],
    names: list[str],
    mat: dict[str, np.ndarray],
    totals: dict[str, int],
    ratio: dict[str, float | None],
    missing: dict[str, tuple[str, ...]],
    ref: str | None,
    shifts: list[SplitShift],
    cfg: AnalysisConfig,
) -> list[Flag]:
    out: list[Flag] = []
    for s in splits:
        r = ratio[s]
        if r is not None and r >= cfg.imbalance_ratio:
            m = mat[s]
            present = np.nonzero(m > 0)[0]
            i_max = int(present[np.argmax(m[present])])
            i_min = int(present[np.argmin(m[present])])
            out.append(
                Flag(
                    kind="class_imbalance",
                    severity="warning",
                    message=(
                        f"Classes in {_split_label(s)} are imbalanced: the largest "
                        f"({names[i_max]}, {int(m[i_max]):,} examples) has {r:.0f}\u00d7 as many "
                        f"as the smallest ({names[i_min]}, {int(m[i_min]):,})."
                    ),
                    evidence={
                        "criterion": "max_min_ratio",
                        "split": s,
                        "ratio": num(r, 6),
                        "threshold": num(cfg.imbalance_ratio),
                        "largest_class": names[i_max],
                        "largest_count": int(m[i_max]),
                        "smallest_class": names[i_min],
                        "smallest_count": int(m[i_min]),
                    },
                )
            )
    for s in splits:
        if not missing[s] or totals[s] == 0:
            continue
        gone = missing[s]
        listed = ", ".join(gone[:5]) + (f" and {len(gone) - 5} more" if len(gone) > 5 else "")
        noun = "Class" if len(gone) == 1 else "Classes"
        verb = "has" if len(gone) == 1 else "have"
        out.append(
            Flag(
                kind="class_missing",
                severity="warning",
                message=f"{noun} {listed} {verb} no examples in {_split_label(s)}.",
                evidence={"split": s, "missing": list(gone), "count": len(gone)},
            )
        )
    for sh in shifts:
        if sh.jsd >= cfg.shift_jsd and sh.p_value < cfg.shift_p:
            out.append(
                Flag(
                    kind="distribution_shift",
                    severity="warning",
                    message=(
                        f"The class mix of the {sh.split} split differs from the {ref} split "
                        f"(Jensen-Shannon divergence {sh.jsd:.3f} bits, chi-square p = {sh.p_value:.2g})."
                    ),
                    evidence={
                        "criterion": "jsd_and_chi_square",
                        "split": sh.split,
                        "reference": ref,
                        "jsd_bits": num(sh.jsd, 6),
                        "jsd_threshold": num(cfg.shift_jsd),
                        "chi2": num(sh.chi2, 6),
                        "dof": sh.dof,
                        "p_value": num(sh.p_value, 6),
                        "p_threshold": num(cfg.shift_p),
                    },
                )
            )
    return out
