"""Resumed training: every resume and every point it dropped is counted, several resumes at one
step included (runs appended to one file), and a resume between two logs is one event however
many series it touches."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

from conftest import write_csv
from independent_reading import last_written
from test_roles_realogs import _corpus_path, _spec

from reportgen.errors import Location, display_path
from reportgen.model import LogSpec, Restart, RunSpec
from reportgen.readers.run import read_run


def test_runs_appended_to_one_csv_count_every_resume(tmp_path: Path) -> None:
    # three attempts written one after the other, each starting again at step 0
    steps = list(range(10)) + list(range(10)) + list(range(5))
    log = write_csv(tmp_path / "log.csv", {"step": steps, "loss": [1.0 / (s + 1) for s in steps]})
    run = read_run(_spec(log, tmp_path))
    # the second attempt replaces the first's 10 points, the third the second's 10
    assert run.restarts == (Restart(step=0, source=display_path(log), dropped=20, times=2),)


def test_a_resume_across_two_logs_is_one_event(tmp_path: Path) -> None:
    first = write_csv(
        tmp_path / "a.csv",
        {"step": list(range(10)), "train_loss": [1.0] * 10, "val_loss": [2.0] * 10},
    )
    second = write_csv(
        tmp_path / "b.csv",
        {"step": list(range(6, 20)), "train_loss": [0.5] * 14, "val_loss": [1.5] * 14},
    )
    manifest = tmp_path / "run.yaml"
    logs = tuple(
        LogSpec(log, "auto", Location(manifest, 2 + i)) for i, log in enumerate((first, second))
    )
    run = read_run(RunSpec(name="run", path=manifest, logs=logs))
    (restart,) = run.restarts
    # steps 6..9 of the first log are replaced: 4 points of each series, one event
    assert (restart.step, restart.dropped, restart.times) == (6, 4, 1)
    assert len(run.series["train_loss"]) == 20


def test_a_real_jsonl_with_three_runs_appended(tmp_path: Path) -> None:
    path = _corpus_path("realogs2/plain/cs229-chess__logs__metrics.jsonl")
    records = [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    points = [(r["epoch"], r["train_loss"]) for r in records]
    resumes = sum(b[0] < a[0] for a, b in pairwise(points))
    dropped = len(points) - len(last_written(points))
    run = read_run(_spec(path, tmp_path))
    assert run.restarts == (
        Restart(step=0, source=display_path(path), dropped=dropped, times=resumes),
    )
    assert (resumes, dropped) == (2, 20)
