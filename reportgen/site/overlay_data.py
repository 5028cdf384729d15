"""The index workbench's per-run curve data (templates/static/workbench/ticks.js): one small script per
run, `runs/<slug>/overlay.js`, that the index loads on demand by inserting a `<script src>` (file://
forbids fetch(); a script tag works from disk, a sub-path and, as a data: URI, the single file).

Budget: each curve is cut to what OVERLAY_COLUMNS pixel columns can show (M4 decimation: per column
its first, last, lowest and highest point, so at most 4 x OVERLAY_COLUMNS = 480 points), plus the
exact best and final points, so a tick never shows a best value the log does not hold.

What a run carries to decide which runs share an axis is what figures/comparability.py uses: its
kind (task, loss) and whether its positions are known in epochs. Pure: a RunData in, bytes out.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from reportgen.figures.comparability import has_epochs, run_kind
from reportgen.figures.decimation import decimate
from reportgen.model import RunData, Series
from reportgen.site.json_numbers import floats, ints

OVERLAY_COLUMNS = 120
# The curves a user can overlay, in the order the workbench offers them; losses are best when
# lowest, accuracies when highest.
OVERLAY_ROLES = ("val_loss", "train_loss", "val_acc")
HIGHER_IS_BETTER = frozenset({"val_acc"})
# The global every overlay script appends to (workbench/ticks.js reads it).
SINK = "reportgenOverlay"


def _point(series: Series, i: int, epochs: np.ndarray | None) -> dict[str, Any]:
    return {
        "step": int(series.steps[i]),
        "epoch": None if epochs is None else float(epochs[i]),
        "value": float(series.values[i]),
    }


def _epochs(run: RunData, series: Series) -> np.ndarray | None:
    """The series' epoch per point: its steps when the run counts epochs, its logged epochs when
    every point has one, else None (it can only be drawn by step)."""
    if run.x == "epoch":
        return series.steps.astype(np.float64)
    if series.epoch is not None and bool(np.isfinite(series.epoch).all()):
        return series.epoch
    return None


def overlay_curve(run: RunData, role: str, columns: int = OVERLAY_COLUMNS) -> dict[str, Any] | None:
    """One role's curve, decimated, with its exact best and final points; None when the run does
    not log the role or the role holds no finite value. Non-finite values become None (a gap)."""
    series = run.role(role)
    if series is None or len(series) == 0:
        return None
    values = series.values
    finite = np.flatnonzero(np.isfinite(values))
    if finite.size == 0:
        return None
    pick = np.argmax if role in HIGHER_IS_BETTER else np.argmin
    best = int(finite[pick(values[finite])])
    final = int(finite[-1])
    kept_steps, _ = decimate(series.steps.astype(np.float64), values, columns)
    # steps are unique and ascending, so a kept step finds its own index by binary search
    # (np.isin would sort all of a long series again)
    keep = np.zeros(len(series), dtype=bool)
    keep[np.searchsorted(series.steps, kept_steps.astype(np.int64))] = True
    keep[[best, final]] = True
    chosen = np.flatnonzero(keep)
    epochs = _epochs(run, series)
    return {
        "role": role,
        "metric": series.name,
        "points": len(series),
        "kept": int(chosen.size),
        "step": ints(series.steps[chosen]),
        "epoch": None if epochs is None else floats(epochs[chosen]),  # all finite (_epochs)
        "value": floats(values[chosen]),
        "best": _point(series, best, epochs),
        "final": _point(series, final, epochs),
    }


def overlay_payload(run: RunData, columns: int = OVERLAY_COLUMNS) -> dict[str, Any]:
    """The run's overlay data: {name, kind, x, epochs, curves}. `epochs` is what comparability's
    x rule asks of the run (figures/comparability.py x_units)."""
    kind = run_kind(run.spec.task, run.spec.loss)
    rule_role = "val_loss" if run.role("val_loss") is not None else "train_loss"
    curves = [c for c in (overlay_curve(run, role, columns) for role in OVERLAY_ROLES) if c is not None]
    return {
        "name": run.spec.name,
        "kind": {"task": kind.task, "loss": kind.loss, "label": kind.label},
        "x": run.x,
        "epochs": has_epochs(run, rule_role),
        "curves": curves,
    }


def script_json(data: Any) -> str:
    """JSON that is safe inside a <script> element and a .js file: ASCII only (no U+2028 surprises),
    sorted keys (byte-identical output), and no `<`, `>` or `&` at all, so no `</script>` or `<!--`
    can end or confuse the script. `<` only ever occurs inside a JSON string, where \\u003c is the
    same character to both JSON.parse and JavaScript."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def overlay_script(run: RunData, columns: int = OVERLAY_COLUMNS) -> bytes:
    """The run's overlay.js: appends its payload to window.reportgenOverlay."""
    body = script_json(overlay_payload(run, columns))
    return f"(window.{SINK} = window.{SINK} || []).push({body});\n".encode("ascii")
