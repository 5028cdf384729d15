"""Per-metric summary statistics (final, min, max, last-window mean, % change)."""

from __future__ import annotations

import numpy as np

from reportgen.analysis.util import num
from reportgen.model import MetricSummary, Series


def summarise(series: Series, role: str | None, last_window: int = 10) -> MetricSummary:
    """MetricSummary of one series over its finite values; fields are None when it has none.

    `pct_change` is (final - first) / |first| * 100 (None when first is 0); min/max ties go to
    the earliest step; `last_window_mean` averages the last `last_window` finite values.
    """
    vals = np.asarray(series.values, dtype=np.float64)
    fin = np.isfinite(vals)
    n = int(vals.shape[0])
    nf = int(np.count_nonzero(fin))
    first_step = int(series.steps[0]) if n else None
    last_step = int(series.steps[-1]) if n else None
    if nf == 0:
        return MetricSummary(
            name=series.name,
            role=role,
            points=n,
            finite_points=0,
            first=None,
            final=None,
            min=None,
            max=None,
            step_at_min=None,
            step_at_max=None,
            last_window_mean=None,
            pct_change=None,
            first_step=first_step,
            last_step=last_step,
        )
    idx = np.nonzero(fin)[0]
    fv = vals[idx]
    i_min = int(idx[int(np.argmin(fv))])
    i_max = int(idx[int(np.argmax(fv))])
    first, final = float(fv[0]), float(fv[-1])
    window = fv[-max(int(last_window), 1) :]
    pct = None if first == 0.0 else (final - first) / abs(first) * 100.0
    return MetricSummary(
        name=series.name,
        role=role,
        points=n,
        finite_points=nf,
        first=num(first, None),
        final=num(final, None),
        min=num(vals[i_min], None),
        max=num(vals[i_max], None),
        step_at_min=int(series.steps[i_min]),
        step_at_max=int(series.steps[i_max]),
        last_window_mean=num(float(np.mean(window)), None),
        pct_change=num(pct, None),
        first_step=first_step,
        last_step=last_step,
    )
