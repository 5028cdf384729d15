"""Walk a table of manifest/format.py over one YAML mapping: refuse unknown keys (with "did you
mean"), report missing required keys, read simple values, and hand each `Custom` value to its
check function. Every problem is collected in the Checker, none raised."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reportgen.manifest.format import Choice, Custom, Table, Text, Whole, Words, and_list
from reportgen.manifest.input_paths import InputRoots
from reportgen.manifest.values import Checker, describe, suggest
from reportgen.model import AnalysisConfig


@dataclass
class Context:
    """What a check may need beyond its value: the whole mapping (a key read with another),
    where relative paths start, which files may be named, the analysis defaults, and the values
    read so far (by field name)."""

    data: dict
    base: Path
    roots: InputRoots | None = None
    analysis: AnalysisConfig = field(default_factory=AnalysisConfig)
    values: dict[str, Any] = field(default_factory=dict)


# A check reads one key's value (None when absent) and returns what its field holds, or None
# (then the field keeps its default). It reports problems through the Checker.
Check = Callable[[Checker, str, Any, Context], Any]


def refuse_unknown(checker: Checker, table: Table, keys: Iterable[str], prefix: str = "") -> None:
    """One error per key not in `table`, in the order given, with the nearest key suggested."""
    names = table.names
    for k in keys:
        if k not in names:
            message = table.unknown.format(suggest=suggest(k, names), names=and_list(names))
            checker.error(f"{prefix}{k}", message, at_key=True)


def check_table(
    checker: Checker,
    table: Table,
    data: dict,
    checks: Mapping[str, Check],
    context: Context,
    prefix: str = "",
) -> dict[str, Any]:
    """The fields `data` sets, by field name (the key's name in a nested table), checked in the
    table's order (`prefix` is where the mapping sits, e.g. "sweeps[0]."). Fields whose value is
    absent or wrong are left out. A Custom check that is missing from `checks` raises KeyError:
    a table and its loader's checks disagree (a programming error, not a user's)."""
    # unknown top-level keys in the user's order, nested ones sorted: the order messages had
    refuse_unknown(checker, table, sorted(map(str, data)) if prefix else map(str, data), prefix)
    values = context.values
    for key in table.keys:
        at = prefix + key.name
        kind = key.kind
        if key.required and key.name not in data and not isinstance(kind, Text):
            checker.error(
                prefix.rstrip(".") or None, key.missing or f"missing required key {key.name!r}"
            )
        if isinstance(kind, Custom):
            if kind.check is None:
                continue  # read by another key's check
            value = checks[kind.check](checker, at, data.get(key.name), context)
        else:
            value = _simple(checker, kind, at, data, key.name, key.required)
        if value is not None:
            values[key.field or key.name] = value
    return values


def _simple(checker: Checker, kind: Any, at: str, data: dict, name: str, required: bool) -> Any:
    if isinstance(kind, Text):
        value = checker.text(data, name, required=required, at=at, numbers=kind.numbers)
        if value is not None and kind.empty and not value.strip():
            checker.error(at, kind.empty)
        return value.strip() if value is not None and kind.strip else value
    if isinstance(kind, Choice):
        return checker.choice(data, name, kind.values, at=at)
    value = data.get(name)
    if value is None:
        return None
    if isinstance(kind, Words):
        return words(checker, at, value)
    if isinstance(kind, Whole):
        if isinstance(value, bool) or not isinstance(value, int) or value < kind.minimum:
            checker.error(
                at, f"expected a whole number of at least {kind.minimum}, got {describe(value)}"
            )
            return None
        return value
    raise TypeError(f"no check for {kind!r}")


def words(checker: Checker, at: str, value: Any) -> tuple[str, ...] | None:
    """A list of words (or one word) as text, duplicates dropped; None after a problem."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        checker.error(at, f"expected a list of words, got {describe(value)}")
        return None
    bad = [
        i
        for i, t in enumerate(items)
        if isinstance(t, bool) or not isinstance(t, (str, int, float))
    ]
    for i in bad:
        checker.error(f"{at}[{i}]", f"expected a word, got {describe(items[i])}")
    return None if bad else tuple(dict.fromkeys(str(t) for t in items))
