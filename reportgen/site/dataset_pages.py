"""Dataset pages: each dataset's record (shared by its page and summary.json) and its class-balance
figure. Pure: the figure is planned here and drawn by the build."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from reportgen.analysis.class_balance import BalanceTable
from reportgen.figures.class_balance import balance_view, plan_balance_figure
from reportgen.figures.data_table import figure_entry
from reportgen.figures.plan import FigureSpec
from reportgen.manifest.slug import slugify
from reportgen.model import DatasetSpec
from reportgen.site.paths import dataset_figure_path, dataset_page_path
from reportgen.site.summary_json import plain


@dataclass(frozen=True)
class DatasetPage:
    record: dict[str, Any]  # summary.json "datasets" entry, also the page's data
    figure: FigureSpec  # its class balance
    file: str  # where the figure goes in the site


def plan_dataset_pages(
    datasets: Sequence[DatasetSpec], tables: Mapping[str, BalanceTable], records: Sequence[dict[str, Any]]
) -> list[DatasetPage]:
    """One page per dataset whose class balance could be read, in manifest order; `records` are
    the runs' summary records (a run lists its dataset under "dataset")."""
    out = []
    for ds in datasets:
        table = tables.get(ds.name)
        if table is None:
            continue
        slug = slugify(ds.name)
        fig = plan_balance_figure(table, ds.display_title)
        file = dataset_figure_path(slug, fig.name)
        record = plain({
            "name": ds.name,
            "title": ds.display_title,
            "notes": ds.notes,
            "page": dataset_page_path(slug),
            "class_balance": balance_view(table),
            "flags": [asdict(f) for f in table.flags],
            "runs": sorted(r["name"] for r in records if r.get("dataset") and r["dataset"]["name"] == ds.name),
            "figure": figure_entry(fig, file),
        })
        out.append(DatasetPage(record, fig, file))
    return out
