"""The comparability rule (docs/figures.md): which runs may share an axis or a ranking.

- y: runs share a panel and a ranking only when they have the same task and loss kind (an MSE
  never shares an axis or a rank with a cross-entropy), and a ranking only compares the same
  metric (best validation loss with best validation loss, else best train loss).
- x: a panel draws all its runs by epoch when every run's epochs are known (logged, or the
  steps count epochs); by step when every run counts steps; otherwise the runs whose epochs are
  known go on an epoch panel and the rest on a step panel. The axis label names the unit.
- ranking: within a set, a run with an error finding (divergence, ...) comes after every
  healthy run, whatever its best value before it blew up.

Pure: run specs and records in, sets out. figures/plan_groups.py draws the panels, site/pages.py ranks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from reportgen.model import RunData

RANKING_RULE = (
    "Runs are ranked only against runs of the same task and loss kind, by the same metric: best "
    "validation loss, or best train loss for runs that log no validation loss. A run with an error "
    "finding (it diverged or its loss became non-finite) is ranked after every healthy run of its set, "
    "with its finding shown, because its best value before it failed says nothing about its result."
)


@dataclass(frozen=True)
class Kind:
    """What a run's loss measures: runs of different kinds never share an axis or a rank."""

    task: str | None
    loss: str | None

    @property
    def label(self) -> str:
        loss = (self.loss or "unstated").replace("_", "-")
        return f"{self.task or 'task unstated'}, {loss} loss"


def run_kind(task: str | None, loss: str | None) -> Kind:
    return Kind(task, loss)


def kind_sets(kinds: Mapping[str, Kind]) -> list[tuple[Kind, list[str]]]:
    """Runs grouped by kind: (kind, sorted run names), the kinds in order of their first run name."""
    sets: dict[Kind, list[str]] = {}
    for name in sorted(kinds):
        sets.setdefault(kinds[name], []).append(name)
    return list(sets.items())


def has_epochs(run: RunData, role: str) -> bool:
    """True when the role's positions can be given in epochs: the steps count epochs, or every
    point carries its epoch (so steps per epoch is known from the log)."""
    if run.x == "epoch":
        return True
    series = run.role(role)
    return series is not None and series.epoch is not None and bool(np.isfinite(series.epoch).all())


def x_units(runs: Sequence[RunData], role: str = "val_loss") -> list[tuple[str, list[RunData]]]:
    """(unit, runs) panels of one comparable set, by the x rule above; runs keep their order."""
    epochs = [run for run in runs if has_epochs(run, role if run.role(role) is not None else "train_loss")]
    if all(run.x == "step" for run in runs) or not epochs:
        return [("step", list(runs))]
    if len(epochs) == len(runs):
        return [("epoch", list(runs))]
    chosen = {id(run) for run in epochs}
    steps = [run for run in runs if id(run) not in chosen]
    return [("epoch", epochs), ("step", steps)]


def failed(record: Mapping[str, Any]) -> bool:
    """True when a run has an error finding: ranked after the healthy runs."""
    return any(f.get("severity") == "error" for f in record.get("flags", ()))


@dataclass(frozen=True)
class ComparableSet:
    """Runs that may share an axis and a statistic: one kind, one x unit."""

    kind: Kind
    unit: str
    runs: tuple[RunData, ...]

    @property
    def label(self) -> str:
        return f"{self.kind.label}, by {self.unit}"


def comparable_sets(runs: Sequence[RunData]) -> list[ComparableSet]:
    """The runs split by kind (kind_sets), then by x unit (x_units): the sets a comparison draws
    as panels and a group aggregates apart. One set when every run is comparable."""
    by_name = {run.spec.name: run for run in runs}
    out = []
    for kind, names in kind_sets({name: run_kind(run.spec.task, run.spec.loss) for name, run in by_name.items()}):
        for unit, chosen in x_units([by_name[n] for n in names]):
            out.append(ComparableSet(kind, unit, tuple(chosen)))
    return out
