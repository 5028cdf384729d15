"""The optional site config, `DIR/reportgen.yaml`: title, default analysis thresholds,
comparisons, and the folders outside the runs folder that manifests may name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reportgen.errors import ManifestError, ReportgenError
from reportgen.manifest.values import Checker, check_analysis, describe, suggest
from reportgen.manifest.yaml_positions import ParsedYaml, load_yaml
from reportgen.model import AnalysisConfig, SiteConfig

SITE_CONFIG = "reportgen.yaml"
SITE_KEYS = ("title", "analysis", "compare", "smoothing", "allow_outside")


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
    return SiteConfig(title=title, analysis=analysis, path=path, extra=extra), list(checker.problems)


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
