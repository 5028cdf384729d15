"""Checks of the run manifest's richer keys (the `Custom` kinds of manifest/format.py RUN):
`logs`, `metrics`, `hparams`, `analysis`, `kind`, `checkpoints`. Each takes the checker, where
the key sits, its value (None when absent) and the Context, and returns the field's value."""

from __future__ import annotations

import os
from typing import Any

from reportgen.manifest.checkpoint_files import snapshot_paths, weight_files
from reportgen.manifest.class_balance import check_balance, check_dataset_balance
from reportgen.manifest.format import CHECKPOINTS, KINDS, LOG_ENTRY
from reportgen.manifest.input_paths import InputRoots, Refused, resolve_input
from reportgen.manifest.validate import Check, Context, check_table, refuse_unknown
from reportgen.manifest.values import Checker, check_analysis, describe, suggest
from reportgen.model import LOG_FORMATS as FORMATS
from reportgen.model import ROLES, CheckpointSpec, LogSpec


def check_logs(checker: Checker, at: str, value: Any, context: Context) -> tuple[LogSpec, ...]:
    if value is None:
        checker.error(at, "expected a log path or a list of log paths, got nothing")
        return ()
    roots = context.roots or InputRoots.for_runs(context.base)
    items = value if isinstance(value, list) else [value]
    if not items:
        checker.error(at, "the list of logs is empty: name at least one log file")
    logs: list[LogSpec] = []
    for i, item in enumerate(items):
        key = f"{at}[{i}]" if isinstance(value, list) else at
        fmt = "auto"
        if isinstance(item, dict):
            refuse_unknown(checker, LOG_ENTRY, sorted(map(str, item)), f"{key}.")
            raw_path = item.get("path")
            fmt_value = item.get("format", "auto")
            if not isinstance(fmt_value, str) or fmt_value not in FORMATS:
                shown = fmt_value if isinstance(fmt_value, str) else describe(fmt_value)
                checker.error(
                    f"{key}.format",
                    f"expected one of {', '.join(FORMATS)}, got {shown!r}"
                    + (suggest(fmt_value, FORMATS) if isinstance(fmt_value, str) else ""),
                )
                continue
            fmt = fmt_value
            path_key = f"{key}.path"
        else:
            raw_path = item
            path_key = key
        if not isinstance(raw_path, str) or not raw_path.strip():
            checker.error(path_key, f"expected a file path, got {describe(raw_path)}")
            continue
        try:
            path = resolve_input(raw_path, context.base, roots)
        except Refused as exc:
            if exc.missing:
                checker.error(
                    path_key, f"log file not found: {raw_path} (paths are relative to the manifest)"
                )
            else:
                checker.error(path_key, exc.message)
            continue
        logs.append(LogSpec(path=path, format=fmt, where=checker.doc.where(path_key)))
    return tuple(logs)


def check_metrics(checker: Checker, at: str, value: Any, context: Context) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        checker.error(
            at, f"expected a mapping of role to logged metric name, got {describe(value)}"
        )
        return None
    metrics: dict[str, str] = {}
    for role, series in value.items():
        if role not in ROLES:
            checker.error(
                f"{at}.{role}",
                f"unknown role{suggest(str(role), ROLES)}; roles are {', '.join(ROLES)}",
                at_key=True,
            )
        elif not isinstance(series, str):
            checker.error(
                f"{at}.{role}", f"expected the name of a logged metric, got {describe(series)}"
            )
        else:
            metrics[role] = series
    return metrics


def check_hparams(checker: Checker, at: str, value: Any, context: Context) -> dict[str, Any] | None:
    value = value or {}
    if not isinstance(value, dict):
        checker.error(at, f"expected a mapping of parameter names to values, got {describe(value)}")
        return None
    return {str(k): v for k, v in value.items()}


def check_run_analysis(checker: Checker, at: str, value: Any, context: Context) -> Any:
    """Thresholds over the site's defaults (the site's own, when the key is absent)."""
    return check_analysis(checker, value, at, context.analysis)


def check_run_kind(checker: Checker, at: str, value: Any, context: Context) -> None:
    kind = checker.choice(context.data, "kind", KINDS, at=at)
    if kind == "dataset":
        checker.error(at, "a dataset manifest has no logs: remove logs: or use kind: run")


def check_checkpoints(
    checker: Checker, at: str, value: Any, context: Context
) -> CheckpointSpec | None:
    """`checkpoints:` a folder or glob (relative to the manifest), or {path, include, exclude}.
    Kept as written: the inside-the-model views resolve it (within the allowed input roots)."""
    if value is None:
        return None
    if isinstance(value, str):
        if not value.strip():
            checker.error(at, "the checkpoint path is empty")
            return None
        value = {"path": value}
        where = checker.doc.where(at)
    elif isinstance(value, dict):
        where = checker.doc.where(f"{at}.path")
    else:
        checker.error(
            at,
            f"expected a folder or glob, or a mapping with path, include and exclude, got {describe(value)}",
        )
        return None
    before = len(checker.problems)
    fields = check_table(checker, CHECKPOINTS, value, {}, Context(value, context.base), f"{at}.")
    if len(checker.problems) > before or "path" not in fields:
        return None
    spec = CheckpointSpec(
        path=fields["path"],
        where=where,
        include=fields.get("include", ()),
        exclude=fields.get("exclude", ()),
    )
    key = at if where == checker.doc.where(at) else f"{at}.path"
    return spec if _checkpoint_files_allowed(checker, key, spec, context) else None


def _checkpoint_files_allowed(checker: Checker, key: str, spec: CheckpointSpec, context: Context) -> bool:
    """Every snapshot file the path matches exists and passes the input path policy, one file
    at a time (a folder of checkpoints is far past the bounds of a log folder)."""
    base = context.base
    if not any(ch in spec.path for ch in "*?[") and not os.path.lexists(base / spec.path):
        checker.error(key, f"checkpoints not found: {spec.path} (paths are relative to the manifest)")
        return False
    found = snapshot_paths(spec, base)
    if not found:
        checker.error(
            key, f"no checkpoint files (.npz, .npy, .safetensors, .pt, .bin, .ckpt, .h5) match {spec.path!r}"
        )
        return False
    if context.roots is None:
        return True
    for path in found:
        for file in weight_files(path):
            try:
                resolve_input(os.path.relpath(file, base), base, context.roots, folder_ok=False)
            except Refused as exc:
                checker.error(key, exc.message)
                return False
    return True


RUN_CHECKS: dict[str, Check] = {
    "logs": check_logs,
    "metrics": check_metrics,
    "hparams": check_hparams,
    "analysis": check_run_analysis,
    "run_kind": check_run_kind,
    "class_balance": check_balance,
    "checkpoints": check_checkpoints,
}
DATASET_CHECKS: dict[str, Check] = {
    "analysis": check_run_analysis,
    "dataset_balance": check_dataset_balance,
}
