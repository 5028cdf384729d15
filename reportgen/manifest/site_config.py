"""The optional site config, `DIR/reportgen.yaml`: title, default analysis thresholds,
comparisons, and the folders outside the runs folder that manifests may name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reportgen.errors import ManifestError, ReportgenError
from reportgen.manifest.values import Checker, check_analysis, describe, suggest
from reportgen.manifest.yaml_positions import ParsedYaml, load_yaml
from reportgen.model import AnalysisConfig, SiteConfig, SweepSpec

SITE_CONFIG = "reportgen.yaml"
SITE_KEYS = ("title", "analysis", "compare", "smoothing", "allow_outside", "sweeps")


def load_site_config(runs_dir: Path, parsed: ParsedYaml | None = None) -> tuple[SiteConfig, list[ReportgenError]]:
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
    for key in data:
        if key not in SITE_KEYS:
            checker.error(str(key), f"unknown setting{suggest(str(key), SITE_KEYS)}; see docs/manifest.md", at_key=True)
    title = checker.text(data, "title") or SiteConfig.title
    analysis = check_analysis(checker, data.get("analysis"), "analysis", AnalysisConfig())
    if "smoothing" in data:
        analysis = check_analysis(checker, {"smoothing": data["smoothing"]}, "", analysis)
    compare = data.get("compare") or []
    if not isinstance(compare, list):
        checker.error("compare", f"expected a list of comparisons, got {describe(compare)}")
        compare = []
    extra: dict[str, Any] = {"compare": compare, "positions": doc.positions}
    allowed = _check_allow_outside(checker, data.get("allow_outside"), runs_dir)
    if allowed:
        extra["allow_outside"] = allowed
    sweeps = check_sweeps(checker, data.get("sweeps"))
    return SiteConfig(title=title, analysis=analysis, path=path, extra=extra, sweeps=sweeps), list(checker.problems)


def _check_allow_outside(checker: Checker, value: Any, runs_dir: Path) -> tuple[Path, ...]:
    """`allow_outside:` folders (relative to the runs folder), resolved; each must exist."""
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        checker.error("allow_outside", f"expected a list of folders, got {describe(value)}")
        return ()
    found: list[Path] = []
    for i, item in enumerate(items):
        key = f"allow_outside[{i}]" if isinstance(value, list) else "allow_outside"
        if not isinstance(item, str) or not item.strip():
            checker.error(key, f"expected a folder path, got {describe(item)}")
            continue
        folder = runs_dir / item
        if not folder.is_dir():
            checker.error(key, f"folder not found: {item} (paths are relative to the runs folder)")
            continue
        found.append(folder.resolve())
    return tuple(found)


SWEEP_KEYS = ("name", "runs", "tags", "objective", "summary", "goal")


def check_sweeps(checker: Checker, value: Any) -> tuple[SweepSpec, ...]:
    """`sweeps:` entries: {name, runs, tags, objective, summary: best|final, goal: min|max}.
    Which runs they match is checked when the runs are known (site/sweep_pages.py)."""
    if value is None:
        return ()
    if not isinstance(value, list):
        checker.error("sweeps", f"expected a list of sweeps, got {describe(value)}")
        return ()
    out = []
    for i, item in enumerate(value):
        key = f"sweeps[{i}]"
        if not isinstance(item, dict):
            checker.error(key, f"expected a mapping with name, runs and/or tags, got {describe(item)}")
            continue
        for k in item:
            if k not in SWEEP_KEYS:
                checker.error(f"{key}.{k}", f"unknown setting{suggest(str(k), SWEEP_KEYS)}; a sweep takes "
                              + ", ".join(SWEEP_KEYS), at_key=True)
        name = item.get("name")
        if not isinstance(name, (str, int)) or isinstance(name, bool) or not str(name).strip():
            checker.error(f"{key}.name" if "name" in item else key, "every sweep needs a name")
            continue
        lists = {}
        for field_name in ("runs", "tags"):
            raw = item.get(field_name)
            raw = [raw] if isinstance(raw, str) else (raw or [])
            if not isinstance(raw, list) or not all(isinstance(x, (str, int)) and not isinstance(x, bool) for x in raw):
                checker.error(f"{key}.{field_name}", f"expected a list of run names or patterns, got {describe(item.get(field_name))}"
                              if field_name == "runs" else f"expected a list of tags, got {describe(item.get(field_name))}")
                raw = []
            lists[field_name] = tuple(str(x) for x in raw)
        if not lists["runs"] and not lists["tags"]:
            checker.error(key, f"sweep '{name}' lists no runs and no tags")
            continue
        objective = item.get("objective")
        if objective is not None and (not isinstance(objective, str) or not objective.strip()):
            checker.error(f"{key}.objective", f"expected a metric name, got {describe(objective)}")
            objective = None
        choices = {"summary": ("best", "final"), "goal": ("min", "max")}
        picked = {}
        for field_name, allowed in choices.items():
            raw = item.get(field_name, allowed[0])
            if raw not in allowed:
                checker.error(f"{key}.{field_name}", f"expected one of {', '.join(allowed)}, got {describe(raw)}"
                              + (suggest(raw, allowed) if isinstance(raw, str) else ""))
                raw = allowed[0]
            picked[field_name] = raw
        out.append(SweepSpec(str(name).strip(), checker.doc.where(key, value=True), lists["runs"], lists["tags"],
                             objective, picked["summary"], picked["goal"]))
    return tuple(out)
