"""Group and comparison pages: plain records (shared by the pages and summary.json, so they never
disagree) and the Pages that show them. Pure: no I/O, no Jinja.

Paths: groups/<slug>/index.html and compare/<slug>/index.html. Links inside records are relative
to the site root; templates prefix them with the page's `root`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

from reportgen.analysis.groups import GroupSummary
from reportgen.figures.comparability import RANKING_RULE, ComparableSet, Kind, failed
from reportgen.manifest.slug import slugify
from reportgen.site.comparisons import Comparison, Style, differing_hparams
from reportgen.site.paths import compare_page_path, group_page_path
from reportgen.site.summary_json import plain


def group_slugs(names: Sequence[str]) -> dict[str, str]:
    """A unique slug per group name, in name order (a clash gets -2, -3, ...)."""
    taken: set[str] = set()
    out = {}
    for name in sorted(names):
        base = slugify(name)
        slug, k = base, 2
        while slug in taken:
            slug, k = f"{base}-{k}", k + 1
        taken.add(slug)
        out[name] = slug
    return out


def group_record(
    summary: GroupSummary,
    slug: str,
    coverage: Mapping[str, dict[str, Any]],
    center: str,
    band: str,
    comparison_page: str | None,
    sets: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """One group as plain data: members, each statistic's spread with per-run values, and how
    many runs have data over which steps (`coverage`, per loss role: {min_runs, segments}, where
    min_runs is the count the center line and band need). `sets` are its comparable sets
    (set_record); when there are several, stats and coverage live in each set, not the group."""
    return plain(
        {
            "name": summary.name,
            "slug": slug,
            "page": group_page_path(slug),
            "runs": list(summary.runs),
            "monitored": summary.monitored,
            "center": center,
            "band": band,
            "stats": _stats(summary),
            "coverage": dict(sorted(coverage.items())),
            "comparison": comparison_page,
            "sets": list(sets),
        }
    )


def _stats(summary: GroupSummary) -> list[dict[str, Any]]:
    stats = []
    for stat in summary.stats:
        entry = asdict(stat.spread)
        entry.update(key=stat.key, label=stat.label, values={run: v for run, v in stat.values})
        stats.append(entry)
    return stats


def set_record(
    part: ComparableSet,
    summary: GroupSummary | None = None,
    coverage: Mapping[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """One comparable set of a group: {label, task, loss, unit, runs}, plus its own monitored,
    stats and coverage when the group is split (`summary` given)."""
    out: dict[str, Any] = {
        "label": part.label,
        "task": part.kind.task,
        "loss": part.kind.loss,
        "unit": part.unit,
        "runs": sorted(run.spec.name for run in part.runs),
    }
    if summary is not None:
        out.update(
            monitored=summary.monitored,
            stats=_stats(summary),
            coverage=dict(sorted((coverage or {}).items())),
        )
    return out


def _loss(rec: Mapping[str, Any], role: str, field: str) -> float | None:
    name = rec["roles"].get(role)
    metric = rec["metrics"].get(name) if name else None
    value = metric.get(field) if metric else None
    return value if isinstance(value, (int, float)) and math.isfinite(value) else None


def loss_numbers(rec: Mapping[str, Any]) -> dict[str, float | None]:
    return {
        "best_val": _loss(rec, "val_loss", "min"),
        "final_val": _loss(rec, "val_loss", "final"),
        "best_train": _loss(rec, "train_loss", "min"),
        "final_train": _loss(rec, "train_loss", "final"),
    }


def _ranked_metric(rec: Mapping[str, Any]) -> str | None:
    """The metric a run is ranked by: best validation loss, else best train loss."""
    n = loss_numbers(rec)
    if n["best_val"] is not None:
        return "val_loss"
    return "train_loss" if n["best_train"] is not None else None


def _rank_key(rec: Mapping[str, Any]) -> tuple:
    """Healthy runs first (see comparability.RANKING_RULE), then by the ranked value, then name."""
    metric = _ranked_metric(rec)
    value = loss_numbers(rec)["best_val" if metric == "val_loss" else "best_train"] if metric else None
    return (failed(rec), value is None, value if value is not None else 0.0, rec["name"])


def ranking_sets(records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rankings of comparable runs, per comparability: one per (task, loss kind, ranked metric),
    each {task, loss, metric, label, runs (ranked)}; sets in order of their first run's name."""
    keyed: dict[tuple, list[Mapping[str, Any]]] = {}
    for rec in sorted(records, key=lambda r: r["name"]):
        metric = _ranked_metric(rec)
        keyed.setdefault((rec["task"], rec["loss"], metric), []).append(rec)
    out = []
    for (task, loss, metric), recs in keyed.items():
        by = {"val_loss": "best validation loss", "train_loss": "best train loss"}.get(metric or "", "name (no loss logged)")
        out.append(
            {
                "task": task,
                "loss": loss,
                "metric": metric,
                "label": f"{Kind(task, loss).label}, ranked by {by}",
                "runs": [r["name"] for r in sorted(recs, key=_rank_key)],
            }
        )
    return out


