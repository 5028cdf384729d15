"""How each run is drawn on every figure of the site: a colour, and past the palette a marker,
fixed by its place in the sorted list of all the site's runs, so a run looks the same on its group
figures, its comparisons and their legends (site/ shows the same swatches beside the tables)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# Okabe & Ito (2008) colour-blind-safe palette, yellow last (weakest on white), black left out
# because it is used for group means and reference lines.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442")
# Line styles are taken (train dashed, validation solid), so later cycles add markers.
MARKERS = (None, "o", "s", "^", "D", "v", "P", "X")


@dataclass(frozen=True)
class Style:
    color: str
    marker: str | None  # None on the first pass through the palette
    index: int  # position in the sorted run list


def run_colors(names: Sequence[str]) -> dict[str, Style]:
    """A stable Style per run, from the sorted list of all the site's runs.

    Pass every run of the site, so a run looks the same on every page. After the palette's 7
    colours come the same colours with markers; past 56 runs the pairs repeat.
    """
    out = {}
    for i, name in enumerate(sorted(set(names))):
        marker = MARKERS[(i // len(PALETTE)) % len(MARKERS)]
        out[name] = Style(PALETTE[i % len(PALETTE)], marker, i)
    return out
