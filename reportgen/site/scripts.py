"""The site's own scripts (templates/static) and the order pages load them in.

The interactive figures and the index workbench are each a few plain scripts, one per part, that
share one namespace object (window.reportgenFigures, window.reportgenWorkbench): no modules and no
fetch(), so the site works from file:// and inlined in the single-file report. Order matters: a
later part uses what an earlier one defined (figures/chart.js defines the Figure that zoom.js,
readout.js, csv.js and start.js add to), the part that starts comes last, and uPlot comes before
anything that draws. base.html and index.html load these lists; single_file.py inlines every
script in the same order (tests/test_static_scripts.py pins both).
"""

from __future__ import annotations

from collections.abc import Iterable

UPLOT = "vendor/uplot/uPlot.iife.min.js"

# curve figures on run, group, comparison and sweep pages (templates/_figure_interactive.html)
FIGURE_SCRIPTS = (
    UPLOT,
    "figures/smoothing.js",
    "figures/colours.js",
    "figures/axes.js",
    "figures/marks.js",
    "figures/chart.js",
    "figures/zoom.js",
    "figures/readout.js",
    "figures/csv.js",
    "figures/start.js",
)

# the index: the sortable leaderboard, then the workbench, which sorts the columns it adds
INDEX_SCRIPTS = (
    "leaderboard.js",
    UPLOT,
    "workbench/url.js",
    "workbench/columns.js",
    "workbench/ticks.js",
    "workbench/comparability.js",
    "workbench/panels.js",
    "workbench/start.js",
)


def script_order(static: Iterable[str]) -> list[str]:
    """The scripts among `static` (files of templates/static), each once, in the order the pages
    load them; a script no page lists goes last, in name order."""
    scripts = {name for name in static if name.endswith(".js")}
    listed = list(dict.fromkeys(name for name in FIGURE_SCRIPTS + INDEX_SCRIPTS if name in scripts))
    return listed + sorted(scripts - set(listed))