def comparison_record(comp: Comparison, records: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """One comparison as plain data: its runs ranked within comparable sets (`sets`; `runs` lists
    them set after set), and the hyper-parameters that differ between them."""
    sets = ranking_sets([records[r] for r in comp.runs])
    differ = differing_hparams({r: records[r]["hparams"] for r in comp.runs})
    return plain(
        {
            "name": comp.name,
            "slug": comp.slug,
            "kind": comp.kind,
            "page": compare_page_path(comp.slug),
            "runs": [name for s in sets for name in s["runs"]],
            "sets": sets,
            "differing_hparams": differ,
        }
    )


def _swatch(style: Style | None) -> dict[str, Any]:
    return {"color": style.color if style else "#888888", "marker": style.marker if style else None}


def plan_group_context(
    group: Mapping[str, Any],
    records: Mapping[str, Mapping[str, Any]],
    styles: Mapping[str, Style],
    figures: list[dict[str, Any]],
    comparisons: Sequence[Mapping[str, Any]],
    set_figures: Sequence[list[dict[str, Any]]] = (),
) -> dict[str, Any]:
    """The group page: its stats, members and figures; a group split into comparable sets
    (group["sets"], `set_figures` in the same order) shows each set apart and says why."""
    parts = []
    if len(group["sets"]) > 1:
        for part, figs in zip(group["sets"], set_figures):
            parts.append(
                dict(part, shown=[s for s in part["stats"] if s["n"] > 0], figures=figs,
                     members=_members(part["runs"], part["stats"], records, styles))
            )
    shown = [s for s in group["stats"] if s["n"] > 0]
    return {
        "group": group,
        "stats": shown,
        "members": _members(group["runs"], group["stats"], records, styles),
        "figures": figures,
        "parts": parts,
        "comparisons": [c for c in comparisons if set(group["runs"]) <= set(c["runs"])],
    }


def _members(
    runs: Sequence[str],
    stats: Sequence[Mapping[str, Any]],
    records: Mapping[str, Mapping[str, Any]],
    styles: Mapping[str, Style],
) -> list[dict[str, Any]]:
    members = []
    by_key = {s["key"]: s for s in stats}
    for name in runs:
        rec = records[name]
        members.append(
            {
                "name": name,
                "title": rec["title"],
                "page": rec["page"],
                "values": {key: stat["values"].get(name) for key, stat in by_key.items()},
                "flags": rec["flags"],
                **_swatch(styles.get(name)),
            }
        )
    return members


def plan_comparison_context(
    comparison: Mapping[str, Any],
    records: Mapping[str, Mapping[str, Any]],
    styles: Mapping[str, Style],
    figures: list[dict[str, Any]],
    groups: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    keys = comparison["differing_hparams"]
    group_pages = {g["name"]: g["page"] for g in groups}
    rows = []
    for number, ranking in enumerate(comparison["sets"]):
        for rank, name in enumerate(ranking["runs"], start=1):
            rec = records[name]
            rows.append(
                {
                    "rank": rank,
                    "set": number,
                    "set_label": ranking["label"],
                    "failed": failed(rec),
                    "name": name,
                    "title": rec["title"],
                    "page": rec["page"],
                    "group": rec["group"],
                    "group_page": group_pages.get(rec["group"]) if rec["group"] else None,
                    "best": rec["best"],
                    "x": rec["x"],
                    "flags": rec["flags"],
                    "hparams": {k: rec["hparams"].get(k) for k in keys},
                    "has": {k: k in rec["hparams"] for k in keys},
                    **loss_numbers(rec),
                    **_swatch(styles.get(name)),
                }
            )
    first = records[comparison["runs"][0]]["hparams"] if comparison["runs"] else {}
    same = {k: v for k, v in sorted(first.items()) if k not in keys} if len(comparison["runs"]) > 1 else {}
    return {
        "comparison": comparison,
        # a group comparison may carry a " (2)" suffix after a name clash: match it by its runs
        "group_link": next(
            (g["page"] for g in groups if comparison["kind"] == "group" and set(g["runs"]) == set(comparison["runs"])),
            None,
        ),
        "any_group": any(r["group"] for r in rows),
        "rows": rows,
        "sets": comparison["sets"],
        "ranking_rule": RANKING_RULE,
        "hparam_keys": keys,
        "same_hparams": same,
        "figures": figures,
    }


def run_navigation(
    records: Sequence[Mapping[str, Any]],
    groups: Sequence[Mapping[str, Any]],
    comparisons: Sequence[Mapping[str, Any]],
) -> dict[str, dict[str, Any]]:
    """Per run name: its group page (or None) and the comparisons it is part of (site-root paths)."""
    group_page = {g["name"]: g["page"] for g in groups}
    nav: dict[str, dict[str, Any]] = {
        r["name"]: {"group_page": group_page.get(r["group"]) if r["group"] else None, "comparisons": []}
        for r in records
    }
    for comp in comparisons:
        for run in comp["runs"]:
            if run in nav:
                nav[run]["comparisons"].append({"name": comp["name"], "page": comp["page"], "kind": comp["kind"]})
    return nav
