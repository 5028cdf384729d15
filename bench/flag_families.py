"""Synthetic curve families for bench_flags.py, each with its ground truth by construction.

Ground truth for `plateau` and `still_improving` comes from the noise-free training curve (so
the benchmark measures robustness to noise); every other label is fixed by how the curve was
built.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reportgen.analysis.plateau import plateau_windows, stalled_windows
from reportgen.model import AnalysisConfig, RunData, RunSpec, Series

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
    k = max(5, int(round(CFG.still_window * n)))
    if n < k + 3:
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
