"""The data behind an interactive curve figure (hover, zoom, log/linear, smoothing, CSV), shipped
inside the page as JSON (templates/_figure_interactive.html, templates/static/figures/).

Pure: a FigureSpec (and, for a run's own figures, its RunData and RunAnalysis) in, plain
JSON-ready dicts and CSV bytes out. Same inputs, same bytes: floats are written by Python's
shortest round-trip repr (json), smoothed values and epochs at fixed precision.

Budget (docs/figures.md, "Interactive figures"): per series at most two points per pixel column
of the figure (the lowest and highest logged value of each column) plus the first, best and final
points. A series with at most FULL_UP_TO_PER_COLUMN points per column is shipped whole, every
logged point exact; longer ones say they are decimated, and how, in the figure and in its CSV.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from reportgen.figures.decimation import first_per_segment, pixel_columns, run_x
from reportgen.figures.plan import FigureSpec, Line, Panel
from reportgen.model import RunAnalysis, RunData, Series
from reportgen.site.json_numbers import floats, ints, rounded, significant

# a series of up to this many points per pixel column ships whole (1,540 on a 770-px figure)
FULL_UP_TO_PER_COLUMN = 2
SMOOTH_DIGITS = 7  # significant digits of shipped smoothed values (a display curve, not a log)
EPOCH_DECIMALS = 6
WALL_DECIMALS = 3  # milliseconds
FORMAT_VERSION = 1


def live_figure(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """What a page needs of a figure's data (templates/_figure_interactive.html): the JSON text
    the charts read, written here once, as Jinja's tojson would write it in the page (sorted
    keys; <, >, & and ' escaped, so no text in it can end the script element), and the few
    fields the page's HTML shows. Made where the figure is drawn, the numbers are formatted once:
    the build's cache and its workers pass one string, not thousands of floats."""
    if data is None:
        return None
    from jinja2.utils import htmlsafe_json_dumps

    notes = [[s["label"], s["decimated"]] for p in data["panels"] for s in p["series"] if s.get("decimated")]
    return {"json": str(htmlsafe_json_dumps(data, sort_keys=True)), "weight": data["weight"], "notes": notes}


def is_curve_panel(panel: Panel) -> bool:
    """A panel of lines over a numeric x (steps, epochs): bar charts, strip plots and
    sparklines stay static."""
    return not (panel.bare or panel.bars or panel.categories or panel.xticks) and any(
        line.x.size for line in panel.lines
    )


def figure_data(spec: FigureSpec, run: RunData | None = None, analysis: RunAnalysis | None = None) -> dict[str, Any] | None:
    """The interactive data of a curve figure, or None when it has no curve panel.

    With `run` and `analysis` (a run's own figures), a line that names its logged series
    (Line.series) ships that series' exact points: step, epoch, wall time, raw and smoothed
    value. Other lines (group centres, comparison curves) ship the points the figure draws."""
    panels = [p for p in spec.panels if is_curve_panel(p)]
    if not panels:
        return None
    columns = max(1, round(spec.width * spec.dpi / max(1, spec.ncols)))
    weight = run.spec.analysis.smoothing if run is not None else None
    # a panel stacked above another leaves its x label to the bottom one
    xlabel = next((p.xlabel for p in reversed(panels) if p.xlabel), "x")
    ratios = spec.height_ratios or (1.0,) * len(spec.panels)
    out_panels = []
    for p in panels:
        made = _panel(p, columns, run, analysis)
        made["x"] = p.xlabel or xlabel
        # relative height, as the static figure stacks them (a group's run counts are short)
        made["height"] = round(ratios[spec.panels.index(p)] / max(ratios), 3) if len(ratios) == len(spec.panels) else 1.0
        if made["series"]:
            out_panels.append(made)
    if not out_panels:
        return None
    smoothable = any(s.get("smooth") is not None for p in out_panels for s in p["series"])
    return {
        "v": FORMAT_VERSION,
        "name": spec.name,
        "columns": columns,
        "ncols": min(spec.ncols, len(out_panels)),
        "weight": weight if smoothable else None,
        "panels": out_panels,
    }


