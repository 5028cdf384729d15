"""`check`: validate manifests, the site config and the logs they name without analysing or
rendering anything (fast enough for a pre-commit hook). The problems are the same
ReportgenError objects `build` reports, so the messages are word for word the same."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reportgen.errors import ReportgenError
from reportgen.manifest import load_manifests
from reportgen.runs import read_runs


@dataclass(frozen=True)
class CheckReport:
    runs: tuple[str, ...]  # runs whose manifest and logs are valid
    problems: tuple[ReportgenError, ...]


def check(runs_dir: Path) -> CheckReport:
    """Every problem `build` would report for `runs_dir`'s inputs. Raises ReportgenError only
    when `runs_dir` itself is unusable."""
    loaded = load_manifests(runs_dir)
    runs, read_problems = read_runs(loaded.runs, runs_dir)
    return CheckReport(
        runs=tuple(r.spec.name for r in runs),
        problems=tuple(loaded.problems) + tuple(read_problems),
    )
