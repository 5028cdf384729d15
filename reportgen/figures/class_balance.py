"""Class balance of a run or dataset: read the counts its `class_balance:` names (I/O at this
edge), then hand them to the pure analysis (analysis/class_balance.py) and shape them for pages."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from reportgen.analysis import sort_flags
from reportgen.analysis.class_balance import BalanceTable, balance_table
from reportgen.errors import ReadError, ReportgenError
from reportgen.figures.plan import Bars, FigureSpec, Panel
from reportgen.model import AnalysisConfig, BalanceSpec, DatasetSpec, RunAnalysis, RunData
from reportgen.readers.class_balance import read_class_tables, read_labels

SPLIT_HATCHES = ("", "//", "..", "xx", "\\\\", "++")
SPLIT_COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")


def read_counts(spec: BalanceSpec) -> dict[str, dict[str, int]]:
    """{split: {class: count}} from the files or inline counts of `spec`. Raises ReadError."""
    counts: dict[str, dict[str, int]] = {}
    for source in spec.sources:
        if source.counts is not None:
            counts[source.split or "all"] = dict(source.counts)
        elif source.split is not None and source.path is not None:
            if source.path.suffix.lower() == ".json":
                tables = read_class_tables(source.path)
                first = tables[min(tables)]
                merged: dict[str, int] = {}
                for split_counts in first.counts.values():
                    for k, v in split_counts.items():
                        merged[k] = merged.get(k, 0) + v
                counts[source.split] = merged
            else:
                counts[source.split] = read_labels(source.path, source.column)
        elif source.path is not None:
            tables = read_class_tables(source.path)
            first = tables[min(tables)]
            counts.update(first.counts)
    if not counts:
        raise ReadError("class_balance gave no class counts", spec.where)
    return counts


def class_names_of(spec: BalanceSpec) -> tuple[str, ...] | dict[str, str] | None:
    if spec.class_names is not None:
        return spec.class_names
    names: dict[str, str] = {}
    for source in spec.sources:
        if source.split is None and source.path is not None:
            tables = read_class_tables(source.path)
            names.update(tables[min(tables)].class_names)
    return names or None


def table_for(spec: BalanceSpec, config: AnalysisConfig) -> BalanceTable:
    """Read and analyse; ReadError naming the file (or manifest key) when counts are bad."""
    counts = read_counts(spec)
    try:
        return balance_table(counts, class_names_of(spec), config)
    except ValueError as exc:
        raise ReadError(str(exc), spec.where, key="class_balance") from None


def per_class_metrics(run: RunData, table: BalanceTable, limit: int = 4) -> dict[str, dict[str, float | None]]:
    """Per-class metrics a run logged (e.g. `val_recall_3`, `recall/cat`): metric -> class -> final
    value, for classes of the table. At most `limit` metrics, in name order."""
    keys = {c: c for c in table.classes} | {n: c for c, n in zip(table.classes, table.names)}
    found: dict[str, dict[str, float | None]] = {}
    for name in sorted(run.series):
        for sep in ("_", "/", "-", "."):
            head, _, tail = name.rpartition(sep)
            if head and tail in keys:
                base = head.removesuffix("_class").removesuffix("/class")
                values = run.series[name].values
                finite = values[np.isfinite(values)]
                found.setdefault(base, {})[keys[tail]] = float(finite[-1]) if finite.size else None
                break
    complete = {m: v for m, v in found.items() if len(v) >= 2}
    return {m: complete[m] for m in sorted(complete)[:limit]}


def balance_view(table: BalanceTable, per_class: dict[str, dict[str, float | None]] | None = None) -> dict[str, Any]:
    """Plain data for the templates and summary.json."""
    rows = []
    for i, cls in enumerate(table.classes):
        rows.append(
            {
                "class": cls,
                "name": table.names[i],
                "counts": [table.counts[s][i] for s in table.splits],
                "percent": [table.percentages[s][i] for s in table.splits],
                "metrics": [(per_class or {}).get(m, {}).get(cls) for m in sorted(per_class or {})],
            }
        )
    return {
        "splits": list(table.splits),
        "rows": rows,
        "metric_names": sorted(per_class or {}),
        "totals": [table.totals[s] for s in table.splits],
        "imbalance_ratio": [table.imbalance_ratio[s] for s in table.splits],
        "normalised_entropy": [table.normalised_entropy[s] for s in table.splits],
        "missing": {s: list(table.missing[s]) for s in table.splits if table.missing[s]},
        "reference": table.reference,
        "shifts": [
            {"split": sh.split, "jsd": sh.jsd, "chi2": sh.chi2, "dof": sh.dof, "p_value": sh.p_value}
            for sh in table.shifts
        ],
    }


def plan_balance_figure(table: BalanceTable, title: str) -> FigureSpec:
    """Grouped bars: percent of each split per class; splits differ by hatch as well as colour."""
    bars = tuple(
        Bars(split, np.asarray(table.percentages[split], dtype=float), SPLIT_COLORS[i % len(SPLIT_COLORS)],
             SPLIT_HATCHES[i % len(SPLIT_HATCHES)])
        for i, split in enumerate(table.splits)
    )
    width = min(10.0, max(5.0, 0.35 * len(table.classes) * max(1, len(table.splits)) + 1.5))
    panel = Panel(None, "class", "% of split", categories=tuple(table.names), bars=bars)
    return FigureSpec(
        name="class-balance",
        alt=f"Class balance of {title}: percent of each split ({', '.join(table.splits)}) per class",
        panels=(panel,),
        width=width,
        height=3.2,
    )


@dataclass(frozen=True)
class BalanceResults:
    """Class balance for a build: per dataset and per run (by name), and the problems met."""

    datasets: dict[str, BalanceTable]
    runs: dict[str, BalanceTable]
    problems: tuple[ReportgenError, ...]


def collect_balance(datasets: list[DatasetSpec], runs: list[RunData]) -> BalanceResults:
    """Read every dataset's and run's class counts; a bad label file is a problem, not a stop."""
    problems: list[ReportgenError] = []
    tables: dict[str, BalanceTable] = {}
    for ds in datasets:
        try:
            tables[ds.name] = table_for(ds.balance, ds.analysis)
        except ReportgenError as exc:
            problems.append(exc)
    per_run: dict[str, BalanceTable] = {}
    for run in runs:
        spec = run.spec.class_balance
        if spec is None:
            continue
        if spec.dataset is not None:
            if spec.dataset in tables:
                per_run[run.spec.name] = tables[spec.dataset]
            continue
        try:
            per_run[run.spec.name] = table_for(spec, run.spec.analysis)
        except ReportgenError as exc:
            problems.append(exc)
    return BalanceResults(tables, per_run, tuple(problems))


def with_balance_flags(analysis: RunAnalysis, table: BalanceTable | None) -> RunAnalysis:
    """The run's analysis with its data's class-balance flags added (in the usual flag order)."""
    if table is None or not table.flags:
        return analysis
    return replace(analysis, flags=sort_flags(list(analysis.flags) + list(table.flags)))
