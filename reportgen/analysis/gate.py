"""`--fail-on`: which flag kinds turn a finished build into a failed CI step (exit code 3)."""

from __future__ import annotations

import difflib
from typing import Any

from reportgen.analysis.glossary import KINDS as GLOSSARY_KINDS
from reportgen.errors import UsageError

# The kinds the analysis can raise: every kind the glossary explains (a kind cannot be raised
# without an entry there), plus two shorthands: "any" matches every flag, "error"/"warning"
# match flags of that severity or worse.
FLAG_KINDS = GLOSSARY_KINDS
SHORTHANDS = ("any", "error", "warning")
_RANK = {"error": 0, "warning": 1, "info": 2}


def parse_fail_on(text: str) -> tuple[str, ...]:
    """`divergence,overfitting` -> ("divergence", "overfitting"); UsageError for an unknown word
    (a typo must not silently disable the gate)."""
    words = [w.strip().lower().replace("-", "_") for w in text.split(",")]
    if not all(words):
        raise UsageError(f"--fail-on: expected a comma-separated list of flag kinds, got {text!r}")
    known = FLAG_KINDS + SHORTHANDS
    for word in words:
        if word not in known:
            close = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise UsageError(f"--fail-on: unknown flag kind {word!r}{hint}; known kinds: {', '.join(known)}")
    return tuple(dict.fromkeys(words))


def matches(flag: dict[str, Any], wanted: tuple[str, ...]) -> bool:
    if "any" in wanted or flag.get("kind") in wanted:
        return True
    rank = _RANK.get(str(flag.get("severity")), 3)
    return ("error" in wanted and rank <= 0) or ("warning" in wanted and rank <= 1)


def gate(runs: list[dict[str, Any]], wanted: tuple[str, ...]) -> list[tuple[str, str]]:
    """(run name, flag kind) for every flag of every run record that `wanted` catches, sorted."""
    hits = {
        (str(rec.get("name")), str(flag.get("kind")))
        for rec in runs
        for flag in rec.get("flags", [])
        if matches(flag, wanted)
    }
    return sorted(hits)
