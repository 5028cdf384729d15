"""A run's curves cut down to what a figure can show, for the pages that draw many runs at once.

Group and comparison pages get each run's role series and smoothed curves from its cached
result. A 10M-step log would put 240 MB into that result, to be pickled, hashed, stored and read
back, while a figure draws a few thousand points of it. A series longer than KEEP_ALL_UP_TO
points keeps, per one of about COLUMNS equal runs of points, the first and last point and the
lowest and highest of its raw and of its smoothed values (the M4 rule figures.decimate draws
with, far finer than any figure), so spikes, gaps and the curve's shape survive. Shorter series,
every ordinary run's, are kept whole.
"""

from __future__ import annotations

import numpy as np

from reportgen.model import Series

KEEP_ALL_UP_TO = 100_000
COLUMNS = 12_500  # <= 6 points each, so < 100,000 points: 16x a figure's width


def drawable(series: Series, smoothed: np.ndarray | None) -> tuple[Series, np.ndarray | None]:
    """(series, smoothed) as they are when short enough, else both at the points M4 keeps of
    either curve. Returns real logged points (step, value, epoch, wall time), never new ones;
    a NaN or inf point is kept where it is a run's lowest or highest (argmin and argmax stop at
    a NaN), so a figure still shows the gap."""
    n = len(series)
    if n <= KEEP_ALL_UP_TO:
        return series, smoothed
    width = -(-n // COLUMNS)
    starts = np.arange(0, n, width)
    keep = [starts, np.minimum(starts + width, n) - 1]
    whole = n // width * width
    for y in (series.values, smoothed):
        if y is None:
            continue
        runs = y[:whole].reshape(-1, width)
        keep += [starts[: runs.shape[0]] + runs.argmin(axis=1), starts[: runs.shape[0]] + runs.argmax(axis=1)]
        if whole < n:
            keep.append(whole + np.array([y[whole:].argmin(), y[whole:].argmax()]))
    idx = np.unique(np.concatenate(keep))
    thin = Series(
        name=series.name,
        steps=series.steps[idx],
        values=series.values[idx],
        epoch=None if series.epoch is None else series.epoch[idx],
        wall_time=None if series.wall_time is None else series.wall_time[idx],
    )
    return thin, None if smoothed is None else smoothed[idx]
