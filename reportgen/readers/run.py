"""Read every log of a run and merge them into one RunData (series by name, roles, hparams)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from reportgen.errors import Location, ManifestError, ReadError, ReportgenError, display_path
from reportgen.model import LogData, Restart, RunData, RunSpec, Series, SourceInfo
from reportgen.readers import read_log
from reportgen.readers.base import clean_series, merge_restarts
from reportgen.readers.loss_components import DerivedTotal, derive_totals
from reportgen.readers.roles import choose_roles, shapes_of
from reportgen.readers.xunits import align_epoch_series, steps_per_epoch

LOSS_ROLES = ("train_loss", "val_loss", "test_loss", "train_loss_epoch")
# Names that are losses even when no role could be given to them (a GAN's two losses, YOLO's
# three): such a run still builds, with a warning asking which to analyse.
LOSS_LIKE = re.compile(r"loss|cross_?entropy|xent|nll|(^|[_/])ls($|[_/])", re.IGNORECASE)


def loss_like(names: list[str]) -> list[str]:
    return sorted(n for n in names if LOSS_LIKE.search(n))


def _concat(a: np.ndarray | None, b: np.ndarray | None, na: int, nb: int) -> np.ndarray | None:
    if a is None and b is None:
        return None
    a = np.full(na, np.nan) if a is None else a
    b = np.full(nb, np.nan) if b is None else b
    return np.concatenate([a, b])


def merge_series(parts: list[Series], source: str) -> tuple[Series, list[Restart]]:
    """Series of one name from several logs, in manifest order, as one write-ordered log:
    a later log that starts at an earlier step is a resumed run (TensorBoard's rule)."""
    if len(parts) == 1:
        return parts[0], []
    steps = np.concatenate([p.steps for p in parts])
    values = np.concatenate([p.values for p in parts])
    epoch = parts[0].epoch
    wall = parts[0].wall_time
    n = len(parts[0])
    for p in parts[1:]:
        epoch = _concat(epoch, p.epoch, n, len(p))
        wall = _concat(wall, p.wall_time, n, len(p))
        n += len(p)
    return clean_series(parts[0].name, steps, values, source=source, epoch=epoch, wall_time=wall)


def read_run(spec: RunSpec, runs_dir: Path | None = None) -> RunData:
    """Read and merge a run's logs. Raises ReadError (log problems) or ManifestError (a `metrics:`
    role naming a series that is not logged, or no loss series at all)."""
    logs: list[tuple[Path, LogData]] = []
    for log in spec.logs:
        logs.append((log.path, read_log(log.path, log.format)))
    by_name: dict[str, list[Series]] = {}
    per_series: list[list[Restart]] = []
    sources: list[SourceInfo] = []
    hparams: dict = {}
    for path, data in logs:
        shown = _relative(path, runs_dir)
        sources.append(
            SourceInfo(
                path=shown,
                format=data.format,
                series=tuple(sorted(data.series)),
                points=sum(len(s) for s in data.series.values()),
            )
        )
        hparams.update(data.hparams)
        for name in data.series:
            by_name.setdefault(name, []).append(data.series[name])
    series: dict[str, Series] = {}
    for name in sorted(by_name):
        merged, found = merge_series(by_name[name], source=", ".join(s.path for s in sources))
        series[name] = merged
        per_series.append(found)
    for role, name in sorted(spec.metrics.items()):
        if name not in series:
            raise ManifestError(
                f"no logged metric named {name!r}; the logs have: {_listing(series)}",
                _where(spec, f"metrics.{role}"),
                key=f"metrics.{role}",
            )
    per_epoch = steps_per_epoch(series)
    series = align_epoch_series(series, per_epoch)
    roles, notes, derived = pick_roles(series, spec.metrics)
    series = {**series, **{d.name: d.series for d in derived}}
    if not any(role in roles for role in LOSS_ROLES) and not loss_like(list(series)):
        raise ReadError(
            f"no loss column found (the logs have: {_listing(series)}); name it in the manifest, "
            "e.g. metrics: {train_loss: <column>}",
            _where(spec, "logs"),
            key="logs",
        )
    x = spec.x or ("epoch" if logs and all(d.x_is_epoch for _, d in logs) else "step")
    hparams.update(spec.hparams)
    # a log's own resumes, and those between logs (each series reports the same one: merged)
    restarts = combine_restarts([r for _, data in logs for r in data.restarts] + list(merge_restarts(per_series)))
    return RunData(
        spec=spec,
        series=series,
        roles=roles,
        hparams=hparams,
        sources=tuple(sources),
        restarts=restarts,
        x=x,
        warnings=tuple(w for _, data in logs for w in data.meta.get("warnings", ())),
        derived={d.name: d.components for d in derived},
        role_notes=notes,
        steps_per_epoch=per_epoch,
        end_summary=_end_summary(logs),
    )


def _end_summary(logs: list[tuple[Path, LogData]]) -> dict[str, float]:
    """The end-of-training records of the logs (readers put them in meta["summary"]), merged in
    manifest order: a later log's record is the later training."""
    out: dict[str, float] = {}
    for _, data in logs:
        out.update({str(k): float(v) for k, v in sorted(data.meta.get("summary", {}).items())})
    return out


# split of a derived total -> the role it plays
_SPLIT_ROLES = {"train": "train_loss", "val": "val_loss"}


def pick_roles(
    series: dict[str, Series], overrides: dict[str, str]
) -> tuple[dict[str, str], tuple[str, ...], list[DerivedTotal]]:
    """Roles by name and shape (readers/roles.py); a train or validation loss that is not logged as one
    series is the sum of its logged parts, when it has some (readers/loss_components.py)."""
    choice = choose_roles(list(series), overrides, shapes_of(series))
    roles = dict(choice.roles)
    notes = list(choice.notes)
    missing = tuple(split for split, role in _SPLIT_ROLES.items() if role not in roles)
    derived = derive_totals(series, missing) if missing else []
    for total in derived:
        role = _SPLIT_ROLES[total.split]
        roles[role] = total.name
        notes.append(
            f"{role.replace('_', ' ')}: {total.name!r}, the {total.description} "
            f"(no total {total.split} loss is logged)"
        )
    return dict(sorted(roles.items())), tuple(notes), derived


def combine_restarts(restarts: list[Restart]) -> tuple[Restart, ...]:
    """One Restart per (step, source), counting every resume there and every point they dropped:
    five runs appended to one file, each resumed at step 0, are one place with five resumes, not
    the last resume's count. Ordered by step, then source."""
    by_place: dict[tuple[int, str], Restart] = {}
    for r in restarts:
        old = by_place.get((r.step, r.source))
        by_place[(r.step, r.source)] = r if old is None else Restart(
            r.step, r.source, old.dropped + r.dropped, old.times + r.times
        )
    return tuple(by_place[k] for k in sorted(by_place))


def _listing(series: dict[str, Series], limit: int = 12) -> str:
    names = sorted(series)
    shown = ", ".join(names[:limit])
    return shown + (f", ... ({len(names)} in all)" if len(names) > limit else "") if names else "no numeric columns"


def _where(spec: RunSpec, key: str) -> Location:
    line = spec.key_lines.get(key.split(".")[0])
    return Location(spec.path, line)


def _relative(path: Path, base: Path | None) -> str:
    if base is not None:
        try:
            return path.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            pass
    return display_path(path)


def read_runs(specs: list[RunSpec], runs_dir: Path) -> tuple[list[RunData], list[ReportgenError]]:
    """Read every run; a run whose logs fail is reported and left out, the others go on."""
    runs: list[RunData] = []
    problems: list[ReportgenError] = []
    for spec in specs:
        try:
            runs.append(read_run(spec, runs_dir))
        except ReportgenError as exc:
            problems.append(exc)
    return runs, problems
