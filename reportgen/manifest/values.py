"""Checks of single values shared by run manifests, dataset files and the site config: each
problem is collected with the key's line and column, in YAML's words (never Python's)."""

from __future__ import annotations

import difflib
from dataclasses import fields
from typing import Any

from reportgen.errors import ManifestError
from reportgen.manifest.yaml_positions import YamlDoc
from reportgen.model import AnalysisConfig


def suggest(word: str, choices: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def describe(value: Any) -> str:
    """Speak YAML, not Python: what kind of value the user wrote."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"a true/false value ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"text ({value!r})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, tuple):
        return "a list of pairs (!!omap or !!pairs)"
    return "a value of an unsupported kind"


class Checker:
    """Collects every problem in one document instead of stopping at the first."""

    def __init__(self, doc: YamlDoc):
        self.doc = doc
        self.problems: list[ManifestError] = []

    def error(self, key: str | None, message: str, *, at_key: bool = False) -> None:
        """A problem with `key`'s value (pointing at the value), or with the key itself."""
        self.problems.append(ManifestError(message, self.doc.where(key, value=not at_key), key=key))

    def text(self, data: dict, key: str, required: bool = False, *, at: str | None = None, numbers: bool = True) -> str | None:
        """`data[key]` as text (a number as its text when `numbers`); `at` is where the key sits
        when `data` is nested (default: `key`)."""
        at = at or key
        if key not in data or data[key] is None:
            if required:
                parent = at[: -len(key)].rstrip(".") or None
                self.error(parent, f"missing required key {key!r}")
            return None
        value = data[key]
        if numbers and isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str):
            self.error(at, f"expected text, got {describe(value)}")
            return None
        return value

    def choice(self, data: dict, key: str, choices: tuple[str, ...], *, at: str | None = None) -> str | None:
        value = self.text(data, key, at=at)
        if value is not None and value not in choices:
            self.error(at or key, f"expected one of {', '.join(choices)}, got {value!r}{suggest(value, choices)}")
            return None
        return value


# Whole-number thresholds count points or evaluations: past this they mean nothing, and
# nothing downstream should allocate or index by them.
MAX_WHOLE = 1_000_000_000


def _number(value: Any) -> float | int | None:
    """A YAML number, or text that reads as one: YAML 1.1 reads `1e-3` (no dot, no sign) as
    text, which users mean as a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def check_analysis(checker: Checker, value: Any, key: str, base: AnalysisConfig) -> AnalysisConfig:
    """`analysis:` thresholds over `base`; `key` is where they sit ("" for top-level settings)."""
    if value is None:
        return base
    if not isinstance(value, dict):
        checker.error(key, f"expected a mapping of threshold names to numbers, got {describe(value)}")
        return base
    known = {f.name: f for f in fields(AnalysisConfig)}
    changes: dict[str, Any] = {}
    for name, v in value.items():
        sub = f"{key}.{name}" if key else str(name)
        if name not in known:
            checker.error(sub, f"unknown threshold{suggest(str(name), list(known))}; see docs/analysis.md", at_key=True)
            continue
        default = getattr(base, name)
        number = _number(v)
        if number is None:
            checker.error(sub, f"expected a number, got {describe(v)}")
            continue
        if isinstance(default, int) and not isinstance(default, bool):
            if number != number or number in (float("inf"), float("-inf")) or int(number) != number or number < 1:
                checker.error(sub, f"expected a whole number of at least 1, got {v}")
                continue
            if number > MAX_WHOLE:
                checker.error(sub, f"expected a whole number of at most {MAX_WHOLE:,}, got {v}")
                continue
            changes[name] = int(number)
        else:
            try:
                changes[name] = float(number)
            except OverflowError:  # a whole number past the largest float
                changes[name] = float("inf")
            if changes[name] != changes[name] or abs(changes[name]) == float("inf"):
                shown = {"nan": ".nan", "inf": ".inf", "-inf": "-.inf"}.get(str(v), str(v))  # as YAML writes them
                checker.error(sub, f"expected a finite number, got {shown}")
                changes.pop(name)
    smoothing_key = f"{key}.smoothing" if key else "smoothing"
    if "smoothing" in changes and not 0 <= changes["smoothing"] < 1:
        checker.error(smoothing_key, f"expected a number from 0 to below 1, got {changes['smoothing']}")
        changes.pop("smoothing")
    return base.replace(**changes)
