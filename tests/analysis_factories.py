"""Factories for analysis tests: build RunData from arrays without any files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from reportgen.model import AnalysisConfig, Restart, RunData, RunSpec, Series


def series(name: str, values: Any, steps: Any = None, epoch: Any = None) -> Series:
    v = np.asarray(values, dtype=np.float64)
    s = (
        np.arange(v.shape[0], dtype=np.int64)
        if steps is None
        else np.asarray(steps, dtype=np.int64)
    )
    e = None if epoch is None else np.asarray(epoch, dtype=np.float64)
    return Series(name=name, steps=s, values=v, epoch=e)


def make_run(
    *,
    name: str = "run",
    roles: dict[str, str] | None = None,
    loss: str | None = None,
    num_classes: int | None = None,
    analysis: AnalysisConfig | None = None,
    restarts: tuple[Restart, ...] = (),
    x: str = "step",
    **named: Series,
) -> RunData:
    """A RunData whose series are `named` (keyword = series name); roles default to the
    keyword names that are role names (train_loss=..., val_loss=...)."""
    from reportgen.model import ROLES

    ser = {
        k: (v if v.name == k else Series(k, v.steps, v.values, v.epoch, v.wall_time))
        for k, v in named.items()
    }
    if roles is None:
        roles = {k: k for k in ser if k in ROLES}
    spec = RunSpec(
        name=name,
        path=Path("runs") / f"{name}.yaml",
        logs=(),
        loss=loss,
        num_classes=num_classes,
        analysis=analysis or AnalysisConfig(),
    )
    return RunData(
        spec=spec, series=ser, roles=roles, hparams={}, sources=(), restarts=restarts, x=x
    )


def run_from_log(path: Path) -> RunData:
    """A RunData for one real log read by reportgen's readers, roles picked as a build picks
    them (densest series, component losses summed), without a manifest."""
    from reportgen.readers import read_log
    from reportgen.readers.run import pick_roles

    log = read_log(path)
    roles, _notes, derived = pick_roles(dict(log.series), {})
    return RunData(
        spec=RunSpec(name=path.stem, path=path, logs=()),
        series={**log.series, **{d.name: d.series for d in derived}},
        roles=roles,
        hparams={},
        sources=(),
        restarts=log.restarts,
        x="epoch" if log.x_is_epoch else "step",
    )
