"""The work of one run, from manifest to finished figures: read the logs, analyse, plan and draw.

`process_run` is a pure function of the run's spec and files, so it can run in a worker process
and its result can be cached (see cache.py). Its result holds only plain data (dicts, strings,
bytes), small to send between processes and safe to store.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reportgen.analysis import analyse
from reportgen.errors import Location, ReadError, ReportgenError
from reportgen.figures import FigureSpec, draw, plan_run_figures, plan_thumbnail
from reportgen.model import RunData, RunSpec
from reportgen.render import run_page_path
from reportgen.runs import read_run
from reportgen.slug import slugify
from reportgen.summary import run_record


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

    def to_plain(self) -> dict:
        return {
            "name": self.name,
            "record": self.record,
            "figures": list(self.figures),
            "images": self.images,
            "thumb": self.thumb,
            "warnings": list(self.warnings),
            "flag_kinds": list(self.flag_kinds),
        }

    @classmethod
    def from_plain(cls, data: dict) -> "RunResult":
        return cls(
            name=data["name"],
            record=data["record"],
            figures=tuple(data["figures"]),
            images=dict(data["images"]),
            thumb=data["thumb"],
            warnings=tuple(data["warnings"]),
            flag_kinds=tuple(data["flag_kinds"]),
        )


def figure_entry(spec: FigureSpec, file: str) -> dict:
    return {
        "file": file,
        "name": spec.name,
        "alt": spec.alt,
        "width": round(spec.width * spec.dpi),
        "height": round(spec.height * spec.dpi),
    }


def run_warnings(run: RunData) -> list[str]:
    found = []
    if "val_loss" not in run.roles:
        found.append(f"run {run.spec.name!r}: no validation loss logged, so overfitting cannot be judged")
    return found


def process_run(spec: RunSpec, runs_dir: Path) -> RunResult:
    """Read, analyse and draw one run. Raises ReportgenError for bad logs."""
    run = read_run(spec, runs_dir)
    analysis = analyse(run)
    slug = slugify(spec.name)
    images: dict[str, bytes] = {}
    entries = []
    for fig in plan_run_figures(run, analysis):
        file = f"runs/{slug}/{fig.name}.png"
        images[file] = draw(fig)
        entries.append(figure_entry(fig, file))
    thumb_spec = plan_thumbnail(run, analysis)
    thumb = None
    if thumb_spec is not None:
        thumb = f"runs/{slug}/{thumb_spec.name}.png"
        images[thumb] = draw(thumb_spec)
    return RunResult(
        name=spec.name,
        record=run_record(run, analysis, run_page_path(slug)),
        figures=tuple(entries),
        images=images,
        thumb=thumb,
        warnings=tuple(run_warnings(run)),
        flag_kinds=tuple(sorted({f.kind for f in analysis.flags})),
    )


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


def try_process_run(spec: RunSpec, runs_dir: Path) -> RunResult | RunFailure:
    """process_run, with a bad run's error returned instead of raised, so one run never stops
    the others. An unexpected exception is a reportgen bug: it is reported against the run's
    manifest rather than taking the whole build down."""
    try:
        return process_run(spec, runs_dir)
    except ReportgenError as exc:
        return RunFailure(type(exc), exc.message, exc.where, exc.key)
    except (MemoryError, RecursionError, ArithmeticError, ValueError, TypeError, IndexError, KeyError, OSError) as exc:
        message = f"internal error while building this run ({type(exc).__name__}: {exc}); please report it"
        return RunFailure(ReadError, message, Location(spec.path), None)


def build_run(spec: RunSpec, runs_dir: Path, cache_root: Path | None, key: str) -> RunResult | RunFailure:
    """Worker entry: build one run and store its result under `key` (a failed run is not
    cached, so its error is reported again until it is fixed)."""
    from reportgen.cache import RunCache

    result = try_process_run(spec, runs_dir)
    if isinstance(result, RunResult):
        RunCache(cache_root).store(key, result.to_plain())
    return result
