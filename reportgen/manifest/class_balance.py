"""`class_balance:` (with `class_names:`) of a run or dataset manifest: a dataset name, a counts
file, or a mapping of split to a label file, a counts file ({path, column}) or counts written
inline ({class: count}). The keys are declared in manifest/format.py."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from reportgen.manifest.format import LABEL_FILE
from reportgen.manifest.input_paths import InputRoots, Refused, resolve_input
from reportgen.manifest.validate import Context, refuse_unknown
from reportgen.manifest.values import Checker, describe
from reportgen.model import BalanceSource, BalanceSpec

# Class counts are summed and stored as 64-bit integers: far below their limit, far above any dataset.
MAX_COUNT = 10**15


def _check_class_names(checker: Checker, value: Any) -> tuple[str, ...] | dict[str, str] | None:
    if value is None:
        return None
    if isinstance(value, list) and all(
        isinstance(v, (str, int)) and not isinstance(v, bool) for v in value
    ):
        return tuple(str(v) for v in value)
    if isinstance(value, dict) and all(
        isinstance(v, (str, int)) and not isinstance(v, bool) for v in value.values()
    ):
        return {str(k): str(v) for k, v in value.items()}
    checker.error(
        "class_names",
        f"expected a list of class names or a mapping of class to name, got {describe(value)}",
    )
    return None


def _balance_file(
    checker: Checker, key: str, raw: str, manifest_dir: Path, roots: InputRoots, what: str
) -> Path | None:
    try:
        return resolve_input(raw, manifest_dir, roots, folder_ok=False)
    except Refused as exc:
        if exc.missing:
            checker.error(key, f"{what} not found: {raw} (paths are relative to the manifest)")
        else:
            checker.error(key, exc.message)
        return None


def check_balance(checker: Checker, at: str, value: Any, context: Context) -> BalanceSpec | None:
    """A run's `class_balance:` (with `class_names:` from the same mapping)."""
    data, base = context.data, context.base
    roots = context.roots or InputRoots.for_runs(base)
    if value is None:
        if "class_names" in data:
            checker.error("class_names", "class_names needs class_balance beside it", at_key=True)
        return None
    names = _check_class_names(checker, data.get("class_names"))
    where = checker.doc.where(at)
    if isinstance(value, str):
        if os.path.lexists(base / value) or "/" in value or "." in Path(value).name:
            path = _balance_file(checker, at, value, base, roots, "file")
            if path is None:
                return None
            return BalanceSpec(
                where=where, sources=(BalanceSource(None, where, path=path),), class_names=names
            )
        return BalanceSpec(where=where, class_names=names, dataset=value)
    if not isinstance(value, dict) or not value:
        checker.error(
            at,
            f"expected a dataset name, a counts file, or a mapping of split to label file, got {describe(value)}",
        )
        return None
    sources: list[BalanceSource] = []
    for split, item in value.items():
        key = f"{at}.{split}"
        where_split = checker.doc.where(key)
        column = None
        if isinstance(item, dict) and "path" in item:
            refuse_unknown(checker, LABEL_FILE, sorted(map(str, item)), f"{key}.")
            column = item.get("column")
            if column is not None and not isinstance(column, str):
                checker.error(f"{key}.column", f"expected a column name, got {describe(column)}")
                continue
            item = item["path"]
        if isinstance(item, str):
            path = _balance_file(checker, key, item, base, roots, "label file")
            if path is None:
                continue
            sources.append(BalanceSource(str(split), where_split, path=path, column=column))
        elif isinstance(item, dict):
            bad = [
                k
                for k, v in item.items()
                if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= MAX_COUNT
            ]
            if bad:
                checker.error(
                    f"{key}.{bad[0]}",
                    f"expected a whole count from 0 to {MAX_COUNT:,}, got {describe(item[bad[0]])}",
                )
                continue
            sources.append(
                BalanceSource(
                    str(split), where_split, counts={str(k): int(v) for k, v in item.items()}
                )
            )
        else:
            checker.error(
                key,
                f"expected a label file path or a mapping of class to count, got {describe(item)}",
            )
    return BalanceSpec(where=where, sources=tuple(sources), class_names=names)


def check_dataset_balance(
    checker: Checker, at: str, value: Any, context: Context
) -> BalanceSpec | None:
    """A dataset's `class_balance:`: files or counts, never another dataset."""
    balance = check_balance(checker, at, value, context)
    if balance is not None and balance.dataset is not None:
        checker.error(
            at, "a dataset's class_balance must name files or counts, not another dataset"
        )
    return balance
