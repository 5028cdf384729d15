"""Which comparison pages exist (each run's colour is figures/run_styles.py's).

Pure: no I/O. Declared comparisons come from `compare:` in reportgen.yaml, in the user's order;
then one per group and one per tag with at least two runs, each in name order.
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportgen.errors import Location, ManifestError
from reportgen.figures.run_styles import Style, run_colors  # noqa: F401 - site/pages.py takes them from here
from reportgen.manifest.slug import slugify
from reportgen.model import RunSpec

KINDS = ("declared", "group", "tag")
DECLARED_KEYS = ("name", "runs", "tags")


@dataclass(frozen=True)
class Comparison:
    name: str  # unique across the site
    slug: str  # unique across the site; the page is compare/<slug>/index.html
    kind: str  # "declared" | "group" | "tag"
    runs: tuple[str, ...]  # sorted run names


def _is_glob(pattern: str) -> bool:
    return any(ch in pattern for ch in "*?[")


class _Problems:
    """Collects errors at `compare[i]...` keys, located in reportgen.yaml when positions are known."""

    def __init__(self, path: Path | None, positions: Mapping[str, tuple[int, int]] | None):
        self.path = path
        self.positions = positions or {}
        self.errors: list[ManifestError] = []

    def add(self, key: str, message: str) -> None:
        probe = key
        where = Location(self.path)
        while probe:
            if probe in self.positions:
                line, col = self.positions[probe]
                where = Location(self.path, line, col)
                break
            probe = (
                probe[: probe.rindex("[")]
                if probe.endswith("]")
                else (probe[: probe.rindex(".")] if "." in probe else "")
            )
        self.errors.append(ManifestError(message, where, key))


def _word_list(problems: _Problems, key: str, raw: Any) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not all(
        isinstance(x, (str, int)) and not isinstance(x, bool) for x in raw
    ):
        problems.add(key, "expected a list of run names or patterns")
        return []
    return [str(x) for x in raw]


def _declared(
    specs: Sequence[RunSpec], declared: Sequence[Any], problems: _Problems
) -> list[tuple[str, str, tuple[str, ...]]]:
    """(name, kind, runs) per valid declared comparison, in the user's order."""
    names = sorted(s.name for s in specs)
    tags_of = {s.name: set(s.tags) for s in specs}
    out = []
    for i, item in enumerate(declared):
        key = f"compare[{i}]"
        if not isinstance(item, dict):
            problems.add(key, "expected a mapping with name, runs and/or tags")
            continue
        unknown = sorted(str(k) for k in item if k not in DECLARED_KEYS)
        for k in unknown:
            problems.add(f"{key}.{k}", "unknown setting; a comparison takes name, runs and tags")
        name = item.get("name")
        if not isinstance(name, (str, int)) or isinstance(name, bool) or not str(name).strip():
            problems.add(f"{key}.name" if "name" in item else key, "every comparison needs a name")
            continue
        name = str(name).strip()
        patterns = _word_list(problems, f"{key}.runs", item.get("runs"))
        tags = _word_list(problems, f"{key}.tags", item.get("tags"))
        if not patterns and not tags:
            problems.add(key, f"comparison '{name}' lists no runs and no tags")
            continue
        chosen: set[str] = set()
        before = len(problems.errors)
        for j, pattern in enumerate(patterns):
            hits = [n for n in names if fnmatch.fnmatchcase(n, pattern)]
            # A plain name or a tag that matches nothing is a typo, even when other entries match.
            if not hits and not _is_glob(pattern):
                problems.add(f"{key}.runs[{j}]", f"comparison '{name}': no run named '{pattern}'")
            chosen.update(hits)
        for j, tag in enumerate(tags):
            hits = [n for n in names if tag in tags_of[n]]
            if not hits:
                problems.add(f"{key}.tags[{j}]", f"comparison '{name}': no run has the tag '{tag}'")
            chosen.update(hits)
        if not chosen:
            if len(problems.errors) == before:  # a typo above already explains it
                problems.add(key, f"comparison '{name}' matches no run; check its runs and tags")
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
    specs: Sequence[RunSpec],
    declared: Sequence[Any],
    *,
    config_path: Path | None = None,
    positions: Mapping[str, tuple[int, int]] | None = None,
) -> tuple[list[Comparison], list[ManifestError]]:
    """Like plan_comparisons, but returns every problem instead of raising the first.

    A declared comparison that is malformed or matches no run is left out; one where a single
    entry is a typo keeps the runs the other entries matched. The automatic ones are always there.
    """
    problems = _Problems(config_path, positions)
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
    return out, problems.errors


def plan_comparisons(
    specs: Sequence[RunSpec],
    declared: Sequence[Any],
    *,
    config_path: Path | None = None,
    positions: Mapping[str, tuple[int, int]] | None = None,
) -> list[Comparison]:
    """Every comparison page: declared (user's order), then per group, then per tag (name order).

    A declared comparison includes each run whose name matches one of its `runs` patterns
    (fnmatch, case-sensitive) or that carries one of its `tags`. Automatic comparisons need at
    least two runs. Raises ManifestError (at `compare[i]` in reportgen.yaml when `positions` are
    given) for the first malformed comparison, one that matches no run, or a plain run name or
    tag that no run has.
    """
    comparisons, errors = check_comparisons(
        specs, declared, config_path=config_path, positions=positions
    )
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
