"""The flag glossary: every kind of finding in plain words, for the site's glossary page.

Each entry says what the flag means, the rule with its thresholds (read from an AnalysisConfig,
so the page shows the values the site was built with), what usually causes it, and how to
change or silence it. gate.FLAG_KINDS (what `--fail-on` accepts) is taken from here, so a new
kind cannot be flagged without being explained.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportgen.model import AnalysisConfig


@dataclass(frozen=True)
class GlossaryEntry:
    kind: str  # the flag kind, also the page anchor (glossary.html#overfitting)
    title: str
    severity: str  # "error" | "warning" | "info"
    meaning: str
    rule: str
    causes: str
    change: str


def _g(x: float) -> str:
    return f"{x:g}"


def glossary(cfg: AnalysisConfig | None = None) -> tuple[GlossaryEntry, ...]:
    """Every flag kind, sorted by kind, with the thresholds of `cfg` (the defaults when None)."""
    c = cfg if cfg is not None else AnalysisConfig()
    entries = (
        GlossaryEntry(
            "overfitting",
            "Overfitting",
            "warning",
            "Validation loss rose well above its best while training loss kept falling or stayed "
            "level: the model is learning the training set rather than the task.",
            f"On a running median of the validation loss, Prechelt's generalisation loss "
            f"GL = 100 × (loss / lowest loss so far − 1) ends above {_g(c.overfit_gl)}%, the rise "
            f"exceeds {_g(c.noise_z)} noise sigmas, the lowest point lies at least "
            f"{c.overfit_min_after} evaluations before the end (of at least {c.overfit_min_points}), "
            "and training loss rose by less than half as much. The onset is never before the best "
            "value.",
            "Too many epochs for the data, too little regularisation (dropout, weight decay, "
            "augmentation), a model too large for the dataset, a learning rate decayed too late.",
            f"Early stopping or keeping the best checkpoint. Tune with analysis: overfit_gl "
            f"(now {_g(c.overfit_gl)}) and noise_z; silence with overfit_gl: .inf.",
        ),
        GlossaryEntry(
            "underfitting",
            "Underfitting",
            "warning",
            "The training loss stayed near what guessing gives, or barely moved: the model learned "
            "little.",
            f"Training loss ends at or above {_g(c.underfit_ratio)} × the chance level (ln K for "
            "cross-entropy over K classes, ln 2 for binary cross-entropy, or analysis: baseline), or "
            f"it changed by less than {_g(100 * c.underfit_flat_drop)}% (plus two standard errors) "
            "over at least 20 points after no fast early drop. Losses below zero have no chance level "
            "and are judged by direction only.",
            "A learning rate far too small or far too large, a bug in the data pipeline (labels "
            "shuffled apart from inputs), frozen weights, a model too small.",
            f"Tune with analysis: underfit_ratio (now {_g(c.underfit_ratio)}), underfit_flat_drop "
            f"(now {_g(c.underfit_flat_drop)}) or baseline; silence with underfit_ratio: .inf and "
            "underfit_flat_drop: 0.",
        ),
        GlossaryEntry(
            "divergence",
            "Divergence",
            "error",
            "The loss went NaN or infinite, or exploded far above its best level. One divergence is "
            "one finding, with every piece of evidence (explosion first, then the non-finite values).",
            f"A loss value is NaN or ±inf; or the training loss trend rises above "
            f"{_g(c.diverge_factor)} × its lowest level so far while giving back at least "
            f"{_g(100 * c.diverge_progress)}% of the progress made, or climbs back above where it "
            f"started after falling by a third, in both cases by more than {_g(c.noise_z)} noise "
            "sigmas.",
            "A learning rate too high, no gradient clipping, mixed precision overflow, a bad batch "
            "(a NaN in the inputs), a log of zero.",
            f"Lower the learning rate, clip gradients, check the inputs. Tune the explosion rule "
            f"with analysis: diverge_factor (now {_g(c.diverge_factor)}) and diverge_progress; a "
            "non-finite loss is always reported.",
        ),
        GlossaryEntry(
            "instability",
            "Instability",
            "warning",
            "The loss jumped up again and again, or jumped and did not come back: training is "
            "unstable. A single spike the run recovers from (a bad batch) is not flagged.",
            f"Spikes: points whose distance from the running median is above {_g(c.spike_z)} robust "
            f"noise sigmas and at least {_g(100 * c.spike_min_rise)}% above the local level, at "
            f"least {c.instability_min_spikes} times (or once without recovering). Or thrashing: at "
            f"least {c.instability_min_spikes} separate climbs back giving up "
            f"{_g(100 * c.instability_regress)}% of the progress made (from the chance level when "
            "known), with the trend ending "
            f"{_g(100 * c.instability_unrecovered)}% of that progress above its lowest level.",
            "A learning rate too high for the batch size, no warm-up, outliers in the data, a loss "
            "scale that overflows.",
            f"Lower the learning rate or add warm-up and gradient clipping. Tune with analysis: "
            f"spike_z (now {_g(c.spike_z)}), instability_min_spikes, instability_regress; silence "
            "with spike_z: .inf and instability_regress: .inf.",
        ),
        GlossaryEntry(
            "got_worse",
            "Training got worse",
            "warning",
            "Training loss and validation loss (when logged) both ended clearly above their best, "
            "with no NaN and no explosion: the run undid part of its own progress.",
            f"Each loss ends above its best level by at least {_g(100 * c.worse_fraction)}% of the "
            f"progress made before that best and by more than {_g(c.noise_z)} noise sigmas "
            "(running-median levels; raw values for series under 30 points).",
            "A learning rate schedule that rises (warm restarts, a cyclic schedule), a learning rate "
            "too high for the fine-tuning, data that changed during training, catastrophic "
            "forgetting.",
            f"Keep the best checkpoint and lower the learning rate. Tune with analysis: "
            f"worse_fraction (now {_g(c.worse_fraction)}); silence with worse_fraction: .inf.",
        ),
        GlossaryEntry(
            "generalisation_gap",
            "Large generalisation gap",
            "warning",
            "At the end validation loss sits far above training loss, though it is not rising: the "
            "model fits the training set much better than new data.",
            f"At the last evaluation the validation trend is at least {_g(c.gap_ratio)} × the "
            f"training trend and the gap is at least {_g(100 * c.gap_fraction)}% of the task's "
            "loss scale (the chance level when known, else the starting training loss). Not raised "
            "when overfitting or training got worse already explain it.",
            "Too little training data, a validation set from another distribution (class balance, "
            "source), label noise in validation, heavy regularisation only at evaluation.",
            f"Check the splits and the class balance. Tune with analysis: gap_ratio (now "
            f"{_g(c.gap_ratio)}) and gap_fraction; silence with gap_ratio: .inf.",
        ),
        GlossaryEntry(
            "still_improving",
            "Still improving at the end",
            "info",
            "The training loss (and the validation loss, when logged) was still falling when the "
            "log ends: training longer would probably help.",
            f"A least-squares line over the last {_g(100 * c.still_window)}% of the training points "
            f"(at least 5) falls with a slope t-statistic below −{_g(c.still_t)}, by at least "
            f"{_g(100 * c.still_min_drop)}% of the run's whole drop; a logged validation loss must "
            "be falling over its own last stretch too.",
            "Too few epochs or steps, a learning rate too small, a schedule cut short.",
            f"Train longer or raise the learning rate. Tune with analysis: still_t (now "
            f"{_g(c.still_t)}), still_min_drop, still_window; silence with still_t: .inf.",
        ),
        GlossaryEntry(
            "plateau",
            "Plateau",
            "info",
            "The loss stalled before it had made most of its progress, or stalled for long and "
            "then fell again. A loss that is flat after most of its drop has converged: that is "
            "not a plateau.",
            f"ReduceLROnPlateau's rule on a running median: no improvement by more than "
            f"{_g(100 * c.plateau_threshold)}% for more than max({c.plateau_patience}, "
            f"{_g(100 * c.plateau_min_fraction)}% of the points) points, starting before "
            f"{_g(100 * c.plateau_max_progress)}% of the total drop was made or followed by a "
            f"further drop of at least {_g(100 * c.plateau_later_drop)}% of it.",
            "A saddle point (small initialisation, tanh units), a learning rate too small until a "
            "schedule raises it, a warm-up that is too long.",
            f"A better initialisation, a larger learning rate, ReduceLROnPlateau. Tune with "
            f"analysis: plateau_threshold, plateau_patience (now {c.plateau_patience}); silence "
            "with plateau_patience: 1000000000.",
        ),
        GlossaryEntry(
            "restart",
            "Training resumed",
            "info",
            "The log goes back in steps: training was resumed from a checkpoint, and the points it "
            "logged again replaced the earlier ones.",
            "A step lower than or equal to one already logged in the same series; the count is "
            "every point dropped.",
            "A resumed job (preemption, a crash, a manual restart) appending to the same log.",
            "Nothing to fix; it is information. Split the log into runs to keep both histories.",
        ),
        GlossaryEntry(
            "class_imbalance",
            "Class imbalance",
            "warning",
            "One class has many times more examples than another in a split.",
            f"The largest class count is at least {_g(c.imbalance_ratio)} × the smallest non-zero "
            "one.",
            "Long-tailed data, a collection process that favours some classes.",
            f"Class weights, resampling, or metrics per class. Tune with analysis: imbalance_ratio "
            f"(now {_g(c.imbalance_ratio)}); silence with imbalance_ratio: .inf.",
        ),
        GlossaryEntry(
            "class_missing",
            "Class missing",
            "warning",
            "A class has no examples in a split.",
            "A declared or observed class has a count of zero in the split.",
            "A split made before all classes were collected, a filter that dropped a class, a "
            "mismatched class list.",
            "Fix the split or the class list; it cannot be silenced by a threshold.",
        ),
        GlossaryEntry(
            "distribution_shift",
            "Distribution shift",
            "warning",
            "The class mix of a split differs clearly from the training split's.",
            f"The Jensen-Shannon divergence between the splits' class frequencies is at least "
            f"{_g(c.shift_jsd)} bits and a chi-square test gives p < {_g(c.shift_p)}.",
            "Splits drawn at different times or from different sources, a stratification bug.",
            f"Stratify the split. Tune with analysis: shift_jsd (now {_g(c.shift_jsd)}) and "
            "shift_p; silence with shift_jsd: .inf.",
        ),
    ) + _model_entries()
    return tuple(sorted(entries, key=lambda e: e.kind))


def _model_entries() -> tuple[GlossaryEntry, ...]:
    """Findings from a run's checkpoints (`checkpoints:`; analysis/model_views.py)."""
    from reportgen.analysis import model_views as mv

    return (
        GlossaryEntry(
            "update_oscillation",
            "Updates flip direction",
            "warning",
            "Between checkpoints the parameters moved back and forth: each update points roughly "
            "against the one before it.",
            f"The mean cosine between consecutive updates Δθ_t = θ_t − θ_t−1 and Δθ_t−1 is below "
            f"{_g(mv.OSCILLATION_COS)}, over at least 3 pairs of snapshots.",
            "A learning rate too high for the curvature (bouncing across a valley), momentum too "
            "high, or checkpoints saved at a period that matches a cycle in the schedule.",
            "Lower the learning rate or add warm-up; save checkpoints at irregular steps to rule out "
            "aliasing. The threshold is fixed (docs/analysis.md).",
        ),
        GlossaryEntry(
            "one_direction",
            "Movement in one direction",
            "info",
            "Almost all of the parameters' movement between checkpoints lies along one direction: "
            "training went nearly in a straight line.",
            f"The first principal component of the centred snapshots explains more than "
            f"{_g(100 * mv.ONE_DIRECTION)}% of their variance (at least 3 snapshots).",
            "Common early in training or with few checkpoints; with many checkpoints it can mean "
            "the run mostly drifted (e.g. weight decay shrinking every weight).",
            "Nothing to fix by itself; save more checkpoints to see the path's shape.",
        ),
        GlossaryEntry(
            "layer_dead",
            "Layer collapsed",
            "warning",
            "A layer's weights shrank towards zero: it no longer passes a signal.",
            f"The layer's weight norm at the last snapshot is below {_g(100 * mv.DEAD_RATIO)}% of its "
            "largest norm across the snapshots.",
            "Weight decay too strong, dying ReLUs, a gradient that pushes one way for long.",
            "Lower weight decay or the learning rate; check the layer's activations. The threshold "
            "is fixed (docs/analysis.md).",
        ),
        GlossaryEntry(
            "layer_exploding",
            "Layer exploding",
            "error",
            "A layer's weights grew without bound (or became NaN/inf).",
            f"The layer's weight norm at the last snapshot is more than {_g(mv.EXPLODE_RATIO)} × its "
            "norm at the first and still rising between the last two snapshots, or not finite.",
            "A learning rate too high, no gradient clipping, no normalisation.",
            "Lower the learning rate, clip gradients, add weight decay or normalisation.",
        ),
    )


KINDS: tuple[str, ...] = tuple(e.kind for e in glossary())
