"""`check`: validate manifests, the site config and the logs they name without analysing or
rendering anything (fast enough for a pre-commit hook). The problems are the same
ReportgenError objects `build` reports, so the messages are word for word the same."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reportgen.errors import Location, ReportgenError
from reportgen.manifest.load import load_manifests
from reportgen.model import RunSpec
from reportgen.readers.run import read_run


@dataclass(frozen=True)
class CheckReport:
    runs: tuple[str, ...]  # runs whose manifest and logs are valid
    problems: tuple[ReportgenError, ...]
    warnings: tuple[str, ...] = ()  # e.g. a folder under the runs folder that could not be read


def check(runs_dir: Path, allow_outside: tuple[Path, ...] = ()) -> CheckReport:
    """Every problem `build` would report for `runs_dir`'s inputs (manifests may name files
    under `runs_dir` and `allow_outside`). Raises ReportgenError only when `runs_dir` itself is
    unusable."""
    loaded = load_manifests(runs_dir, allow_outside=allow_outside)
    names: list[str] = []
    problems: list[ReportgenError] = list(loaded.problems)
    for spec in loaded.runs:
        problem = _check_run(spec, runs_dir)
        if problem is None:
            names.append(spec.name)
        else:
            problems.append(problem)
    return CheckReport(runs=tuple(names), problems=tuple(problems), warnings=tuple(loaded.warnings))


def _check_run(spec: RunSpec, runs_dir: Path) -> ReportgenError | None:
    """The run's problem, if any. As in `build`, an unexpected exception is a bug in reportgen:
    it is reported against the run's manifest and the other runs are still checked."""
    try:
        read_run(spec, runs_dir)
    except ReportgenError as exc:
        return exc
    except MemoryError:
        return ReportgenError("ran out of memory while reading this run's logs", Location(spec.path))
    except RecursionError:
        return ReportgenError("a log is nested too deeply to read", Location(spec.path))
    except Exception as exc:  # noqa: BLE001 - one bad run must not hide the others' problems
        return ReportgenError(
            f"internal error while checking this run ({type(exc).__name__}: {exc}); please report it",
            Location(spec.path),
        )
    return None