def _panel(panel: Panel, columns: int, run: RunData | None, analysis: RunAnalysis | None) -> dict[str, Any]:
    series: list[dict[str, Any]] = []
    done: set[str] = set()
    for i, line in enumerate(panel.lines):
        if not line.x.size:
            continue  # a legend key (e.g. "train" dashed) draws nothing
        logged = run.series.get(line.series) if run is not None and line.series else None
        if logged is not None:
            if line.series in done:
                continue  # the faint raw copy of a smoothed line: one series carries both
            done.add(line.series)
            label = _label(panel, line, i)
            series.append(_logged(logged, line, label, columns, run, analysis if _smoothed_line(panel, line) else None,
                                  analysis))
        else:
            series.append(_drawn(line, _label(panel, line, i)))
    return {
        "title": panel.title,
        "x": panel.xlabel or "x",
        "y": panel.ylabel or panel.title or "value",
        "scale": panel.yscale,
        # the static figure's y limits (a diverged run's healthy phase): the live chart keeps to them
        "ylim": None if panel.ylim is None else [float(panel.ylim[0]), float(panel.ylim[1])],
        "series": series,
        # what the static figure marks (best ★, divergence ✖, chance level, overfitting onset),
        # so the live chart never drops a mark the caption talks about
        "marks": [{"x": float(m.x), "y": float(m.y), "label": m.label, "symbol": m.marker, "color": m.color}
                  for m in panel.markers if math.isfinite(m.x) and math.isfinite(m.y)],
        "refs": [{"value": float(r.value), "label": r.label, "axis": "x" if r.orientation == "v" else "y",
                  "color": r.color} for r in panel.reflines if math.isfinite(r.value)],
        # shaded ranges (a group's confidence band); on a run's figures the bands are its raw
        # values, which ship as the series themselves
        "bands": [] if run is not None else [
            {"label": b.label or "band", "color": b.color, "x": _floats(b.x), "lo": _floats(b.lower), "hi": _floats(b.upper)}
            for b in panel.bands
        ],
    }


def _smoothed_line(panel: Panel, line: Line) -> bool:
    """Whether `line` draws its series smoothed: a faint raw copy of the same series, or a band
    of raw values in its colour, sits behind it (figures/plan.py _curve). A series the figure
    draws raw (sparse points, the overfitting close-up) is shipped raw only."""
    return any(ln is not line and ln.series == line.series for ln in panel.lines) or any(
        b.color == line.color for b in panel.bands
    )


def _label(panel: Panel, line: Line, index: int) -> str:
    """A line's readout name: its own label; the labelled line of its colour in a smoothed
    curve's faint copy; with the legend key of its line style ("run-a · train") where a panel
    names styles separately (comparisons); else its series or position."""
    same = [ln for ln in panel.lines if ln.label and ln.color == line.color and ln.x.size]
    if line.label:
        return line.label
    if line.series and same and all(ln.series == line.series for ln in same):
        return same[0].label or line.series
    key = next((ln.label for ln in panel.lines if ln.label and not ln.x.size and ln.linestyle == line.linestyle), None)
    if same and key:
        return f"{same[0].label} · {key}"
    if len(panel.lines) == 1:
        return panel.ylabel or panel.title or "value"  # one line: the panel says what it is
    return line.series or (same[0].label if same else None) or f"line {index + 1}"


def _style(line: Line) -> dict[str, Any]:
    return {"color": line.color, "dash": line.linestyle if line.linestyle in ("--", "-.", ":") else None,
            "width": line.linewidth, "faint": line.alpha < 1.0, "steps": line.drawstyle == "steps-post"}


def _drawn(line: Line, label: str) -> dict[str, Any]:
    """A line that is not a logged series as such: the points the figure draws."""
    return {
        "label": label,
        **_style(line),
        "points": int(line.x.size),
        "decimated": None,
        "x": _floats(line.x),
        "y": _floats(line.y),
    }


