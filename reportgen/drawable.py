"""A run's curves cut down to what a figure can show, for the pages that draw many runs at once.

Group and comparison pages get each run's role series and smoothed curves from its cached
result. A 10M-step log would put 240 MB into that result, to be pickled, hashed, stored and read
back, while a figure draws a few thousand points of it. A series longer than KEEP_ALL_UP_TO
points keeps, per one of COLUMNS slices of its steps, the first, last, lowest and highest point
of its raw and of its smoothed values (figures.decimate's M4 rule, far finer than any figure),
so spikes and the curve's shape survive. Shorter series, every ordinary run's, are kept whole.
"""

from __future__ import annotations

import numpy as np

from reportgen.figures import decimate
from reportgen.model import Series

KEEP_ALL_UP_TO = 100_000
COLUMNS = 12_500  # <= 4 points each per curve, so <= 100,000 points: 16x a figure's width


def drawable(series: Series, smoothed: np.ndarray | None) -> tuple[Series, np.ndarray | None]:
    """(series, smoothed) as they are when short enough, else both at the points M4 keeps of
    either curve. Returns real logged points (step, value, epoch, wall time), never new ones."""
    if len(series) <= KEEP_ALL_UP_TO:
        return series, smoothed
    x = series.steps.astype(np.float64)  # exact: steps are far below 2**53
    kept = [decimate(x, series.values, COLUMNS)[0]]
    if smoothed is not None:
        kept.append(decimate(x, smoothed, COLUMNS)[0])
    idx = np.searchsorted(series.steps, np.unique(np.concatenate(kept)).astype(np.int64))
    thin = Series(
        name=series.name,
        steps=series.steps[idx],
        values=series.values[idx],
        epoch=None if series.epoch is None else series.epoch[idx],
        wall_time=None if series.wall_time is None else series.wall_time[idx],
    )
    return thin, None if smoothed is None else smoothed[idx]
