"""Labelled benchmark for the analysis flags: precision and recall per flag kind.

Usage:  python bench/bench_flags.py [--realogs PATH] [--verbose]

Synthetic families (known ground truth by construction) across noise levels, plus the real
logs in ../shared/realogs that read_log parses today, labelled by hand below (REAL_LABELS).
Ground truth for `plateau` on synthetic curves is ReduceLROnPlateau's rule applied to the
noise-free curve (so it measures robustness to noise); every other label is fixed by how the
curve was built. Prints one table; exit code 0.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reportgen.analysis import analyse
from reportgen.analysis.plateau import plateau_windows, stalled_windows
from reportgen.model import AnalysisConfig, RunData, RunSpec, Series

KINDS = (
    "overfitting",
    "underfitting",
    "divergence",
    "instability",
    "got_worse",
    "generalisation_gap",
    "still_improving",
    "plateau",
)
CFG = AnalysisConfig()


@dataclass(frozen=True)
class Case:
    name: str
    family: str
    run: RunData
    expected: frozenset[str]
    clean: bool  # a healthy run: no warning or error should fire
    unscored: frozenset[str] = frozenset()  # kinds whose truth is ambiguous for this curve


def make_run(
    name: str,
    train: Series | None,
    val: Series | None,
    *,
    x: str = "step",
    loss: str | None = None,
    k: int | None = None,
) -> RunData:
    series = {s.name: s for s in (train, val) if s is not None}
    roles = {}
    if train is not None:
        roles["train_loss"] = train.name
    if val is not None:
        roles["val_loss"] = val.name
    spec = RunSpec(name=name, path=Path(f"{name}.yaml"), logs=(), loss=loss, num_classes=k)
    return RunData(spec=spec, series=series, roles=roles, hparams={}, sources=(), x=x)


def ser(
    name: str, steps: np.ndarray, values: np.ndarray, epoch: np.ndarray | None = None
) -> Series:
    return Series(
        name,
        np.asarray(steps, dtype=np.int64),
        np.asarray(values, dtype=np.float64),
        None if epoch is None else np.asarray(epoch, dtype=np.float64),
    )


def plateau_truth(clean_train: np.ndarray) -> bool | None:
    """ReduceLROnPlateau's rule on the noise-free curve, its windows kept when they are stalls
    rather than convergence (stalled_windows): True when a stall is found even with a threshold
    3x stricter, False when none is found even with one 3x looser, None (not scored) in
    between, where a noise-free curve improves about as fast as the threshold."""
    y = clean_train[np.isfinite(clean_train)]
    n = y.shape[0]
    patience = max(CFG.plateau_patience, int(CFG.plateau_min_fraction * n))
    if n <= patience + 1:
        return False
    strict, loose = CFG.replace(plateau_threshold=CFG.plateau_threshold / 3), CFG.replace(
        plateau_threshold=CFG.plateau_threshold * 3
    )
    if stalled_windows(y, plateau_windows(y, strict.plateau_threshold, patience), strict):
        return True
    if not stalled_windows(y, plateau_windows(y, loose.plateau_threshold, patience), loose):
        return False
    return None


def still_truth(clean_train: np.ndarray) -> bool | None:
    """Still improving on the noise-free curve: the share of its whole drop made over the last
    still_window of its points. True above 1.5x still_min_drop, False below half of it, None
    (not scored) in between."""
    y = clean_train[np.isfinite(clean_train)]
    n = y.shape[0]
    k = max(10, int(round(CFG.still_window * n)))
    if n < 2 * k:
        return False
    total = float(np.max(y[: max(1, n // 10)])) - float(y[-1])
    if total <= 0:
        return False
    # the detector's measure: the fall of a least-squares line over the last k points
    slope = float(np.polyfit(np.arange(k, dtype=np.float64), y[-k:], 1)[0])
    share = -slope * (k - 1) / total
    if share >= 1.5 * CFG.still_min_drop:
        return True
    if share <= 0.5 * CFG.still_min_drop:
        return False
    return None


# ---- synthetic families ---------------------------------------------------------------------


@dataclass
class Shape:
    epochs: int
    per_epoch: int  # train points logged per epoch
    steps_per_point: int
    c: float
    a: float
    tau: float  # in epochs
    power: bool
    alpha: float
    gap: float


def draw_shape(rng: np.random.Generator) -> Shape:
    return Shape(
        epochs=int(rng.integers(15, 101)),
        per_epoch=int(rng.choice([1, 5, 20, 50])),
        steps_per_point=int(rng.choice([1, 10, 50])),
        c=float(rng.uniform(0.05, 0.8)),
        a=float(rng.uniform(0.8, 3.0)),
        tau=float(rng.uniform(0.08, 0.3)),  # fraction of the run
        power=bool(rng.random() < 0.4),
        alpha=float(rng.uniform(0.5, 1.5)),
        gap=float(rng.uniform(0.02, 0.3)),
    )


def base_curve(s: Shape, t_epochs: np.ndarray, c: float) -> np.ndarray:
    u = t_epochs / s.epochs
    if s.power:
        return c + s.a * (1.0 + u / (s.tau / 3)) ** (-s.alpha)
    return c + s.a * np.exp(-u / s.tau)


def axes(s: Shape) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(train steps, train time in epochs, val steps, val epochs)."""
    n = s.epochs * s.per_epoch
    t_steps = (np.arange(1, n + 1) * s.steps_per_point).astype(np.int64)
    t_ep = np.arange(1, n + 1) / s.per_epoch
    v_ep = np.arange(1, s.epochs + 1, dtype=np.float64)
    v_steps = (v_ep * s.per_epoch * s.steps_per_point).astype(np.int64)
    return t_steps, t_ep, v_steps, v_ep


