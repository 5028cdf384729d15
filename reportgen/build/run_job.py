"""The work of one run, from manifest to finished figures: read the logs, analyse, plan and draw.

`process_run` is a pure function of the run's spec and files, so it can run in a worker process
and its result can be cached (see build/cache.py). Its result holds only plain data (dicts, strings,
bytes), small to send between processes and safe to store.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from reportgen.analysis import analyse, sort_flags
from reportgen.analysis.class_balance import BalanceTable
from reportgen.build.model_job import read_model_views
from reportgen.errors import Location, ManifestError, ReadError, ReportgenError
from reportgen.figures.class_balance import (
    balance_view,
    per_class_metrics,
    plan_balance_figure,
    table_for,
    with_balance_flags,
)
from reportgen.figures.data_table import figure_entry
from reportgen.figures.draw import shared_painter
from reportgen.figures.plan import FigureSpec, plan_run_figures, plan_thumbnail
from reportgen.figures.plan_loss_components import plan_components_figure
from reportgen.figures.plan_model import plan_model_figures
from reportgen.figures.thinned_curves import drawable
from reportgen.manifest.slug import slugify
from reportgen.model import RunAnalysis, RunData, RunSpec
from reportgen.readers.run import LOSS_ROLES, loss_like, read_run
from reportgen.site.figure_data import figure_data, live_figure
from reportgen.site.overlay_data import overlay_script
from reportgen.site.paths import (
    dataset_page_path,
    overlay_path,
    run_figure_path,
    run_page_path,
    run_thumbnail_path,
)
from reportgen.site.summary_json import model_record, plain, run_record


@dataclass(frozen=True)
class RunResult:
    """Everything the site needs from one run."""

    name: str
    record: dict  # summary record (summary.run_record)
    figures: tuple[dict, ...]  # figure entries for the run page, in page order
    images: dict[str, bytes]  # site path -> PNG bytes
    thumb: str | None  # site path of the index thumbnail
    warnings: tuple[str, ...]
    flag_kinds: tuple[str, ...]  # sorted, each once
    # problems that did not stop the run (its class-balance files): (type name, message, path,
    # line, column, key), plain so the result can be cached
    problems: tuple[tuple, ...] = ()
    # the run's role series and analysis, pickled (cache.dump_model), for group and comparison
    # pages: only what they draw and summarise, so a sweep's data stays small
    cross: bytes = b""
    def problem_errors(self) -> list[ReportgenError]:
        return [_ERROR_TYPES.get(t, ReadError)(m, Location(Path(p) if p else None, line, col), key=k)
                for t, m, p, line, col, k in self.problems]

    def to_plain(self) -> dict:
        return {
            "name": self.name,
            "record": self.record,
            "figures": list(self.figures),
            "images": self.images,
            "thumb": self.thumb,
            "warnings": list(self.warnings),
            "flag_kinds": list(self.flag_kinds),
            "problems": [list(p) for p in self.problems],
            "cross": self.cross,
        }

    @classmethod
    def from_plain(cls, data: dict) -> RunResult:
        return cls(
            name=data["name"],
            record=data["record"],
            figures=tuple(data["figures"]),
            images=dict(data["images"]),
            thumb=data["thumb"],
            warnings=tuple(data["warnings"]),
            flag_kinds=tuple(data["flag_kinds"]),
            problems=tuple(tuple(p) for p in data["problems"]),
            cross=data["cross"],
        )


def run_warnings(run: RunData) -> list[str]:
    found = list(run.warnings)
    if not any(role in run.roles for role in LOSS_ROLES):
        candidates = loss_like(list(run.series))
        found.append(
            f"run {run.spec.name!r}: {len(candidates)} loss series ({', '.join(candidates[:6])}) but none is "
            "clearly the training or validation loss; name them in the manifest, "
            "e.g. metrics: {train_loss: <name>, val_loss: <name>}"
        )
    elif "val_loss" not in run.roles:
        found.append(f"run {run.spec.name!r}: no validation loss logged, so overfitting cannot be judged")
    return found


def role_record(run: RunData) -> dict:
    """How the roles were chosen, for the run page and CI (docs/metric-roles.md): a summed loss's
    parts, the reasons for a choice between fitting series, the iteration/epoch ratio. Only what
    applies, so runs with plainly named losses keep their summary record as it was."""
    found: dict = {}
    if run.derived:
        found["derived"] = {name: list(parts) for name, parts in sorted(run.derived.items())}
    if run.role_notes:
        found["role_notes"] = list(run.role_notes)
    if run.steps_per_epoch is not None:
        found["steps_per_epoch"] = run.steps_per_epoch
    return found


def _plain_problem(exc: ReportgenError) -> tuple:
    where = exc.where
    return (type(exc).__name__, exc.message, None if where.path is None else str(where.path), where.line, where.column, exc.key)


def process_run(spec: RunSpec, runs_dir: Path, dataset_table: BalanceTable | None = None) -> RunResult:
    """Read, analyse and draw one run. `dataset_table` is the class balance of the dataset the
    run refers to (read once for all its runs). Figures are drawn by this process's shared
    Painters, which keep their matplotlib figures and frames from run to run. Raises ReportgenError for bad logs; a bad
    class-balance file is a problem in the result, and the run is still built."""
    run = read_run(spec, runs_dir)
    problems: list[tuple] = []
    table = None
    balance = spec.class_balance
    if balance is not None:
        if balance.dataset is not None:
            table = dataset_table
        else:
            try:
                table = table_for(balance, spec.analysis)
            except ReportgenError as exc:
                problems.append(_plain_problem(exc))
    analysis = with_balance_flags(analyse(run), table)
    slug = slugify(spec.name)
    record = run_record(run, analysis, run_page_path(slug))
    ref = balance.dataset if balance is not None else None
    record["dataset"] = {"name": ref, "page": dataset_page_path(slugify(ref))} if ref else None
    record.update(role_record(run))
    record["class_balance"] = plain(balance_view(table, per_class_metrics(run, table))) if table else None
    images: dict[str, bytes] = {}
    entries = []
    figs = plan_run_figures(run, analysis)
    parts = plan_components_figure(run)
    if parts is not None:
        # right after the loss figure it explains
        at = next((i + 1 for i, f in enumerate(figs) if f.name == "loss"), 0)
        figs.insert(at, parts)
    if table is not None and ref is None:
        figs = [plan_balance_figure(table, spec.display_title), *figs]
    for fig in figs:
        file = run_figure_path(slug, fig.name)
        images[file] = _draw_figure(fig)
        entries.append(dict(figure_entry(fig, file), live=live_figure(figure_data(fig, run, analysis))))
    try:
        analysis, model_warnings = _inside_model(run, analysis, record, slug, images, entries)
    except ReportgenError as exc:  # unreadable checkpoints: the rest of the run is still worth a page
        problems.append(_plain_problem(exc))
        model_warnings = []
    thumb_spec = plan_thumbnail(run, analysis)
    thumb = None
    if thumb_spec is not None:
        thumb = run_thumbnail_path(slug, thumb_spec.name)
        images[thumb] = shared_painter("png").draw(thumb_spec)
    # the index workbench's curves of this run, loaded only when a reader ticks it
    images[overlay_path(slug)] = overlay_script(run)
    return RunResult(
        name=spec.name,
        record=record,
        figures=tuple(entries),
        images=images,
        thumb=thumb,
        warnings=tuple(run_warnings(run)) + tuple(model_warnings),
        flag_kinds=tuple(sorted({f.kind for f in analysis.flags})),
        problems=tuple(problems),
        cross=_cross_payload(run, analysis),
    )


def _draw_figure(fig: FigureSpec) -> bytes:
    """A figure's one rendition, the themed SVG (figures/svg.py), by this process's SVG painter,
    which keeps its frames from run to run."""
    return shared_painter("svg").draw(fig)


def _inside_model(run: RunData, analysis: RunAnalysis, record: dict, slug: str,
                  images: dict[str, bytes], entries: list) -> tuple[RunAnalysis, list[str]]:
    """Issue 18: the run's checkpoints and histograms as the page's "Inside the model" section
    (figure entries marked section "inside"), `record["model"]` and findings added to the run's
    flags. Nothing changes for a run without them. Raises ReportgenError for checkpoints that
    cannot be read, before anything is added."""
    views, warnings = read_model_views(run)
    if views is None:
        return analysis, warnings
    for fig in plan_model_figures(views, run.x):
        file = run_figure_path(slug, fig.name)
        images[file] = _draw_figure(fig)
        entries.append(dict(figure_entry(fig, file), section="inside"))
    record["model"] = model_record(views)
    if views.flags:
        analysis = replace(analysis, flags=sort_flags([*analysis.flags, *views.flags]))
        record["flags"] = run_record(run, analysis, record["page"])["flags"]
    return analysis, warnings


def _cross_payload(run: RunData, analysis: RunAnalysis) -> bytes:
    """The run as group and comparison pages need it: its role series (and their smoothed
    curves), not every logged metric."""
    from reportgen.build.cache import dump_model

    keep = set(run.roles.values())
    # a 10M-step series only as finely as any figure can draw it (figures/thinned_curves.py)
    thin = {n: drawable(s, analysis.smoothed.get(n)) for n, s in run.series.items() if n in keep}
    # notes never reach a group or comparison page: leaving them out keeps an edit to a note
    # from redrawing every cross-run figure (the payload is part of their cache key)
    slim_run = replace(run, spec=replace(run.spec, notes=""), series={n: s for n, (s, _) in thin.items()})
    slim_analysis = replace(analysis, smoothed={n: thin[n][1] for n in analysis.smoothed if n in thin})
    return dump_model((slim_run, slim_analysis))


@dataclass(frozen=True)
class RunFailure:
    """A run that could not be built, in a form that crosses process boundaries intact
    (an exception's own pickling would lose its location)."""

    error_type: type
    message: str
    where: Location
    key: str | None

    def error(self) -> ReportgenError:
        return self.error_type(self.message, self.where, key=self.key)


_ERROR_TYPES: dict[str, type[ReportgenError]] = {
    cls.__name__: cls for cls in (ReportgenError, ReadError, ManifestError)
}


def try_process_run(
    spec: RunSpec, runs_dir: Path, dataset_table: BalanceTable | None = None
) -> RunResult | RunFailure:
    """process_run, with a bad run's error returned instead of raised, so one run never stops
    the others. An unexpected exception is a reportgen bug: it is reported against the run's
    manifest rather than taking the whole build down."""
    try:
        # Logs may hold values near the float64 limit (1e308): arithmetic on them overflows to
        # inf, which is the right answer, not a warning to print over the build's output.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            return process_run(spec, runs_dir, dataset_table)
    except ReportgenError as exc:
        return RunFailure(type(exc), exc.message, exc.where, exc.key)
    except Exception as exc:  # noqa: BLE001 - the worker boundary: one run's bug must not stop the others
        message = f"internal error while building this run ({type(exc).__name__}: {exc}); please report it"
        return RunFailure(ReadError, message, Location(spec.path), None)


def preload() -> None:
    """Import what every run's work needs once, before a pool of workers starts, so forked
    workers share it (matplotlib's renderers, scipy's filters) instead of each paying for it;
    and draw one small figure each way, which loads the fonts and the math-text parser a log
    axis' labels need, so no worker loads them again."""
    import importlib

    for name in ("matplotlib.backends.backend_agg", "matplotlib.backends.backend_svg", "PIL.PngImagePlugin",
                 "scipy.signal", "scipy.ndimage"):
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    from reportgen.figures.draw import draw, draw_svg
    from reportgen.figures.plan import FigureSpec, Line, Panel

    x = np.array([1.0, 10.0, 100.0])
    warm = FigureSpec("warm-up", "", (Panel("t", "step", "loss", (Line("a", x, x, "#000000"),), yscale="log"),))
    draw(warm)
    draw_svg(warm)


def build_runs(
    batch: list[tuple[RunSpec, str, BalanceTable | None]], runs_dir: Path, cache_root: Path | None
) -> list[RunResult | RunFailure]:
    """Worker entry: build a batch of runs, each (spec, cache key, its dataset's class balance),
    with the worker's shared Painters, and store each result under its key (a failed run is not cached, so its
    error is reported again until it is fixed)."""
    from reportgen.build.cache import RunCache

    cache = RunCache(cache_root)
    out = []
    for spec, key, dataset_table in batch:
        result = try_process_run(spec, runs_dir, dataset_table)
        if isinstance(result, RunResult):
            cache.store(key, result.to_plain())
        out.append(result)
    return out
