"""The parts of a loss that is logged only as parts (readers/loss_components.py): one panel per summed
loss, each part and their sum, so a reader sees which term drives the total."""

from __future__ import annotations

from reportgen.figures.plan import OTHER_COLORS, FigureSpec, Line, Panel, decimate, x_values
from reportgen.model import RunData

# the sum's own ink: black, dashed, so it never takes a part's colour
SUM_COLOR = "#000000"


def plan_components_figure(run: RunData) -> FigureSpec | None:
    """A figure with a panel per derived loss (its parts and their sum), or None when every loss
    of the run is logged as one series."""
    panels = []
    described = []
    for name, parts in sorted(run.derived.items()):
        total = run.series.get(name)
        if total is None:
            continue
        lines = []
        for i, part in enumerate(parts):
            s = run.series[part]
            color = OTHER_COLORS[
                (i + 2) % (len(OTHER_COLORS) - 1)
            ]  # the last colour is the sum's black
            lines.append(
                Line(part, *decimate(x_values(s, run.x), s.values), color=color, linewidth=1.2)
            )
        lines.append(
            Line(
                f"{name} (sum)",
                *decimate(x_values(total, run.x), total.values),
                color=SUM_COLOR,
                linestyle="--",
            )
        )
        panels.append(Panel(name, run.x, "loss", tuple(lines), legend_cols=1))
        described.append(f"{name} = {' + '.join(parts)}")
    if not panels:
        return None
    return FigureSpec(
        name="components",
        alt="Loss parts and their sum: " + "; ".join(described),
        panels=tuple(panels),
        # one above the other: each panel's legend names 3-5 series and needs the width
        ncols=1,
        height=2.7 * len(panels) + 0.3,
    )