def noisy(rng: np.random.Generator, y: np.ndarray, rel: float) -> np.ndarray:
    return y * (1.0 + rel * rng.standard_normal(y.shape[0]))


def case(
    name: str,
    family: str,
    run: RunData,
    kinds: set[str],
    clean: bool,
    truth_curve: np.ndarray,
    unscored: set[str] = frozenset(),
) -> Case:
    """A Case whose plateau and still-improving labels come from the noise-free training curve
    (still improving is not scored where a stronger finding is expected)."""
    p = plateau_truth(truth_curve)
    st = still_truth(truth_curve)
    expected = set(kinds) | ({"plateau"} if p else set())
    unscored = set(unscored) | (set() if p is not None else {"plateau"})
    if kinds & {"overfitting", "divergence", "got_worse", "underfitting"} or st is None:
        unscored.add("still_improving")
    elif st:
        expected.add("still_improving")
    return Case(name, family, run, frozenset(expected), clean, frozenset(unscored))


def family_cases(seed: int, train_noise: float, val_noise: float) -> Iterator[Case]:
    rng = np.random.default_rng(seed)
    tag = f"s{seed}-tn{train_noise}-vn{val_noise}"

    def healthy(kind: str) -> Case:
        s = draw_shape(rng)
        ts, te, vs, ve = axes(s)
        clean = base_curve(s, te, s.c)
        if kind == "warmup":
            w = max(3, len(te) // 20)
            clean = clean.copy()
            clean[:w] = np.linspace(clean[w] * 0.9, clean[w] * 1.05, w)
        train = noisy(rng, clean, train_noise)
        val = noisy(rng, base_curve(s, ve, s.c + s.gap), val_noise)
        return case(
            f"{kind}-{tag}",
            kind,
            make_run(kind, ser("loss", ts, train), ser("val_loss", vs, val, ve)),
            set(),
            True,
            clean,
        )

    yield healthy("healthy")
    yield healthy("warmup")

    # a slight validation rise (3% of its minimum) inside noise: not overfitting
    s = draw_shape(rng)
    ts, te, vs, ve = axes(s)
    clean = base_curve(s, te, s.c * 0.5)
    vbase = base_curve(s, ve, s.c + s.gap)
    k = int(0.6 * s.epochs)
    v_clean = vbase + np.maximum(ve - k, 0) / (s.epochs - k) * 0.03 * vbase.min()
    yield case(
        f"mildrise-{tag}",
        "mild_val_rise",
        make_run(
            "mild",
            ser("loss", ts, noisy(rng, clean, train_noise)),
            ser("val_loss", vs, noisy(rng, v_clean, val_noise), ve),
        ),
        set(),
        True,
        clean,
    )

    # overfitting: validation minimum at epoch k, then a clear rise (GL at the end 20-150%)
    for variant in ("falling", "level"):
        s = draw_shape(rng)
        s.epochs = max(s.epochs, 15)
        ts, te, vs, ve = axes(s)
        # training loss keeps falling, or has levelled off (still not rising)
        clean = base_curve(s, te, s.c * (0.2 if variant == "falling" else 0.9))
        vbase = base_curve(s, ve, s.c + s.gap)
        k = max(3, int(rng.uniform(0.25, 0.65) * s.epochs))
        vmin = float(vbase[:k].min())
        target = rng.uniform(0.2, 1.5) * vmin
        p = float(rng.choice([1.0, 1.5, 2.0]))
        rise = np.maximum(ve - k, 0) ** p
        v_clean = vbase + target * rise / rise[-1]
        yield case(
            f"overfit-{variant}-{tag}",
            "overfit",
            make_run(
                "overfit",
                ser("loss", ts, noisy(rng, clean, train_noise)),
                ser("val_loss", vs, noisy(rng, v_clean, val_noise), ve),
            ),
            {"overfitting"},
            False,
            clean,
        )

    # epoch-level overfitting (Keras history style: x counts epochs)
    e = np.arange(1, int(rng.integers(12, 80)) + 1, dtype=np.float64)
    k = max(3, int(rng.uniform(0.25, 0.6) * e.shape[0]))
    tr = 0.02 + 1.5 * np.exp(-e / (0.2 * e.shape[0]))
    vb = 0.4 + 1.2 * np.exp(-e / (0.1 * e.shape[0]))
    v_clean = vb + rng.uniform(0.2, 1.0) * vb.min() * (np.maximum(e - k, 0) / (e[-1] - k)) ** 1.2
    yield case(
        f"overfit-epoch-{tag}",
        "overfit_epoch",
        make_run(
            "ofe",
            ser("loss", e, noisy(rng, tr, train_noise / 3), e),
            ser("val_loss", e, noisy(rng, v_clean, val_noise), e),
            x="epoch",
        ),
        {"overfitting"},
        False,
        tr,
    )

    # healthy epoch-level run (Keras style): nothing to flag
    e = np.arange(1, int(rng.integers(10, 80)) + 1, dtype=np.float64)
    tr = 0.1 + 1.5 * np.exp(-e / (rng.uniform(0.1, 0.4) * e.shape[0]))
    vb = tr + rng.uniform(0.02, 0.2)
    yield case(
        f"healthy-epoch-{tag}",
        "healthy_epoch",
        make_run(
            "he",
            ser("loss", e, noisy(rng, tr, train_noise / 3), e),
            ser("val_loss", e, noisy(rng, vb, val_noise), e),
            x="epoch",
        ),
        set(),
        True,
        tr,
    )

    # short, noisy validation curve that levels off (small validation sets): noise alone can
    # lift its end 10% above a lucky minimum, which must not read as overfitting
    e = np.arange(1, int(rng.integers(10, 41)) + 1, dtype=np.float64)
    tr = 0.1 + 1.5 * np.exp(-e / (0.2 * e.shape[0]))
    vb = 0.5 + 1.0 * np.exp(-e / (0.15 * e.shape[0]))
    yield case(
        f"noisyval-{tag}",
        "healthy_noisy_val",
        make_run(
            "nv",
            ser("loss", e, noisy(rng, tr, train_noise / 3), e),
            ser("val_loss", e, noisy(rng, vb, 2 * val_noise + 0.02), e),
            x="epoch",
        ),
        set(),
        True,
        tr,
    )

    # divergence: NaN from a random step (sometimes after a short blow-up)
    s = draw_shape(rng)
    ts, te, vs, ve = axes(s)
    clean = base_curve(s, te, s.c)
    train = noisy(rng, clean, train_noise)
    i = int(rng.uniform(0.3, 0.95) * len(ts))
    if rng.random() < 0.5:
        ramp = min(10, len(ts) - i)
        train[i - ramp : i] *= np.geomspace(1, 20, ramp)
    train[i:] = np.nan
    val = noisy(rng, base_curve(s, ve, s.c + s.gap), val_noise)
    val[vs >= ts[i]] = np.nan
    truth = clean.copy()
    truth[i:] = np.nan
    yield case(
        f"nan-{tag}",
        "diverge_nan",
        make_run("nan", ser("loss", ts, train), ser("val_loss", vs, val, ve)),
        {"divergence"},
        False,
        truth,
    )

    # divergence: the loss explodes back above where it started and stays there
    s = draw_shape(rng)
    ts, te, vs, ve = axes(s)
    clean = base_curve(s, te, s.c)
    i = int(rng.uniform(0.3, 0.85) * len(ts))
    level = clean[0] * rng.uniform(1.2, 4.0)
    clean[i:] = level
    vclean = base_curve(s, ve, s.c + s.gap)
    vclean[vs >= ts[i]] = level * 1.05
    yield case(
        f"explode-{tag}",
        "diverge_explode",
        make_run(
            "explode",
            ser("loss", ts, noisy(rng, clean, train_noise)),
            ser("val_loss", vs, noisy(rng, vclean, val_noise), ve),
        ),
        {"divergence"},
        False,
        clean,
    )

    # underfitting near chance: cross-entropy with K classes that barely moves from ln K
    s = draw_shape(rng)
    ts, te, vs, ve = axes(s)
    kcls = int(rng.choice([2, 3, 10, 100, 1000]))
    lnk = math.log(kcls)
    clean = lnk * (1.02 - rng.uniform(0.0, 0.07) * (1 - np.exp(-te / (0.2 * s.epochs))))
    yield case(
        f"chance-{tag}",
        "underfit_chance",
        make_run(
            "chance",
            ser("loss", ts, noisy(rng, clean, train_noise)),
            ser("val_loss", vs, noisy(rng, np.full(ve.shape, lnk * 1.01), val_noise), ve),
            loss="cross_entropy",
            k=kcls,
        ),
        {"underfitting"},
        False,
        clean,
    )

    # healthy cross-entropy run that learns well below chance: not underfitting
    s = draw_shape(rng)
    ts, te, vs, ve = axes(s)
    kcls = int(rng.choice([2, 10, 100]))
    lnk = math.log(kcls)
    clean = lnk * (0.05 + 0.95 * np.exp(-te / (s.tau * s.epochs)))
    vclean = lnk * (0.1 + 0.9 * np.exp(-ve / (s.tau * s.epochs)))
    yield case(
        f"learns-{tag}",
        "healthy_ce",
        make_run(
            "learns",
            ser("loss", ts, noisy(rng, clean, train_noise)),
            ser("val_loss", vs, noisy(rng, vclean, val_noise), ve),
            loss="cross_entropy",
            k=kcls,
        ),
        set(),
        True,
        clean,
    )

    # underfitting, no declared loss: flat training loss (falls by under 1%)
    s = draw_shape(rng)
    ts, te, vs, ve = axes(s)
    clean = rng.uniform(0.3, 3.0) * (1 - rng.uniform(0.0, 0.01) * te / s.epochs)
    yield case(
        f"flat-{tag}",
        "underfit_flat",
        make_run("flat", ser("loss", ts, noisy(rng, clean, train_noise)), None),
        {"underfitting"},
        False,
        clean,
    )

    # instability: a healthy curve with a few isolated spikes (2.5-6x the local level)
    s = draw_shape(rng)
    s.per_epoch = max(s.per_epoch, 5)
    ts, te, vs, ve = axes(s)
    clean = base_curve(s, te, s.c)
    train = noisy(rng, clean, train_noise)
    m = int(rng.integers(2, 6))
    where = rng.choice(np.arange(len(ts) // 10, len(ts) - len(ts) // 10), size=m, replace=False)
    train[where] = clean[where] * rng.uniform(2.5, 6.0, size=m)
    vclean = base_curve(s, ve, s.c + s.gap)
    yield case(
        f"spiky-{tag}",
        "spiky",
        make_run(
            "spiky", ser("loss", ts, train), ser("val_loss", vs, noisy(rng, vclean, val_noise), ve)
        ),
        {"instability"},
        False,
        clean,
    )

    yield from more_families(rng, tag, train_noise, val_noise)

    # healthy run with heavy-tailed minibatch noise (Student t, 5 degrees of freedom)
    s = draw_shape(rng)
    ts, te, vs, ve = axes(s)
    clean = base_curve(s, te, s.c)
    train = clean * np.exp(train_noise * rng.standard_t(5, size=clean.shape[0]))
    yield case(
        f"heavytail-{tag}",
        "healthy_heavy_tail",
        make_run(
            "ht",
            ser("loss", ts, train),
            ser("val_loss", vs, noisy(rng, base_curve(s, ve, s.c + s.gap), val_noise), ve),
        ),
        set(),
        True,
        clean,
    )

    # healthy run under step decay (loss drops at each LR cut) or cosine warm restarts (the
    # loss jumps up at each restart, by up to half of what it gained): neither is divergence
    for schedule in ("step", "sgdr"):
        s = draw_shape(rng)
        ts, te, vs, ve = axes(s)
        u = te / s.epochs
        if schedule == "step":
            clean = s.c + s.a * np.exp(-u / 0.1) * 0.5 + 0.5 * s.a * (0.6 ** np.floor(u * 4)) * 0.5
        else:
            cycles = int(rng.integers(2, 5))
            phase = (u * cycles) % 1.0
            envelope = s.c + s.a * np.exp(-u / 0.3)
            clean = envelope * (0.8 + 0.2 * np.cos(np.pi * phase)) + 0.2 * s.c
        train = noisy(rng, clean, train_noise)
        vclean = np.interp(vs, ts, clean) + s.gap  # evaluated at the end of each epoch
        yield case(
            f"{schedule}-{tag}",
            f"healthy_{schedule}",
            make_run(
                schedule,
                ser("loss", ts, train),
                ser("val_loss", vs, noisy(rng, vclean, val_noise), ve),
            ),
            set(),
            True,
            clean,
        )

    # plateau: falls, stalls for 30-40% of the run, then falls again after an LR drop
    s = draw_shape(rng)
    ts, te, vs, ve = axes(s)
    n = len(ts)
    a0, a1 = int(0.3 * n), int(rng.uniform(0.6, 0.7) * n)
    first = 1.0 + 1.5 * np.exp(-np.arange(a0) / (0.08 * n))
    flat = np.full(a1 - a0, first[-1])
    second = first[-1] - 0.5 * (1 - np.exp(-np.arange(n - a1) / (0.05 * n)))
    clean = np.concatenate([first, flat, second])
    yield case(
        f"plateau-{tag}",
        "plateau",
        make_run("plateau", ser("loss", ts, noisy(rng, clean, train_noise)), None),
        set(),
        False,
        clean,
    )


def more_families(rng: np.random.Generator, tag: str, train_noise: float, val_noise: float) -> Iterator[Case]:
    """The families the calibrated flags added: a single recovered blip, a run that thrashes
    back towards chance, one that got worse, a large generalisation gap, a run cut off while
    still falling, and negative losses (log-likelihoods) that improve or get worse."""
    # one recovered spike (1.3-2x the local level): a bad batch, not instability
    s = draw_shape(rng)
    s.per_epoch = max(s.per_epoch, 5)
    ts, te, vs, ve = axes(s)
    clean = base_curve(s, te, s.c)
    train = noisy(rng, clean, train_noise)
    j = int(rng.integers(len(ts) // 5, len(ts) - len(ts) // 5))
    train[j] = clean[j] * rng.uniform(1.3, 2.0)
    vclean = base_curve(s, ve, s.c + s.gap)
    yield case(
        f"blip-{tag}",
        "healthy_blip",
        make_run("blip", ser("loss", ts, train), ser("val_loss", vs, noisy(rng, vclean, val_noise), ve)),
        set(),
        True,
        clean,
    )

    # thrashing (lr far too high): falls, then the level creeps up and the loss jumps back
    # towards chance again and again; cross-entropy, so the chance level is known
    s = draw_shape(rng)
    s.per_epoch = max(s.per_epoch, 5)
    ts, te, vs, ve = axes(s)
    lnk = math.log(10)
    u = te / s.epochs
    clean = 0.35 * lnk + 0.65 * lnk * np.exp(-u / 0.05) + 0.1 * lnk * np.clip((u - 0.2) / 0.3, 0, 1)
    train = clean * np.exp(0.2 * rng.standard_normal(len(ts)))
    m = int(rng.integers(3, 7))
    where = rng.choice(np.arange(len(ts) // 4, len(ts) - 3), size=m, replace=False)
    train[where] = lnk * rng.uniform(0.85, 1.05, size=m)
    yield case(
        f"thrash-{tag}",
        "thrash",
        make_run(
            "thrash",
            ser("loss", ts, train),
            ser("val_loss", vs, noisy(rng, np.interp(vs, ts, clean) * 1.1, val_noise + 0.05), ve),
            loss="cross_entropy",
            k=10,
        ),
        {"instability"},
        False,
        clean,
        # its level creeps up and it learns little: "got worse", "underfitting" and a validation
        # rise are all defensible calls beside instability
        unscored={"got_worse", "underfitting", "overfitting"},
    )

    # training got worse: both losses fall, then both climb back 30-45% of the way (no NaN,
    # short of an explosion, which gives back half the progress at 3x the best level)
    s = draw_shape(rng)
    ts, te, vs, ve = axes(s)
    u = te / s.epochs
    k0 = rng.uniform(0.3, 0.6)
    drop = s.a * (1 - np.exp(-np.minimum(u, k0) / (k0 / 4)))
    back = rng.uniform(0.3, 0.45) * drop[-1] * np.clip((u - k0) / (1 - k0), 0, 1) ** 1.5
    clean = s.c + s.a - drop + back
    vclean = np.interp(vs, ts, clean) + s.gap
    yield case(
        f"worse-{tag}",
        "got_worse",
        make_run(
            "worse",
            ser("loss", ts, noisy(rng, clean, train_noise)),
            ser("val_loss", vs, noisy(rng, vclean, val_noise), ve),
        ),
        {"got_worse"},
        False,
        clean,
    )

    # a large generalisation gap: training loss goes near zero, validation levels off at
    # 40-70% of the chance level (no rise: not overfitting), like digits-mlp-imbalanced
    s = draw_shape(rng)
    ts, te, vs, ve = axes(s)
    lnk = math.log(10)
    tclean = lnk * (0.01 + 0.99 * np.exp(-te / (0.1 * s.epochs)))
    vlevel = lnk * rng.uniform(0.4, 0.7)
    vclean = vlevel + (lnk - vlevel) * np.exp(-ve / (0.1 * s.epochs))
    yield case(
        f"gap-{tag}",
        "gap",
        make_run(
            "gap",
            ser("loss", ts, noisy(rng, tclean, train_noise)),
            ser("val_loss", vs, noisy(rng, vclean, val_noise), ve),
            loss="cross_entropy",
            k=10,
        ),
        {"generalisation_gap"},
        False,
        tclean,
    )

    # cut off while still falling fast: the slow start of an exponential (tau 0.8-2 runs)
    s = draw_shape(rng)
    ts, te, vs, ve = axes(s)
    tau = rng.uniform(0.8, 2.0) * s.epochs
    clean = s.c + s.a * np.exp(-te / tau)
    vclean = s.c + s.gap + s.a * np.exp(-ve / tau)
    yield case(
        f"still-{tag}",
        "still_improving",
        make_run(
            "still",
            ser("loss", ts, noisy(rng, clean, train_noise)),
            ser("val_loss", vs, noisy(rng, vclean, val_noise), ve),
        ),
        set(),
        True,
        clean,
    )

    # negative losses (a negative log-likelihood below zero, an ELBO logged as loss): one that
    # improves from -1 to -5 (healthy), one that rises -5 -> -1.1 (got worse, not "flat")
    s = draw_shape(rng)
    ts, te, vs, ve = axes(s)
    good = -1.0 - 4.0 * (1 - np.exp(-te / (0.15 * s.epochs)))
    vgood = -0.8 - 4.0 * (1 - np.exp(-ve / (0.15 * s.epochs)))
    yield case(
        f"neg-good-{tag}",
        "negative_healthy",
        make_run(
            "neg",
            ser("loss", ts, good + train_noise * rng.standard_normal(len(ts))),
            ser("val_loss", vs, vgood + val_noise * rng.standard_normal(len(vs)), ve),
            loss="cross_entropy",
            k=10,
        ),
        set(),
        True,
        good,
    )
    bad = -5.0 + 3.9 * (te / te[-1]) ** 1.5
    vbad = -4.8 + 3.9 * (ve / ve[-1]) ** 1.5
    yield case(
        f"neg-worse-{tag}",
        "negative_got_worse",
        make_run(
            "negw",
            ser("loss", ts, bad + train_noise * rng.standard_normal(len(ts))),
            ser("val_loss", vs, vbad + val_noise * rng.standard_normal(len(vs)), ve),
        ),
        {"got_worse"},
        False,
        bad,
    )


def synthetic() -> list[Case]:
    cases: list[Case] = []
    seed = 0
    # relative noise (sd / level) of per-step training loss and of validation loss
    for train_noise in (0.005, 0.02, 0.08):
        for val_noise in (0.003, 0.01, 0.03):
            for _ in range(2):
                cases.extend(family_cases(seed, train_noise, val_noise))
                seed += 1
    return cases


# ---- real logs --------------------------------------------------------------------------------

# Hand labels for the real logs that read_log parses today, judged from their curves:
# path (relative to realogs) -> (expected kinds, kinds left unscored because a careful reader
# could argue either way). Plateau is not scored on real logs.
NONE: frozenset[str] = frozenset()
REAL_LABELS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    # validation loss flat around 0.72-0.76 after epoch 40 (GL about 4%): no overfitting
    "keras/Car-Prediction-CNN-Model__training.log": (NONE, NONE),
    "keras/Deteksi-Huruf-Hijaiyah---CNN__history.csv": (NONE, NONE),  # two epochs
    # one validation point at 7.4 among ~1.1-1.6: too short (17 epochs) to call instability
    "keras/Emotion-Detection-Resnet50__training.log": (NONE, frozenset({"instability"})),
    "keras/Pneumonia-Detection-Using-EfficientNetB0__fine_tuning_history.csv": (NONE, NONE),
    "keras/Pneumonia-Detection-Using-EfficientNetB0__training_history.csv": (NONE, NONE),
    # validation loss never improves (2.87 -> 2.99, very noisy) while training loss falls
    "keras/dogbreedai__history.csv": (NONE, frozenset({"overfitting"})),
    "keras/irfanet-10__training.log": (NONE, NONE),
    # validation loss climbs 0.48 -> 0.68 from the first epoch while training loss falls
    "keras/irfanet-10__training_logs191017_5_.log": (frozenset({"overfitting"}), NONE),
    "keras/irfanet-10__training_logs221017.log": (NONE, NONE),
    # training loss stuck at 85.8 for 365 epochs
    "lightning/Contact-Point-Detection__hall_of_fame__20200205__lightning_logs__metrics.csv": (
        frozenset({"underfitting"}),
        NONE,
    ),
    "lightning/Contact-Point-Detection__hall_of_fame__20200218__lightning_logs__metrics.csv": (
        NONE,
        NONE,
    ),
    # converged loss wobbling between 0.0003 and 0.003: no divergence; its validation loss
    # drifts from about 0.00037 to 0.0005 over the last 150 evaluations while training is
    # level: overfitting by GL, yet tiny in absolute terms, so either call is defensible
    "lightning/Gaussian-Mixture-Neural-Network__lightning_logs__version_0__metrics.csv": (
        NONE,
        frozenset({"overfitting"}),
    ),
    # per-batch MNIST loss between 0.001 and 0.46: heavy-tailed noise, not instability
    "lightning/cv-image-classification__lightning_logs__version_0__metrics.csv": (NONE, NONE),
    "lightning/opal-v2__lightning_logs__version_0__metrics.csv": (NONE, NONE),
    "lightning/slm_training__lightning_logs__version_0__metrics.csv": (NONE, NONE),
    "plain/Emotion-detection-system__training_history.csv": (NONE, NONE),
    # detectron2 loss bounces 7 -> 12 -> 14.6 -> 4.3 early on: arguably a spike
    "plain/Pothole_Detection_Model_RCNNs__output__metrics.json": (NONE, frozenset({"instability"})),
    "plain/detectron2_detection__output__metrics.json": (NONE, NONE),
    "plain/detectron2_training__output__metrics.json": (NONE, NONE),
    "plain/detr_custom_dcmha__detr-r50_log.txt": (NONE, NONE),
    "plain/detr_custom_dcmha__output__log.txt": (NONE, NONE),
    # validation loss 0.23 at epoch 6, 0.53 at the end, training loss still falling
    "plain/fastai-sportsball-classifier__history.csv": (frozenset({"overfitting"}), NONE),
    # -- logs that the hf_trainer, keras-json, mlflow and tensorboard readers parse --
    "hf_trainer/Checkpoint-of-CPT__trainer_state.json": (NONE, NONE),  # val 0.485 -> 0.492
    # validation 0.23 at its best, 0.29 at the end, very noisy, training loss halves
    "hf_trainer/DNABERT-2__trainer_state.json": (NONE, frozenset({"overfitting"})),
    # training loss falls to 0.12, climbs back to 0.31, drops to 0.18; validation 0.22 -> 0.42:
    # the whole run got worse after its start; it learned (0.83 -> 0.12), so not underfitting
    "hf_trainer/Whisper_Finetune__trainer_state.json": (NONE, frozenset({"overfitting"})),
    "hf_trainer/falcon-lora-imdb-sentiment__trainer_state.json": (NONE, NONE),
    "hf_trainer/lora-imdb-distilbert__trainer_state.json": (NONE, NONE),
    "hf_trainer/mT5-based-azerbaijani-news-summarize__trainer_state.json": (NONE, NONE),
    "hf_trainer/serial-lain-ai__trainer_state.json": (NONE, NONE),
    "hf_trainer/tinyLlama-finetune__trainer_state.json": (NONE, NONE),
    "hf_trainer/trainer_state_viz__trainer_state.json": (NONE, NONE),
    # training loss reaches 1e-4 (logged to 4 decimals); validation 0.32 -> 0.42
    "hf_trainer/whisper-large-v2-japanese-5k-steps__trainer_state.json": (
        frozenset({"overfitting"}),
        NONE,
    ),
    # validation 0.38 at epoch 16, 0.49 at the end while training loss halves
    "keras/BrainTumorClassification__training_history.json": (frozenset({"overfitting"}), NONE),
    "keras/COVID-CNN-CLASSIFIER__training_history.json": (NONE, NONE),
    "keras/dogbreedai__history.json": (NONE, frozenset({"overfitting"})),
    # validation 0.743 -> 0.789 (6%, below GL 10): not yet overfitting by the criterion
    "mlflow/AprendizajeProfundo__mlruns/2/6b4cd1fe891a4fea9d2ce37bfd9f028a": (NONE, NONE),
    "mlflow/AprendizajeProfundo__mlruns/2/6c64ac90eecd48428b6d443b305cef8e": (NONE, NONE),
    "mlflow/AprendizajeProfundo__mlruns/2/b0afb0275a4b4208bee6085f23b6c4ea": (NONE, NONE),
    "mlflow/AprendizajeProfundo__mlruns/2/eaa72819a13140e3a591621ee34415d7": (NONE, NONE),
    # validation loss jumps between 0.8 and 157 from epoch to epoch: chaos rather than spikes
    "mlflow/cracks_defect__mlruns/0/db71d7088d5642929471582e3a7f10bf": (
        NONE,
        frozenset({"instability"}),
    ),
    "mlflow/hydro-ml__mlruns/7/43063544e622472595c6899ad2287cd7": (NONE, NONE),
    "plain/EFFICIENTNET_B0-for-emotion-recognition-of-FER-2013-dataset__training_history.json": (
        NONE,
        NONE,
    ),
    "plain/EFFICIENTNET_B0-for-emotion-recognition-of-FER-2013-dataset__v7_2026-04-30_20-28__face_training_history.json": (
        NONE,
        NONE,
    ),
    "tensorboard/Contact-Point-Detection__hall_of_fame__20200218__lightning_logs__tf__events.out.tfevents.1581707986.Joon-Development.6496.1": (
        NONE,
        NONE,
    ),
    "tensorboard/cracks_defect__mlruns__0__db71d7088d5642929471582e3a7f10bf__artifacts__tensorboard_logs__train__events.out.tfevents.1610232762.pc.17504.5639.v2": (
        NONE,
        NONE,
    ),
    "tensorboard/cracks_defect__mlruns__0__db71d7088d5642929471582e3a7f10bf__artifacts__tensorboard_logs__validation__events.out.tfevents.1610232777.pc.17504.17205.v2": (
        NONE,
        frozenset({"instability"}),
    ),
    "tensorboard/cv-image-classification__lightning_logs__mnist_cnn__version_1__events.out.tfevents.1785443425.squirrels-iMac.local.1798.6": (
        NONE,
        NONE,
    ),
    "tensorboard/detectron2_training__output__events.out.tfevents.1737378888.LAPTOP-1BH8GF02.2695.0": (
        NONE,
        NONE,
    ),
    # validation loss 1.0 -> 1.85 while training loss goes to 0.002
    "tensorboard/irfanet-10__logs221017__events.out.tfevents.1508627367.brain": (
        frozenset({"overfitting"}),
        NONE,
    ),
    "tensorboard/serial-lain-ai__runs__Jun29_06-31-19_6a29ce405cda__events.out.tfevents.1719642696.6a29ce405cda.1269.0": (
        NONE,
        NONE,
    ),
    "tensorboard/tensorboard__tensorboard__functionaltests__testdata__events.out.tfevents.1476472047.localhost": (
        NONE,
        NONE,
    ),
    # one or two points: nothing to flag
    "tensorboard/cv-image-classification__lightning_logs__mnist_cnn__version_1__events.out.tfevents.1785443602.squirrels-iMac.local.1798.7": (
        NONE,
        NONE,
    ),
    "tensorboard/serial-lain-ai__runs__Jun29_06-31-19_6a29ce405cda__events.out.tfevents.1719645922.6a29ce405cda.1269.2": (
        NONE,
        NONE,
    ),
    "tensorboard/tensorboard__tensorboard__functionaltests__testdata__eval__events.out.tfevents.1476472058.localhost": (
        NONE,
        NONE,
    ),
}


def real_cases(root: Path) -> tuple[list[Case], list[str]]:
    from reportgen.errors import ReportgenError
    from reportgen.readers import read_log
    from reportgen.roles import infer_roles

    cases: list[Case] = []
    skipped: list[str] = []
    for line in (root / "INDEX.tsv").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        rel, _kind, expect = line.split("\t")[:3]
        if expect != "read":
            continue
        try:
            log = read_log(root / rel)
        except ReportgenError as exc:  # a reader missing today: report and go on
            skipped.append(f"{rel}: {str(exc)[:80]}")
            continue
        roles = infer_roles(list(log.series))
        if "train_loss" not in roles and "val_loss" not in roles:
            skipped.append(f"{rel}: no training or validation loss series")
            continue
        if rel not in REAL_LABELS:
            skipped.append(f"{rel}: not labelled")
            continue
        spec = RunSpec(name=rel, path=Path(rel), logs=())
        run = RunData(
            spec=spec,
            series=log.series,
            roles=roles,
            hparams={},
            sources=(),
            restarts=log.restarts,
            x="epoch" if log.x_is_epoch else "step",
        )
        expected, unscored = REAL_LABELS[rel]
        cases.append(Case(rel, "real", run, expected, not expected, unscored | {"plateau"}))
    return cases, skipped


# ---- scoring ----------------------------------------------------------------------------------


def score(cases: list[Case], verbose: bool) -> None:
    tp = dict.fromkeys(KINDS, 0)
    fp = dict.fromkeys(KINDS, 0)
    fn = dict.fromkeys(KINDS, 0)
    clean_total = clean_warn = clean_info = 0
    for case in cases:
        a = analyse(case.run)
        got = {f.kind for f in a.flags}
        for k in KINDS:
            if k in case.unscored:
                continue
            if k in got and k in case.expected:
                tp[k] += 1
            elif k in got:
                fp[k] += 1
                if verbose:
                    msgs = [f.message for f in a.flags if f.kind == k]
                    print(f"  FP {k:12s} {case.name}: {msgs[0]}")
            elif k in case.expected:
                fn[k] += 1
                if verbose:
                    print(f"  FN {k:12s} {case.name}")
        if case.clean:
            clean_total += 1
            if verbose:
                for f in a.flags:
                    if f.severity in ("error", "warning") and f.kind not in case.unscored:
                        print(f"  CLEAN-WARN {f.kind} {case.name}: {f.message}")
            clean_warn += any(
                f.severity in ("error", "warning") and f.kind not in case.unscored for f in a.flags
            )
            clean_info += any(f.severity == "info" for f in a.flags)
    print(f"{'kind':14s} {'TP':>5s} {'FP':>5s} {'FN':>5s} {'precision':>10s} {'recall':>8s}")
    for k in KINDS:
        prec = tp[k] / (tp[k] + fp[k]) if tp[k] + fp[k] else float("nan")
        rec = tp[k] / (tp[k] + fn[k]) if tp[k] + fn[k] else float("nan")
        print(f"{k:14s} {tp[k]:5d} {fp[k]:5d} {fn[k]:5d} {prec:10.3f} {rec:8.3f}")
    print(
        f"clean runs: {clean_total}; with a warning/error flag: {clean_warn}; "
        f"with an info flag (plateau): {clean_info}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(__file__).resolve().parents[1].parent / "shared" / "realogs"
    parser.add_argument(
        "--realogs", type=Path, default=Path(os.environ.get("REPORTGEN_REALOGS", default))
    )
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    syn = synthetic()
    fams: dict[str, int] = {}
    for c in syn:
        fams[c.family] = fams.get(c.family, 0) + 1
    print(
        f"synthetic curves: {len(syn)} ({', '.join(f'{k} {v}' for k, v in sorted(fams.items()))})"
    )
    score(syn, args.verbose)
    if args.realogs.is_dir():
        real, skipped = real_cases(args.realogs)
        print(
            f"\nreal logs: {len(real)} labelled and parsed; {len(skipped)} not scored "
            "(no reader today, no loss series, or not labelled)"
        )
        if args.verbose:
            for line in skipped:
                print(f"  skipped {line}")
        if real:
            score(real, args.verbose)
        print(f"\nall: {len(syn) + len(real)} curves")
        score(syn + real, False)
    else:
        print(f"\nreal logs not found at {args.realogs}; synthetic only")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
