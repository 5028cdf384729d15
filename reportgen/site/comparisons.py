"""Which comparison pages exist (each run's colour is figures/run_styles.py's).

Pure: no I/O. Declared comparisons come from `compare:` in reportgen.yaml, in the user's order;
then one per group and one per tag with at least two runs, each in name order.
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reportgen.errors import ManifestError
from reportgen.figures.run_styles import Style, run_colors  # noqa: F401 - site/pages.py takes them from here
from reportgen.manifest.slug import slugify
from reportgen.model import CompareSpec, RunSpec

KINDS = ("declared", "group", "tag")


@dataclass(frozen=True)
class Comparison:
    name: str  # unique across the site
    slug: str  # unique across the site; the page is compare/<slug>/index.html
    kind: str  # "declared" | "group" | "tag"
    runs: tuple[str, ...]  # sorted run names


def _is_glob(pattern: str) -> bool:
    return any(ch in pattern for ch in "*?[")


def _declared(
    specs: Sequence[RunSpec], declared: Sequence[CompareSpec], problems: list[ManifestError]
) -> list[tuple[str, str, tuple[str, ...]]]:
    """(name, kind, runs) per declared comparison that matches a run, in the user's order. The
    declarations were checked when reportgen.yaml was read (manifest/site_config.py)."""
    names = sorted(s.name for s in specs)
    tags_of = {s.name: set(s.tags) for s in specs}
    out = []
    for comp in declared:
        name, key = comp.name, comp.key
        chosen: set[str] = set()
        before = len(problems)
        for j, (pattern, where) in enumerate(zip(comp.runs, comp.runs_where)):
            hits = [n for n in names if fnmatch.fnmatchcase(n, pattern)]
            # A plain name or a tag that matches nothing is a typo, even when other entries match.
            if not hits and not _is_glob(pattern):
                problems.append(ManifestError(f"comparison '{name}': no run named '{pattern}'", where, f"{key}.runs[{j}]"))
            chosen.update(hits)
        for j, (tag, where) in enumerate(zip(comp.tags, comp.tags_where)):
            hits = [n for n in names if tag in tags_of[n]]
            if not hits:
                problems.append(ManifestError(f"comparison '{name}': no run has the tag '{tag}'", where, f"{key}.tags[{j}]"))
            chosen.update(hits)
        if not chosen:
            if len(problems) == before:  # a typo above already explains it
                problems.append(ManifestError(f"comparison '{name}' matches no run; check its runs and tags", comp.where, key))
            continue
        out.append((name, "declared", tuple(sorted(chosen))))
    return out


def _automatic(specs: Sequence[RunSpec]) -> list[tuple[str, str, tuple[str, ...]]]:
    groups: dict[str, list[str]] = {}
    tags: dict[str, list[str]] = {}
    for spec in specs:
        if spec.group:
            groups.setdefault(spec.group, []).append(spec.name)
        for tag in spec.tags:
            tags.setdefault(tag, []).append(spec.name)
    out = [(g, "group", tuple(sorted(r))) for g, r in sorted(groups.items()) if len(r) >= 2]
    out += [(t, "tag", tuple(sorted(r))) for t, r in sorted(tags.items()) if len(r) >= 2]
    return out


def _unique(wanted: str, taken: set[str], template: str) -> str:
    """`wanted`, or `template` filled with {base} and the first free k >= 2."""
    candidate, k = wanted, 2
    while candidate in taken:
        candidate, k = template.format(base=wanted, k=k), k + 1
    taken.add(candidate)
    return candidate


def check_comparisons(
    specs: Sequence[RunSpec], declared: Sequence[CompareSpec]
) -> tuple[list[Comparison], list[ManifestError]]:
    """Like plan_comparisons, but returns every problem instead of raising the first.

    A declared comparison that matches no run is left out; one where a single
    entry is a typo keeps the runs the other entries matched. The automatic ones are always there.
    """
    problems: list[ManifestError] = []
    planned = _declared(specs, declared, problems) + _automatic(specs)
    # Declared ones come first so the user's names and URLs win any clash; later clashes get
    # " (2)" / "-2" suffixes in this fixed order, so the result never depends on dict order.
    prefix = {"declared": "", "group": "group-", "tag": "tag-"}
    names: set[str] = set()
    slugs: set[str] = set()
    out = []
    for name, kind, runs in planned:
        unique_name = _unique(name, names, "{base} ({k})")
        slug = _unique(prefix[kind] + slugify(name), slugs, "{base}-{k}")
        out.append(Comparison(unique_name, slug, kind, runs))
    return out, problems


def plan_comparisons(specs: Sequence[RunSpec], declared: Sequence[CompareSpec]) -> list[Comparison]:
    """Every comparison page: declared (user's order), then per group, then per tag (name order).

    A declared comparison includes each run whose name matches one of its `runs` patterns
    (fnmatch, case-sensitive) or that carries one of its `tags`. Automatic comparisons need at
    least two runs. Raises ManifestError (at `compare[i]` in reportgen.yaml) for the first
    declared comparison that matches no run, or a plain run name or tag that no run has.
    """
    comparisons, errors = check_comparisons(specs, declared)
    if errors:
        raise errors[0]
    return comparisons


# ----------------------------------------------------------------------------- hparams


def _canonical(value: Any) -> Any:
    """A hashable form where 1 == 1.0 but True != 1 and "1" != 1, and NaN equals NaN."""
    if isinstance(value, bool) or value is None:
        return ("const", value)
    if isinstance(value, (int, float)):
        f = float(value)
        return ("num", "nan" if math.isnan(f) else f)
    if isinstance(value, str):
        return ("str", value)
    if isinstance(value, Mapping):
        return ("map", tuple(sorted((str(k), _canonical(v)) for k, v in value.items())))
    if isinstance(value, (list, tuple)):
        return ("seq", tuple(_canonical(v) for v in value))
    return ("other", repr(value))


def differing_hparams(hparams_by_run: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Sorted keys whose values are not the same in every run, or that some run lacks."""
    runs = list(hparams_by_run.values())
    if len(runs) < 2:
        return []
    keys = sorted({str(k) for h in runs for k in h})
    missing = object()
    out = []
    for key in keys:
        seen = {
            _canonical(h[key]) if key in h else ("missing", id(missing))
            for h in ({str(k): v for k, v in r.items()} for r in runs)
        }
        if len(seen) > 1:
            out.append(key)
    return out
