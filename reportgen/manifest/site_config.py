"""The optional site config, `DIR/reportgen.yaml` (keys: manifest/format.py SITE): title, default
analysis thresholds, declared comparisons and sweeps, and the folders outside the runs folder
that manifests may name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reportgen.errors import ManifestError, ReportgenError
from reportgen.manifest.format import COMPARE, SITE, SWEEP, and_list
from reportgen.manifest.validate import Check, Context, check_table
from reportgen.manifest.values import Checker, check_analysis, describe
from reportgen.manifest.yaml_positions import ParsedYaml, load_yaml
from reportgen.model import AnalysisConfig, CompareSpec, SiteConfig, SweepSpec

SITE_CONFIG = "reportgen.yaml"


def load_site_config(
    runs_dir: Path, parsed: ParsedYaml | None = None
) -> tuple[SiteConfig, list[ReportgenError]]:
    path = runs_dir / SITE_CONFIG
    if not path.exists():
        return SiteConfig(), []
    try:
        doc = load_yaml(path, parsed)
    except ManifestError as exc:
        return SiteConfig(path=path), [exc]
    data = doc.data if doc.data is not None else {}
    checker = Checker(doc)
    if not isinstance(data, dict):
        checker.error(None, f"expected a mapping of settings, got {describe(data)}")
        return SiteConfig(path=path), list(checker.problems)
    fields = check_table(checker, SITE, data, SITE_CHECKS, Context(data, runs_dir))
    return SiteConfig(path=path, **fields), list(checker.problems)


def _title(checker: Checker, at: str, value: Any, context: Context) -> str | None:
    return checker.text(context.data, "title") or None  # blank: the default title


def _analysis(checker: Checker, at: str, value: Any, context: Context) -> AnalysisConfig:
    """`analysis:` thresholds, then the `smoothing:` shorthand over them."""
    analysis = check_analysis(checker, value, at, AnalysisConfig())
    if "smoothing" in context.data:
        analysis = check_analysis(checker, {"smoothing": context.data["smoothing"]}, "", analysis)
    return analysis


def _allow_outside(checker: Checker, at: str, value: Any, context: Context) -> tuple[Path, ...]:
    """`allow_outside:` folders (relative to the runs folder), resolved; each must exist."""
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        checker.error(at, f"expected a list of folders, got {describe(value)}")
        return ()
    found: list[Path] = []
    for i, item in enumerate(items):
        key = f"{at}[{i}]" if isinstance(value, list) else at
        if not isinstance(item, str) or not item.strip():
            checker.error(key, f"expected a folder path, got {describe(item)}")
            continue
        folder = context.base / item
        if not folder.is_dir():
            checker.error(key, f"folder not found: {item} (paths are relative to the runs folder)")
            continue
        found.append(folder.resolve())
    return tuple(found)


def _listed(checker: Checker, at: str, value: Any, what: str, takes: str) -> list[tuple[str, dict]]:
    """(key, mapping) per entry of a list of mappings; a problem for anything else."""
    if value is None:
        return []
    if not isinstance(value, list):
        checker.error(at, f"expected a list of {what}, got {describe(value)}")
        return []
    out = []
    for i, item in enumerate(value):
        key = f"{at}[{i}]"
        if isinstance(item, dict):
            out.append((key, item))
        else:
            checker.error(key, f"expected a mapping with {takes}", at_key=True)
    return out


def _compare_name(checker: Checker, at: str, value: Any, context: Context) -> str | None:
    """A comparison's name: text or a number, not blank (absent: the table says so)."""
    if "name" not in context.data:
        return None
    if not isinstance(value, (str, int)) or isinstance(value, bool) or not str(value).strip():
        checker.error(at, "every comparison needs a name", at_key=True)
        return None
    return str(value).strip()


def _patterns(checker: Checker, at: str, value: Any, context: Context) -> tuple[str, ...] | None:
    """A comparison's `runs:` or `tags:`: one word or a list of them (text or numbers)."""
    if value is None:
        return None
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(
        isinstance(x, (str, int)) and not isinstance(x, bool) for x in items
    ):
        checker.error(at, "expected a list of run names or patterns", at_key=True)
        return None
    return tuple(str(x) for x in items)


def _compare(checker: Checker, at: str, value: Any, context: Context) -> tuple[CompareSpec, ...]:
    """Declared comparisons, in the user's order; site/comparisons.py matches them to runs."""
    doc = checker.doc
    checks: dict[str, Check] = {"compare_name": _compare_name, "run_patterns": _patterns}
    out = []
    for key, item in _listed(checker, at, value, "comparisons", "name, runs and/or tags"):
        fields = check_table(checker, COMPARE, item, checks, Context(item, context.base), f"{key}.")
        if "name" not in fields:
            continue
        name, runs, tags = fields["name"], fields.get("runs", ()), fields.get("tags", ())
        if not runs and not tags:
            checker.error(key, f"comparison '{name}' lists no runs and no tags", at_key=True)
            continue
        out.append(
            CompareSpec(
                name=name,
                where=doc.where(key, value=False),
                key=key,
                runs=runs,
                tags=tags,
                runs_where=tuple(
                    doc.where(f"{key}.runs[{j}]", value=False) for j in range(len(runs))
                ),
                tags_where=tuple(
                    doc.where(f"{key}.tags[{j}]", value=False) for j in range(len(tags))
                ),
            )
        )
    return tuple(out)


def _sweeps(checker: Checker, at: str, value: Any, context: Context) -> tuple[SweepSpec, ...]:
    """Declared sweeps (consumed by the sweep pages): each needs a name and runs or tags."""
    out: list[SweepSpec] = []
    seen: dict[str, int | None] = {}  # name -> line of the first
    for key, item in _listed(checker, at, value, "sweeps", and_list(SWEEP.names)):
        before = len(checker.problems)
        fields = check_table(checker, SWEEP, item, {}, Context(item, context.base), f"{key}.")
        if len(checker.problems) > before or "name" not in fields:
            continue
        if not fields.get("runs") and not fields.get("tags"):
            checker.error(
                key,
                f"sweep '{fields['name']}' lists no runs and no tags; add runs: or tags:",
                at_key=True,
            )
            continue
        if fields["name"] in seen:
            first = seen[fields["name"]]
            checker.error(
                f"{key}.name",
                f"duplicate sweep name {fields['name']!r} (first given on line {first}); rename one of them",
            )
            continue
        seen[fields["name"]] = checker.doc.where(f"{key}.name").line
        out.append(SweepSpec(where=checker.doc.where(key, value=False), **fields))
    return tuple(out)


SITE_CHECKS: dict[str, Check] = {
    "site_title": _title,
    "site_analysis": _analysis,
    "compare": _compare,
    "allow_outside": _allow_outside,
    "sweeps": _sweeps,
}
