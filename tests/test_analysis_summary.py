import numpy as np
from analysis_factories import series
from numpy.testing import assert_allclose

from reportgen.analysis.summary import summarise


def test_summary_of_known_series():
    s = series("val_loss", [4.0, 2.0, np.nan, 1.0, 3.0, 2.0], steps=[0, 10, 20, 30, 40, 50])
    m = summarise(s, "val_loss", last_window=2)
    assert (m.points, m.finite_points) == (6, 5)
    assert (m.first, m.final, m.min, m.max) == (4.0, 2.0, 1.0, 4.0)
    assert (m.step_at_min, m.step_at_max) == (30, 0)
    assert_allclose(m.last_window_mean, 2.5)
    assert_allclose(m.pct_change, -50.0)
    assert (m.first_step, m.last_step) == (0, 50)
    assert type(m.final) is float


def test_summary_of_all_nan_and_zero_first():
    m = summarise(series("x", [np.nan, np.inf]), None)
    assert m.finite_points == 0 and m.final is None and m.min is None and m.pct_change is None
    z = summarise(series("x", [0.0, 1.0]), None)
    assert z.pct_change is None and z.final == 1.0


def test_min_ties_go_to_earliest_step():
    m = summarise(series("x", [3.0, 1.0, 1.0, 2.0]), None)
    assert m.step_at_min == 1
