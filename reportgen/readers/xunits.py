"""Two x units in one log: training iterations and epochs.

mmengine's `scalars.json` writes training records at iteration steps and validation records with
`step` = the epoch number. Once a reader marks such a series with its epochs (step == epoch on
every point), it is moved onto the iteration axis at `epoch * steps_per_epoch`, where
steps_per_epoch comes from series that log both units at a constant ratio; then train and
validation curves share one x axis and an epoch step is never mistaken for a restart.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from reportgen.model import Series


def steps_per_epoch(series: dict[str, Series]) -> int | None:
    """Training steps per epoch when every series that logs both step and epoch (at epoch ends,
    epoch >= 1) agrees on one whole ratio above 1; else None."""
    ratios: set[int] = set()
    for s in series.values():
        if s.epoch is None or _counts_epochs(s):
            continue
        ok = np.isfinite(s.epoch) & (s.epoch >= 1)
        if ok.sum() < 2:
            continue
        if not np.all(s.epoch[ok] == np.round(s.epoch[ok])):
            return None  # fractional epochs (Hugging Face): records within epochs, no boundary
        ratio = s.steps[ok] / s.epoch[ok]
        if np.all(ratio == ratio[0]) and ratio[0] > 1 and float(ratio[0]).is_integer():
            ratios.add(int(ratio[0]))
        else:
            return None  # epochs of uneven length, or records within an epoch: no single ratio
    return ratios.pop() if len(ratios) == 1 else None


def _counts_epochs(s: Series) -> bool:
    """A series whose step is its epoch number on every point."""
    if s.epoch is None or len(s) == 0:
        return False
    return bool(
        np.all(np.isfinite(s.epoch)) and np.array_equal(s.steps.astype(np.float64), s.epoch)
    )


def align_epoch_series(series: dict[str, Series], per_epoch: int | None) -> dict[str, Series]:
    """`series` with every epoch-counted series moved to iteration steps (see module docstring);
    unchanged when steps per epoch is unknown or every series already counts epochs."""
    if per_epoch is None or all(_counts_epochs(s) for s in series.values()):
        return series
    out = {}
    for name, s in series.items():
        out[name] = replace(s, steps=s.steps * per_epoch) if _counts_epochs(s) else s
    return out
