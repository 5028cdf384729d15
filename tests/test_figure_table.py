"""The numbers behind a figure: evenly spaced points of each main line, ends included."""

from __future__ import annotations

import numpy as np
from numpy.testing import assert_allclose

from reportgen.figures.data_table import figure_tables
from reportgen.figures.plan import FigureSpec, Line, Panel


def test_main_lines_are_sampled_evenly_with_both_ends() -> None:
    x = np.arange(101, dtype=float)
    raw = Line(None, x, x * 3, "#000", alpha=0.25)
    smooth = Line("train (loss)", x, x * 2, "#000")
    spec = FigureSpec("loss", "alt", (Panel(None, "step", "loss", (raw, smooth)),))
    (table,) = figure_tables(spec, max_rows=11)
    assert table["caption"] == "train (loss)" and table["x"] == "step" and table["y"] == "loss"
    rows = np.array(table["rows"])
    assert_allclose(rows[:, 0], np.arange(0, 101, 10))
    assert_allclose(rows[:, 1], 2 * np.arange(0, 101, 10))


def test_unlabelled_panels_use_their_opaque_lines_and_sparklines_none() -> None:
    x = np.arange(5, dtype=float)
    panel = Panel("lr", "step", "", (Line(None, x, x, "#000"),), legend=False)
    bare = Panel(None, "", "", (Line(None, x, x, "#000"),), bare=True)
    assert [t["caption"] for t in figure_tables(FigureSpec("m", "alt", (panel,)))] == ["lr"]
    assert figure_tables(FigureSpec("m", "alt", (panel,)))[0]["rows"] == [[float(i), float(i)] for i in range(5)]
    assert figure_tables(FigureSpec("thumb", "alt", (bare,))) == []