def _logged(
    s: Series, line: Line, label: str, columns: int, run: RunData, smoothing: RunAnalysis | None,
    analysis: RunAnalysis | None,
) -> dict[str, Any]:
    """A logged series within the x range the figure draws it over, cut to the budget; with its
    smoothed values when `smoothing` (the analysis) is given."""
    x = run_x(run, s)
    lo, hi = float(np.nanmin(line.x)), float(np.nanmax(line.x))
    inside = np.flatnonzero((x >= lo) & (x <= hi))
    smooth = smoothing.smoothed.get(s.name) if smoothing is not None else None
    best = None
    if analysis is not None and analysis.best is not None and analysis.best.metric == s.name and inside.size:
        best = int(np.searchsorted(s.steps, analysis.best.step)) - int(inside[0])
    keep = inside[keep_indices(x[inside], s.values[inside], columns, best)]
    finite_rank = np.cumsum(np.isfinite(s.values))  # the EMA counts finite points (analysis/smoothing.py)
    decimated = keep.size < inside.size
    out: dict[str, Any] = {
        "label": label,
        "series": s.name,
        **_style(line),
        "faint": False,
        "points": int(inside.size),
        "decimated": _how(keep.size, inside.size, columns) if decimated else None,
        "x": _floats(x[keep]),
        "y": _floats(s.values[keep]),
    }
    if run.x == "epoch" or not np.array_equal(x, s.steps.astype(np.float64)):
        out["step"] = ints(s.steps[keep])
    if s.epoch is not None and np.isfinite(s.epoch).any() and not np.array_equal(x, s.epoch):
        out["epoch"] = rounded(s.epoch[keep], EPOCH_DECIMALS)
    w0 = _run_start(run)
    if s.wall_time is not None and w0 is not None and np.isfinite(s.wall_time).any():
        out["wall0"] = w0
        out["wall"] = rounded(s.wall_time[keep] - w0, WALL_DECIMALS)
    if smooth is not None:
        out["smooth"] = significant(smooth[keep], SMOOTH_DIGITS)
        # the rank of each kept point among the finite ones, so the browser's EMA spans the
        # points decimation left out with the weight they had (exact when nothing was left out)
        # (left out when it is just 1, 2, 3, ...: the whole series, every point finite)
        rank = finite_rank[keep]
        if not np.array_equal(rank, np.arange(1, keep.size + 1)):
            out["rank"] = ints(rank)
    return out


def _run_start(run: RunData) -> float | None:
    """The earliest wall time any series of the run logged: hover shows time since then."""
    firsts = [float(s.wall_time[np.isfinite(s.wall_time)].min()) for s in run.series.values()
              if s.wall_time is not None and np.isfinite(s.wall_time).any()]
    return min(firsts) if firsts else None


def _how(kept: int, total: int, columns: int) -> str:
    return (f"decimated: {kept:,} of {total:,} logged points, the lowest and highest of each of "
            f"{columns} pixel columns plus the first, best and final points")


def keep_indices(x: np.ndarray, y: np.ndarray, columns: int, best: int | None = None) -> np.ndarray:
    """Indices (ascending) of the points a figure of `columns` pixel columns ships: every point
    when there are at most FULL_UP_TO_PER_COLUMN per column; else, per column, the first point
    holding its lowest and its highest finite value (and its first non-finite point, so a gap
    stays a gap), plus the first, `best` and final points. The whole series' extremes are
    among them. O(n) numpy."""
    n = int(y.shape[0])
    if n <= FULL_UP_TO_PER_COLUMN * columns:
        return np.arange(n)
    col = pixel_columns(x, columns)
    starts = np.flatnonzero(np.r_[True, col[1:] != col[:-1]])
    seg = np.repeat(np.arange(starts.size), np.diff(np.r_[starts, n]))
    finite = np.isfinite(y)
    chosen = np.zeros(n, dtype=bool)
    chosen[[0, n - 1]] = True
    if best is not None and 0 <= best < n:
        chosen[best] = True
    if finite.any():
        lo = np.where(finite, y, np.inf)
        hi = np.where(finite, y, -np.inf)
        for hits in (finite & (lo == np.minimum.reduceat(lo, starts)[seg]),
                     finite & (hi == np.maximum.reduceat(hi, starts)[seg])):
            chosen[first_per_segment(hits, seg)] = True
    if not finite.all():
        chosen[first_per_segment(~finite, seg)] = True
    return np.flatnonzero(chosen)


