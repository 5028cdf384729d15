"""The machine-readable summary (`summary.json`): one plain record per run, also the data the
templates show, so the page and the JSON can never disagree. Schema: docs/summary.md."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import numpy as np

from reportgen import __version__
from reportgen.analysis.pace import pace_record
from reportgen.analysis.util import epoch_of_step, position_text
from reportgen.errors import ReportgenError
from reportgen.figures.plan_scalars import scalar_overview
from reportgen.figures.sparkline import plan_sparkline
from reportgen.model import MetricSummary, ModelViews, RunAnalysis, RunData

SCHEMA_VERSION = 1


def plain(value: Any) -> Any:
    """JSON-safe: numpy scalars to Python, NaN/inf to None, tuples to lists, keys sorted later."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def run_record(run: RunData, analysis: RunAnalysis, page: str) -> dict[str, Any]:
    spec = run.spec
    return plain(
        {
            "name": spec.name,
            "title": spec.display_title,
            "page": page,
            "group": spec.group,
            "tags": list(spec.tags),
            "task": spec.task,
            "loss": spec.loss,
            "num_classes": spec.num_classes,
            "source": spec.source,
            "notes": spec.notes,
            "x": run.x,
            "roles": dict(sorted(run.roles.items())),
            "hparams": dict(sorted(run.hparams.items())),
            "logs": [asdict(s) for s in run.sources],
            "metrics": {name: _metric(run, s) for name, s in sorted(analysis.summaries.items())},
            "best": dict(asdict(analysis.best), at=position_text(analysis.best.step, analysis.best.epoch))
            if analysis.best
            else None,
            "baseline": analysis.baseline,
            "convergence": [asdict(c) for c in analysis.convergence],
            "flags": [dict(asdict(f), at=position_text(f.step, f.epoch)) for f in analysis.flags],
            "trend": _trend(run, analysis),
            **_scalars(run),
        }
    )


def _scalars(run: RunData) -> dict[str, Any]:
    """How long and how fast the run trained, and where each logged series is drawn (issue 16)."""
    return {"pace": pace_record(run), "scalars": scalar_overview(run)}


def _trend(run: RunData, analysis: RunAnalysis) -> dict[str, Any] | None:
    """What the index's sparkline plots and the range it spans (printed beside it)."""
    spark = plan_sparkline(run, analysis)
    return None if spark is None else {"metric": spark.metric, "role": spark.role, "low": spark.low, "high": spark.high}


def _metric(run: RunData, summary: MetricSummary) -> dict[str, Any]:
    """A metric's summary, with its min and max positions in the words findings use."""
    series = run.series.get(summary.name)
    out = asdict(summary)
    for key, step in (("at_min", summary.step_at_min), ("at_max", summary.step_at_max)):
        epoch = epoch_of_step(series, step, run.x == "epoch") if series is not None and step is not None else None
        out[key] = position_text(step, epoch)
    return out


def build_summary(
    records: list[dict[str, Any]],
    problems: list[ReportgenError],
    title: str,
    *,
    groups: list[dict[str, Any]] | None = None,
    comparisons: list[dict[str, Any]] | None = None,
    sweeps: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "generator": f"reportgen {__version__}",
        "title": title,
        "runs": records,
        "groups": groups or [],
        "comparisons": comparisons or [],
        "sweeps": sweeps or [],  # site/sweep_pages.py sweep_record
        "problems": [{"where": str(p.where), "key": p.key, "message": p.message} for p in problems],
    }


def dump_json(data: Any) -> bytes:
    return (json.dumps(plain(data), indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")


_RUNS_SLOT = '\n  "runs": []'  # where the records go in dump_json's output of a summary without them


def record_json(record: dict[str, Any]) -> str:
    """One run record as summary.json holds it, indented as at the top level."""
    return json.dumps(plain(record), indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)


def dump_summary(summary: dict[str, Any], encode_record: Callable[[dict[str, Any]], str] = record_json) -> bytes:
    """dump_json(summary), each run record encoded by `encode_record` (record_json, or a build's
    memo of it: encoding a thousand records with indentation is most of the time a changed note
    costs, build/incremental.py)."""
    runs = summary["runs"]
    if not runs:
        return dump_json(summary)
    head = dump_json({**summary, "runs": []}).decode("utf-8")
    assert head.count(_RUNS_SLOT) == 1  # nested "runs" keys are indented deeper
    # one level deeper in the list of the top-level mapping; JSON text never holds a raw newline
    parts = [encode_record(record).replace("\n", "\n    ") for record in runs]
    listed = '\n  "runs": [\n    ' + ",\n    ".join(parts) + "\n  ]"
    return head.replace(_RUNS_SLOT, listed).encode("utf-8")


def model_record(views: ModelViews) -> dict[str, Any]:
    """The run's "Inside the model" numbers (docs/summary.md `model`); its findings are also in
    the run's `flags`, listed here as [kind, severity] pairs."""
    traj = views.trajectory
    out: dict[str, Any] = {
        "findings": sorted({(f.kind, f.severity) for f in views.flags}),
        "histograms": [{"tag": h.tag, "kind": h.kind, "points": int(h.steps.size)} for h in views.histograms],
        "snapshots": None,
    }
    if traj is not None:
        cos = traj.update_cos[np.isfinite(traj.update_cos)]
        out["snapshots"] = {
            "count": int(traj.positions.size),
            "x": traj.x,
            "positions": traj.positions.tolist(),
            "parameters": traj.params,
            "loss_metric": traj.loss_name,
            "explained_variance": traj.explained.tolist(),
            "mean_update_cos": float(cos.mean()) if cos.size else None,
            "path_ratio": traj.path_ratio,
            "weight_norm": {"first": float(traj.norms[0]), "final": float(traj.norms[-1])},
            "layers": [
                {"name": name, "first_norm": float(traj.layer_norms[i, 0]), "final_norm": float(traj.layer_norms[i, -1]),
                 "mean_relative_update": float(np.nanmean(traj.layer_rel_update[i])) if traj.layer_rel_update[i].size else None}
                for i, name in enumerate(traj.layers)
            ],
        }
    return plain(out)
