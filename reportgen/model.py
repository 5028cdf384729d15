"""Plain dataclasses passed between the pipeline stages.

manifests -> RunSpec; readers -> LogData / RunData; analysis -> RunAnalysis; figures -> FigureSpec.
Numpy arrays inside these objects are never mutated after construction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from reportgen.errors import Location

# Metric roles a series can play. Readers and manifests map series names onto these.
ROLES = (
    "train_loss",
    "train_loss_epoch",
    "val_loss",
    "test_loss",
    "train_acc",
    "val_acc",
    "learning_rate",
)

LOSS_KINDS = ("cross_entropy", "bce", "mse", "mae", "hinge", "kl", "other")
TASKS = ("classification", "regression")


@dataclass(frozen=True)
class Series:
    """One logged metric: `steps` int64 ascending and unique, `values` float64 (NaN/inf kept).

    `epoch` (float64, NaN where unknown) and `wall_time` (float64 seconds since the epoch) are
    optional and, when present, have the same length as `steps`.
    """

    name: str
    steps: np.ndarray
    values: np.ndarray
    epoch: np.ndarray | None = None
    wall_time: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.steps.shape[0])


@dataclass(frozen=True)
class Restart:
    """Training resumed: records at steps >= `step` written earlier were superseded."""

    step: int
    source: str  # the log file (display path) where it happened
    dropped: int  # how many superseded points were dropped
    times: int = 1  # how many resumes at this step in this source (runs appended to one file)


@dataclass(frozen=True)
class LogData:
    """What a reader returns for one log file (or log folder)."""

    series: dict[str, Series]
    format: str
    hparams: dict[str, Any] = field(default_factory=dict)
    restarts: tuple[Restart, ...] = ()
    # True when the steps of this log count epochs (Keras history, epoch-only CSVs).
    x_is_epoch: bool = False
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LogSpec:
    path: Path
    format: str  # "auto" or a registered reader name
    where: Location


@dataclass(frozen=True)
class AnalysisConfig:
    """Thresholds and defaults for analysis; set in reportgen.yaml (`analysis:`) or per run."""

    smoothing: float = 0.6
    last_window: int = 10  # points averaged for the "mean of last window" statistic
    # Overfitting (Prechelt): generalisation loss GL in percent, UP_s strips.
    overfit_gl: float = 10.0
    overfit_strips: int = 3
    overfit_strip_len: int = 5
    # Divergence: loss this many times above its running minimum (and initial value).
    diverge_factor: float = 3.0
    # Spikes: robust z-score of the residual from the running-median trend (log space).
    spike_z: float = 8.0
    # Underfitting: final train loss above this fraction of the chance baseline.
    underfit_ratio: float = 0.9
    # Plateaus (ReduceLROnPlateau rule): relative improvement below threshold for patience points.
    plateau_threshold: float = 1e-3
    plateau_patience: int = 20
    # Class balance.
    imbalance_ratio: float = 10.0
    shift_jsd: float = 0.05
    # Added by the analysis stage (documented in docs/analysis.md).
    # Convergence fit: warm-up steps to skip (None: skip up to the early peak of the smoothed
    # loss), the fewest points a fit needs, and the R^2 below which no fit is reported.
    fit_warmup: int | None = None
    fit_min_points: int = 8
    fit_min_r2: float = 0.8
    # Overfitting needs this many finite validation points, its validation minimum at least
    # overfit_min_after evaluations before the end (one high last point is not a trend), and
    # a rise above noise_z times the validation noise (robust sigma of second differences).
    overfit_min_points: int = 5
    overfit_min_after: int = 3
    noise_z: float = 2.5
    # Divergence: the exploded loss must also have lost this fraction of its progress.
    diverge_progress: float = 0.5
    # Spikes are looked for in series with at least this many finite points, and must also
    # rise this fraction above the local level (a 10% bump is noise, however quiet the curve).
    spike_min_points: int = 20
    spike_min_rise: float = 0.25
    # Underfitting without a known baseline: the training loss fell by less than this fraction.
    underfit_flat_drop: float = 0.02
    # Chance-level loss when the loss type alone does not give it (e.g. target variance for MSE).
    baseline: float | None = None
    # A plateau must also span at least this fraction of the series' points.
    plateau_min_fraction: float = 0.1
    # Chi-square p-value below which (with shift_jsd) splits count as shifted.
    shift_p: float = 0.01
    # Plateau vs converged: a stall is a plateau only when it starts before this fraction of
    # the run's total drop was made, or when the loss later falls by at least
    # plateau_later_drop of the total drop (a long stall, then progress); otherwise converged.
    plateau_max_progress: float = 0.5
    plateau_later_drop: float = 0.2
    # Still improving: over the last still_window fraction of the points the training loss
    # falls with a slope t-statistic below -still_t, by at least still_min_drop of the run's
    # total drop.
    still_window: float = 0.2
    still_t: float = 4.0
    still_min_drop: float = 0.1
    # Generalisation gap: at the end validation loss sits gap_ratio times above training loss
    # and the gap is at least gap_fraction of the loss scale (chance level, else starting level).
    gap_ratio: float = 8.0
    gap_fraction: float = 0.3
    # Training got worse: train (and validation) trends end above their best by at least
    # worse_fraction of the progress made before that best, and by noise_z noise sigmas.
    worse_fraction: float = 0.25
    # Instability: spikes must be repeated (at least instability_min_spikes), or not
    # recovered; or the loss climbs back instability_regress of its progress repeatedly and its
    # trend ends instability_unrecovered of that progress above its lowest level.
    instability_min_spikes: int = 2
    instability_regress: float = 0.75
    instability_unrecovered: float = 0.1

    def replace(self, **changes: Any) -> AnalysisConfig:
        from dataclasses import replace

        return replace(self, **changes)


@dataclass(frozen=True)
class BalanceSource:
    """Where one split's class counts come from: a label file, a counts file (which may name
    several splits itself; then `split` is None), or counts written in the manifest."""

    split: str | None
    where: Location
    path: Path | None = None
    counts: dict[str, int] | None = None
    column: str | None = None  # label column of a CSV label file


@dataclass(frozen=True)
class BalanceSpec:
    """A run's or dataset's `class_balance:` (or a reference to a `kind: dataset` manifest)."""

    where: Location
    sources: tuple[BalanceSource, ...] = ()
    class_names: tuple[str, ...] | dict[str, str] | None = None
    dataset: str | None = None  # name of a dataset manifest, when the run refers to one


@dataclass(frozen=True)
class DatasetSpec:
    """A `kind: dataset` manifest: a dataset described once and shared by many runs."""

    name: str
    path: Path
    balance: BalanceSpec
    title: str | None = None
    notes: str = ""
    analysis: AnalysisConfig = field(default_factory=AnalysisConfig)

    @property
    def display_title(self) -> str:
        return self.title or self.name


@dataclass(frozen=True)
class RunSpec:
    """A validated run manifest."""

    name: str
    path: Path  # the manifest file
    logs: tuple[LogSpec, ...]
    title: str | None = None
    group: str | None = None
    tags: tuple[str, ...] = ()
    notes: str = ""
    task: str | None = None
    loss: str | None = None
    num_classes: int | None = None
    metrics: dict[str, str] = field(default_factory=dict)  # role -> series name
    x: str | None = None  # "step" | "epoch" | None (inferred)
    hparams: dict[str, Any] = field(default_factory=dict)
    analysis: AnalysisConfig = field(default_factory=AnalysisConfig)
    # The manifest's own extra metadata: `source` says whether logs are real or simulated.
    source: str | None = None
    # Where each top-level key sits in the manifest, for error messages.
    key_lines: dict[str, int] = field(default_factory=dict)
    class_balance: BalanceSpec | None = None

    @property
    def display_title(self) -> str:
        return self.title or self.name


@dataclass(frozen=True)
class SourceInfo:
    path: str  # display path, relative to the runs folder
    format: str
    series: tuple[str, ...]
    points: int


@dataclass(frozen=True)
class RunData:
    """A run's logs read and merged: every series by name, and which series plays which role."""

    spec: RunSpec
    series: dict[str, Series]
    roles: dict[str, str]  # role -> series name
    hparams: dict[str, Any]  # from logs, then overridden by the manifest
    sources: tuple[SourceInfo, ...]
    restarts: tuple[Restart, ...] = ()
    x: str = "step"  # "step" | "epoch": what the x axis counts
    # what the readers warned about (cells that were not numbers, broken hparams files, ...)
    warnings: tuple[str, ...] = ()
    # derived series name -> the logged series it is the sum of (readers/loss_components.py)
    derived: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # why a role went to one series rather than another that also fits (roles.choose_roles)
    role_notes: tuple[str, ...] = ()
    # training steps per epoch, when the logs give both and their ratio is constant (readers/xunits.py)
    steps_per_epoch: int | None = None

    def role(self, role: str) -> Series | None:
        name = self.roles.get(role)
        return self.series.get(name) if name else None


