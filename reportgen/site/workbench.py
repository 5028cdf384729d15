"""The index page as a workbench (templates/index.html, templates/static/workbench/): what each
row needs for search and overlays, and the columns a reader may add. Pure: records in, plain data out.

Columns: every hyper-parameter and, per logged metric, its final, lowest and highest value. They
travel as one inline JSON table and become cells only when a reader picks them. The
hyper-parameters that differ between runs (site/comparisons.py differing_hparams) are always shown,
as a line under each run's name: the page reads without scripts, and the leaderboard keeps fitting
1,024 px (tests/test_browser_layout.py), which a column per hyper-parameter would break.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup

from reportgen.figures.run_styles import run_colors
from reportgen.manifest.slug import slugify
from reportgen.site.comparisons import differing_hparams
from reportgen.site.overlay_data import script_json
from reportgen.site.paths import overlay_path

# Differing hyper-parameters shown under a run's name: past this many the line outgrows its cell;
# the rest are one tick away in the column picker.
DEFAULT_HPARAMS = 6
METRIC_FIELDS = (("final", "final"), ("min", "lowest"), ("max", "highest"))


def hparam_text(value: Any) -> str:
    """A hyper-parameter as the table shows it: scalars as written, lists and mappings as JSON."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _hparam_cell(value: Any, present: bool) -> dict[str, Any]:
    """{text, num}: num is the sort key for numbers (None otherwise, sorted as text)."""
    if not present:
        return {"text": "", "num": None}
    number = value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    if number is not None and not math.isfinite(number):
        number = None
    return {"text": hparam_text(value), "num": number}


def _default_hparams(hparams: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The differing hyper-parameters the table shows without a pick, in name order: those most
    runs set first, then those with the most distinct values (a key only two runs set says little
    about the rest)."""
    varying = differing_hparams(hparams)

    def weight(key: str) -> tuple:
        present = [h[key] for h in hparams.values() if key in h]
        return (-len(present), -len({hparam_text(v) for v in present}), key)

    return sorted(sorted(varying, key=weight)[:DEFAULT_HPARAMS])


# a Markdown link or image: its text is searched, its target is not (a target is no word a
# reader sees, and an image's address must not reach the single file, which makes no request)
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")


def _search_text(rec: Mapping[str, Any], shown: Sequence[Mapping[str, str]]) -> str:
    """What the search box matches: name, title, tags, notes and the shown "key=value" pairs."""
    notes = _MD_LINK.sub(r"\1", rec.get("notes") or "")
    words = [rec["name"], rec["title"], *rec["tags"], notes, *(f"{h['key']}={h['text']}" for h in shown)]
    return " ".join(str(w) for w in words).lower()


def plan_workbench(records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The index's workbench context: `rows` (run name -> {color, overlay, search, hparams: the
    differing ones as [{key, text}]}), `columns` (every pickable column: {id, label, group, sort};
    sort is "num" or "text") and `data` (Markup: the JSON of the columns with one value list per
    column in record order: a number, a text, or null where a run has no value)."""
    names = [r["name"] for r in records]
    styles = run_colors(names)
    hparams = {r["name"]: {str(k): v for k, v in r["hparams"].items()} for r in records}
    keys = sorted({k for h in hparams.values() for k in h})
    varying = _default_hparams(hparams)
    rows = {}
    for r in records:
        own = hparams[r["name"]]
        shown = [{"key": k, "text": hparam_text(own[k])} for k in varying if k in own]
        rows[r["name"]] = {
            "color": styles[r["name"]].color,
            "overlay": overlay_path(slugify(r["name"])),
            "search": _search_text(r, shown),
            "hparams": shown,
        }
    numeric = {k: all(_hparam_cell(h.get(k), k in h)["num"] is not None for h in hparams.values() if k in h) for k in keys}
    columns = [
        {"id": "h:" + k, "label": k, "group": "hparam", "sort": "num" if numeric[k] else "text"}
        for k in keys
    ]
    values: dict[str, list[Any]] = {}
    for k in keys:
        # a number as itself (the script shows and sorts it), anything else as its text
        cells = [_hparam_cell(hparams[n].get(k), k in hparams[n]) if k in hparams[n] else None for n in names]
        values["h:" + k] = [None if c is None else c["num"] if c["num"] is not None else c["text"] for c in cells]
    metrics = sorted({m for r in records for m in r["metrics"]})
    for m in metrics:
        for field, word in METRIC_FIELDS:
            cid = f"m:{field}:{m}"
            columns.append({"id": cid, "label": f"{m} {word}", "group": "metric", "sort": "num"})
            values[cid] = [_metric_value(r, m, field) for r in records]
    return {
        "rows": rows,
        "columns": columns,
        "data": Markup(script_json({"columns": columns, "values": values})),
    }


def _metric_value(rec: Mapping[str, Any], metric: str, field: str) -> float | None:
    """The value to 7 significant digits: the table shows 4, and 1,000 runs' full float64 text
    would double the index's column table (bench/bench_workbench.py)."""
    summary = rec["metrics"].get(metric)
    value = summary.get(field) if summary else None
    return float(f"{value:.7g}") if isinstance(value, (int, float)) and math.isfinite(value) else None
