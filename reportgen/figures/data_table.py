"""The numbers behind a figure, for readers who cannot see it (or want the values): a few
evenly spaced points of each of its main lines, shown under the figure in a <details> table.
Pure: a FigureSpec in, plain dicts for the template out."""

from __future__ import annotations

from typing import Any

import numpy as np

from reportgen.figures.plan import FigureSpec, Line, Panel

MAX_ROWS = 12  # points per line: enough to read the shape, short enough to scan


def main_lines(panel: Panel) -> list[Line]:
    """The labelled lines (the smoothed curves, not their faint raw copies); a panel without
    labels (one metric per panel) offers its opaque lines instead."""
    labelled = [line for line in panel.lines if line.label]
    return labelled or [line for line in panel.lines if line.alpha >= 1.0]


def figure_tables(spec: FigureSpec, max_rows: int = MAX_ROWS) -> list[dict[str, Any]]:
    """One table per main line: {caption, x, y, rows: [[x, y], ...]} with at most `max_rows`
    evenly spaced points, first and last always included. Sparklines get none."""
    tables: list[dict[str, Any]] = []
    for panel in spec.panels:
        if panel.bare:
            continue
        for line in main_lines(panel):
            n = int(line.x.shape[0])
            if n == 0:
                continue
            idx = np.unique(np.linspace(0, n - 1, min(n, max_rows)).round().astype(np.int64))
            caption = " · ".join(part for part in (panel.title, line.label) if part) or panel.ylabel or spec.name
            tables.append(
                {
                    "caption": caption,
                    "x": panel.xlabel or "x",
                    "y": panel.ylabel or panel.title or "value",
                    "rows": [[float(line.x[i]), float(line.y[i])] for i in idx],
                }
            )
    return tables


def figure_entry(spec: FigureSpec, file: str) -> dict[str, Any]:
    """What a page needs to show a drawn figure: its file (site path), alt text, pixel size and
    the numbers behind it."""
    return {
        "file": file,
        "name": spec.name,
        "alt": spec.alt,
        "width": round(spec.width * spec.dpi),
        "height": round(spec.height * spec.dpi),
        "tables": figure_tables(spec),
    }