@dataclass(frozen=True)
class Flag:
    """A finding about a run, with the evidence a careful engineer would want to see.

    kind: "overfitting" | "underfitting" | "divergence" | "instability" | "plateau" | "restart"
          | "class_imbalance" | "class_missing" | "distribution_shift" | ...
    severity: "error" (training went wrong), "warning" (look at this), "info" (good to know)
    evidence: JSON-serialisable mapping (criterion, values, steps).
    facts: 2-4 (label, value text) pairs behind the message, for a reader: ("minimum",
           "0.41 at epoch 12"); the full evidence stays in `evidence`.
    """

    kind: str
    severity: str
    message: str
    metric: str | None = None
    step: int | None = None
    epoch: float | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    facts: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class MetricSummary:
    name: str
    role: str | None
    points: int
    finite_points: int
    first: float | None
    final: float | None
    min: float | None
    max: float | None
    step_at_min: int | None
    step_at_max: int | None
    last_window_mean: float | None
    pct_change: float | None  # (final - first) / |first| * 100
    first_step: int | None
    last_step: int | None


@dataclass(frozen=True)
class Best:
    """Where the monitored metric (validation loss, else train loss) was best."""

    metric: str
    role: str
    value: float
    step: int
    epoch: float | None


@dataclass(frozen=True)
class Convergence:
    """A fitted convergence model for one loss series, or the reason none is reported."""

    metric: str
    model: str | None  # "exponential" | "power" | None when refused
    reason: str | None = None  # why no fit is reported
    rate: float | None = None  # r for exponential, alpha for power law
    asymptote: float | None = None
    amplitude: float | None = None
    r2: float | None = None
    half_life: float | None = None  # steps for the gap to the asymptote to halve (exponential)
    steps_to_5pct: float | None = None
    steps_to_1pct: float | None = None
    steps_to_90pct_drop: int | None = None  # empirical, on the smoothed curve
    steps_to_99pct_drop: int | None = None
    fit_start_step: int | None = None


@dataclass(frozen=True)
class RunAnalysis:
    name: str
    summaries: dict[str, MetricSummary]
    smoothed: dict[str, np.ndarray]  # series name -> debiased EMA over the full series
    best: Best | None
    convergence: tuple[Convergence, ...]
    flags: tuple[Flag, ...]
    baseline: float | None = None  # chance-level loss when known (ln K, ln 2, ...)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SweepSpec:
    """A sweep declared in reportgen.yaml (`sweeps:`): which runs (names or fnmatch patterns,
    or tags), the objective (a metric role or series name; None: the validation loss), its
    summary per run (best | final) and whether lower or higher is better (min | max)."""

    name: str
    where: Location
    runs: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    objective: str | None = None
    summary: str = "best"
    goal: str = "min"


@dataclass(frozen=True)
class SiteConfig:
    title: str = "Training report"
    analysis: AnalysisConfig = field(default_factory=AnalysisConfig)
    path: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    sweeps: tuple[SweepSpec, ...] = ()  # `sweeps:` in reportgen.yaml (site_config.check_sweeps)
