"""How long a run trained and how fast, when its logs say so, with where each number comes from.

Wall-clock duration, in order of trust:
1. the end-of-training record's `train_runtime` (Hugging Face Trainer);
2. a logged running total (Ray Tune's `time_total_s`: its last value);
3. the span of the logged points' wall times (TensorBoard event times, MLflow timestamps, a time
   column), when they never go back in time. A resumed run's span includes the pause between
   its sessions, and the text says so.

Throughput, in order of trust:
1. the end-of-training record's `train_samples_per_second` (else `train_steps_per_second`);
2. the median of a logged training-throughput series (`samples_per_second`, `global_step/sec`;
   an evaluation's throughput, `eval_samples_per_second`, is not the training's);
3. the median of a logged per-epoch time (`epoch_time`), in seconds per epoch;
4. steps per second (seconds per epoch) from the wall times of the training-loss points.

Pure: RunData in, a Pace (or None) out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from reportgen.analysis.scalar_groups import tokens
from reportgen.model import RunData, Series

_WALL_SOURCES = {
    "tensorboard": "wall time of the TensorBoard events",
    "mlflow": "MLflow metric timestamps",
}
_HF = "logged by the Hugging Face Trainer"
# training throughput series: what they count per second; evaluation throughput is left out
_RATE = re.compile(
    r"(^|_)(?P<what>samples|examples|images|imgs|tokens|sequences|steps|global_step|it|iters|batches)"
    r"_(per_)?(second|sec|s)$"
)
_NOT_TRAINING = re.compile(r"^(eval|val|valid|validation|test|predict|dev)(_|$)")
_EPOCH_TIMES = ("epoch_time", "time_per_epoch", "epoch_time_s", "epoch_duration")
_UNITS = {"samples": "samples", "examples": "samples", "images": "images", "imgs": "images",
          "tokens": "tokens", "sequences": "sequences", "steps": "steps", "global_step": "steps",
          "it": "steps", "iters": "steps", "batches": "steps"}


@dataclass(frozen=True)
class Pace:
    seconds: float | None  # wall-clock duration
    seconds_source: str | None  # where it comes from, in words
    rate: float | None  # throughput, in `unit`
    unit: str | None  # "samples/s", "steps/s", "s/epoch", ...
    rate_source: str | None


def duration_text(seconds: float) -> str:
    """`2 h 14 min`, `3 min 20 s`, `4.0 s`: the two largest units, rounded to the smaller."""
    if seconds < 60:
        return f"{seconds:.1f} s" if seconds < 10 else f"{seconds:.0f} s"
    total = int(round(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {secs} s"


def rate_text(rate: float, unit: str) -> str:
    """Three significant figures, without an exponent for everyday sizes: `412 samples/s`,
    `3.1 steps/s`; fewer than one step a second as the time per step (`1 min 9 s per step`, not
    `0.0145 steps/s`), and seconds per epoch as a duration (`40 min 18 s per epoch`)."""
    if unit == "steps/s" and 0 < rate < 1:
        return f"{duration_text(1.0 / rate)} per step"
    if unit == "s/epoch":
        return f"{duration_text(rate)} per epoch"
    if rate >= 1000:
        return f"{rate:,.0f} {unit}"
    return f"{float(f'{rate:.3g}'):g} {unit}"


def _end_fields(end: dict[str, float]) -> dict[str, tuple[str, float]]:
    """The end-of-training record by field, whatever prefix a logger gave it (the Trainer's
    TensorBoard callback writes `train/train_runtime`): field -> (logged key, value)."""
    out: dict[str, tuple[str, float]] = {}
    for key in sorted(end):
        for field in ("train_runtime", "train_samples_per_second", "train_steps_per_second"):
            t = tokens(key)
            if (t == field or t.endswith("_" + field)) and np.isfinite(end[key]):
                out.setdefault(field, (key, float(end[key])))
    return out


def _clock(run: RunData) -> tuple[Series, str] | None:
    """The series whose wall times give the run's clock (the train loss, else the longest series
    with wall times, ties by name), and the words for where they come from; None when no series
    has at least two wall times in order."""
    timed = [s for s in run.series.values() if s.wall_time is not None and np.isfinite(s.wall_time).sum() >= 2]
    if not timed:
        return None
    lead = run.role("train_loss")
    series = lead if lead is not None and any(s is lead for s in timed) else max(timed, key=lambda s: (len(s), s.name))
    wall = series.wall_time[np.isfinite(series.wall_time)]
    if bool((np.diff(wall) < 0).any()) or wall[-1] <= wall[0]:
        return None  # a clock that goes back is not a clock
    formats = sorted({src.format for src in run.sources if series.name in src.series})
    source = next((_WALL_SOURCES[f] for f in formats if f in _WALL_SOURCES), "time column of the log")
    return series, source


def _logged_rate(run: RunData) -> tuple[float, str, str] | None:
    """(median, unit, source) of a logged training-throughput series."""
    for name in sorted(run.series):
        t = tokens(name)
        match = _RATE.search(t)
        if match is None or _NOT_TRAINING.search(t):
            continue
        values = run.series[name].values
        finite = values[np.isfinite(values) & (values > 0)]
        if finite.size:
            return float(np.median(finite)), f"{_UNITS[match['what']]}/s", f"median of the logged {name}"
    return None


def _positive(run: RunData, name: str) -> np.ndarray:
    values = run.series[name].values
    return values[np.isfinite(values) & (values > 0)]


def _logged_duration(run: RunData) -> tuple[float, str] | None:
    """A logged running total of training time (Ray Tune's `time_total_s`): its last value, when
    it never goes down (a per-epoch time summed instead could count an epoch twice: not done)."""
    for name in sorted(run.series):
        total = _positive(run, name)
        if tokens(name) == "time_total_s" and total.size and not bool((np.diff(total) < 0).any()):
            return float(total[-1]), f"last value of the logged {name}"
    return None


def _epoch_seconds(run: RunData) -> tuple[float, str, str] | None:
    """(median, "s/epoch", source) of a logged per-epoch time."""
    for name in sorted(run.series):
        if tokens(name) in _EPOCH_TIMES and _positive(run, name).size:
            return float(np.median(_positive(run, name))), "s/epoch", f"median of the logged {name}"
    return None


def training_pace(run: RunData) -> Pace | None:
    """The run's wall-clock duration and throughput, each with its source (module docstring);
    None when the logs give neither."""
    end = _end_fields(run.end_summary)
    seconds = source = None
    clock = _clock(run)
    if end.get("train_runtime", (None, 0.0))[1] > 0:
        key, seconds = end["train_runtime"]
        source = f"{key} {_HF}"
    elif (logged_total := _logged_duration(run)) is not None:
        seconds, source = logged_total
    elif clock is not None:
        series, words = clock
        wall = series.wall_time[np.isfinite(series.wall_time)]
        seconds = float(wall[-1] - wall[0])
        resumed = " (including the pause between resumed sessions)" if run.restarts else ""
        source = f"{words}, first to last logged point{resumed}"
    rate = unit = rate_source = None
    for field, what in (("train_samples_per_second", "samples/s"), ("train_steps_per_second", "steps/s")):
        if end.get(field, (None, 0.0))[1] > 0:
            key, rate = end[field]
            unit, rate_source = what, f"{key} {_HF}"
            break
    else:
        logged = _logged_rate(run) or _epoch_seconds(run)
        if logged is not None:
            rate, unit, rate_source = logged
        elif clock is not None:
            rate, unit, rate_source = _clock_rate(run, clock[0])
    if seconds is None and rate is None:
        return None
    return Pace(seconds, source, rate, unit, rate_source)


def _clock_rate(run: RunData, series: Series) -> tuple[float | None, str | None, str | None]:
    """Steps per second (epochs: seconds per epoch) between the clock series' first and last
    timed points."""
    ok = np.isfinite(series.wall_time)
    wall, steps = series.wall_time[ok], series.steps[ok]
    seconds = float(wall[-1] - wall[0])
    span = float(steps[-1] - steps[0])
    if seconds <= 0 or span <= 0:
        return None, None, None
    if run.x == "epoch":
        return seconds / span, "s/epoch", f"wall time per epoch, over {span:g} epochs"
    return span / seconds, "steps/s", f"wall time per step, over {span:,.0f} steps"


def pace_record(run: RunData) -> dict | None:
    """The Pace as plain data with display text, for summary.json and the run page."""
    pace = training_pace(run)
    if pace is None:
        return None
    return {
        "seconds": pace.seconds,
        "duration": None if pace.seconds is None else duration_text(pace.seconds),
        "duration_source": pace.seconds_source,
        "rate": pace.rate,
        "unit": pace.unit,
        "throughput": None if pace.rate is None else rate_text(pace.rate, pace.unit or ""),
        "throughput_source": pace.rate_source,
    }