def _floats(a: np.ndarray) -> list[float | None]:
    """JSON numbers (shortest round-trip repr); NaN and inf as null, a gap in the line."""
    return floats(a)


CSV_COLUMNS = ("panel", "series", "x", "step", "epoch", "wall_time_s", "value", "smoothed")


def figure_csv(data: dict[str, Any]) -> bytes:
    """The figure's data as CSV: '#' comment lines say what it is and, for each decimated
    series, how it was cut down; then one row per shipped point. templates/static/figures/csv.js
    writes the same bytes in the browser (tests/test_browser_interactive.py compares them)."""
    lines = [f"# reportgen figure {data['name']}: the data behind the interactive figure"]
    for p in data["panels"]:
        for s in p["series"]:
            if s.get("decimated"):
                lines.append(f"# {s['label']}: {s['decimated']}")
    if data.get("weight") is not None:
        lines.append(f"# smoothed: debiased EMA, weight {_num(data['weight'])}")
    lines.append(",".join(CSV_COLUMNS))
    for p in data["panels"]:
        panel = p["title"] or p["y"]
        for s in p["series"]:
            wall0 = s.get("wall0")
            for i, x in enumerate(s["x"]):
                step = s["step"][i] if "step" in s else (x if p["x"] == "step" and x is not None else None)
                wall = s["wall"][i] if "wall" in s else None
                epoch = s["epoch"][i] if "epoch" in s else (x if p["x"] == "epoch" else None)
                cells = (panel, s["label"], x, step, epoch,
                         None if wall is None or wall0 is None else wall, s["y"][i],
                         s["smooth"][i] if "smooth" in s else None)
                lines.append(",".join(_cell(c) for c in cells))
        for b in p.get("bands", []):
            for side in ("lo", "hi"):
                for x, y in zip(b["x"], b[side]):
                    lines.append(",".join(_cell(c) for c in (panel, f"{b['label']} ({side})", x, None, None, None, y, None)))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _num(v: float | int) -> str:
    """A number as JavaScript's String(v) writes it (ECMA-262 Number::toString), so the CSV the
    browser writes is byte for byte this one: the shortest round-trip digits (Python's repr
    finds the same), placed by JavaScript's rules for where exponents start."""
    if isinstance(v, int):
        return str(v)
    if v == 0:
        return "0"
    sign = "-" if v < 0 else ""
    mantissa, _, exp = repr(abs(v)).partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    # the decimal point sits after `point` digits of `digits`
    point = len(whole) + int(exp or 0) - (len(whole + frac) - len((whole + frac).lstrip("0")))
    digits = digits.rstrip("0")
    k = len(digits)
    if k <= point <= 21:
        return sign + digits + "0" * (point - k)
    if 0 < point <= 21:
        return sign + digits[:point] + "." + digits[point:]
    if -6 < point <= 0:
        return sign + "0." + "0" * (-point) + digits
    e = point - 1
    head = digits[0] + ("." + digits[1:] if k > 1 else "")
    return f"{sign}{head}e{'+' if e >= 0 else '-'}{abs(e)}"


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, (int, float)):
        return _num(v)
    text = str(v)
    if any(c in text for c in ',"\n\r') or text[:1] in "=+-@":
        # quoted, and a leading formula character defused for spreadsheets
        text = ("'" + text) if text[:1] in "=+-@" else text
        return '"' + text.replace('"', '""') + '"'
    return text
