"""Advice in words from a sweep's analysis (docs/analysis.md, "Sweeps", lists the rules).

Pure: a SweepAnalysis in, sentences out, in a fixed order: the best configuration and its CI,
the configurations it cannot be told apart from, each search range to extend, where runs start
to diverge, the hparams that hardly matter, the runs kept out, and missing seeds.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from reportgen.analysis.util import t_quantile

if TYPE_CHECKING:
    from reportgen.analysis.sweeps import SweepAnalysis

SMALL_SHARE = 0.05


def value_text(v: Any) -> str:
    """An hparam value as a user writes it: 0.001, 1e-05, 32, adam."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return str(v)
    return f"{v:g}"


def number(v: float) -> str:
    return f"{v:.3g}" if math.isfinite(v) else "n/a"


def setting_text(setting: tuple[tuple[str, Any], ...]) -> str:
    return ", ".join(f"{k} = {value_text(v)}" for k, v in setting)


def advise(a: SweepAnalysis, objective: str = "objective") -> tuple[str, ...]:
    out: list[str] = []
    word = "lowest" if a.goal == "min" else "highest"
    if a.best is not None:
        s = a.best.spread
        if s.n >= 2:
            ci = f"95% CI {number(s.ci95_low)} to {number(s.ci95_high)}, {s.n} runs"
        else:
            ci = "one run, so no CI: repeat it with 2-3 seeds to know how sure this is"
        mean = "geometric mean" if a.log_space else "mean"
        out.append(f"Best configuration ({word} {mean} {objective}): {setting_text(a.best.setting)}: "
                   f"{number(s.mean)} ({ci}).")
    if a.best is not None and a.best.spread.n in (2, 3):
        # the CI's half width is t(0.975, n-1) * s / sqrt(n): for the same s, one more run
        # shrinks it by this factor
        n = a.best.spread.n
        t_now, t_next = float(t_quantile(n - 1, 0.975)), float(t_quantile(n, 0.975))
        out.append(f"With {n} runs the best configuration's CI is wide (t = {t_now:.1f}); one more seed would "
                   f"narrow it about {t_now / t_next * math.sqrt((n + 1) / n):.1f}-fold.")
    if a.ties:
        n = len(a.ties)
        names = "; ".join(setting_text(c.setting) for c in a.ties[:3]) + ("; ..." if n > 3 else "")
        out.append(f"{n} other configuration{'s' if n > 1 else ''} overlap{'' if n > 1 else 's'} the best one's "
                   f"95% CI, so the sweep cannot tell {'them' if n > 1 else 'it'} apart from the best: {names}.")
    for fit in a.slices:
        if fit.method is not None and fit.edge is None:
            lo, hi = fit.region
            out.append(f"Along {fit.hparam} the fitted trend is {'lowest' if a.goal == 'min' else 'highest'} at about "
                       f"{fit.hparam} = {fit.optimum:.2g}; the data cannot rule out {value_text(float(f'{lo:.2g}'))} to "
                       f"{value_text(float(f'{hi:.2g}'))} ({fit.method}, R² = {fit.r2:.2f}).")
        if fit.method is None or fit.edge is None:
            continue
        h = next(h for h in a.hparams if h.name == fit.hparam)
        end = h.values[0] if fit.edge == "below" else h.values[-1]
        out.append(f"The fitted optimum of {fit.hparam} lies at the edge of the searched range "
                   f"({value_text(h.values[0])} to {value_text(h.values[-1])}): extend the search "
                   f"{fit.edge} {value_text(end)}.")
    if a.onset is not None:
        o = a.onset
        out.append(f"Runs start to diverge at {o.hparam} = {value_text(o.value)}: {o.failed} of the {o.total} runs "
                   f"at or above it failed, none of the {o.below} below it; search below {value_text(o.value)}.")
    tangled = {name for group in a.confounded for name in group}
    for imp in a.importance:
        # only when every value was tried at least twice and no other hparam moves with it: one
        # run at a value, or a confounded partner, cannot show that a value hardly matters
        if imp.estimable and imp.eta2 < SMALL_SHARE and imp.smallest >= 2 and imp.hparam not in tangled:
            out.append(f"{imp.hparam} explains < 5% of the variance of the {objective} "
                       f"(eta² = {imp.eta2:.2f}): in this range its value hardly matters.")
    for group in a.confounded:
        names = ", ".join(group[:-1]) + f" and {group[-1]}"
        out.append(f"{names} change together in every run: the sweep cannot tell their effects apart, so their "
                   "importance and trends describe them at once.")
    if any(not imp.estimable for imp in a.importance):
        names = ", ".join(imp.hparam for imp in a.importance if not imp.estimable)
        out.append(f"No importance for {names}: each of its values has a single healthy run, so the share of variance "
                   "it explains cannot be estimated.")
    if a.failed:
        out.append(f"{a.failed} run{'s' if a.failed > 1 else ''} failed and {'are' if a.failed > 1 else 'is'} kept "
                   "out of every statistic and fit; they are marked ✖ on the plots and listed below.")
    if a.configurations and all(c.spread.n <= 1 for c in a.configurations):
        out.append("Every configuration has at most one healthy run: no confidence intervals. Repeat the best "
                   "few with 2-3 seeds before trusting the ranking.")
    return tuple(out)
